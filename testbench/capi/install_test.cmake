# cmake -P: installs the build into a fresh prefix and builds and runs a consumer of it
# three ways: find_package with the shared and with the static library, and cc with
# pkg-config. Every step must succeed; a failure shows its output.
foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_test.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/ipsec_sim/ipsec_sim.h lib/libipsec_sim.a lib/libipsec_sim.so
          lib/cmake/ipsec_sim/ipsec_simConfig.cmake lib/pkgconfig/ipsec-sim.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# find_package(ipsec_sim)
step("configure the consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_BUILD_TYPE=Release)
step("build the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
step("run the consumer (shared)" ${WORK_DIR}/consumer/consumer_shared)
step("run the consumer (static)" ${WORK_DIR}/consumer/consumer_static)
# The static one stands alone: no libipsec_sim.so among what it needs.
step("ldd consumer_static" ldd ${WORK_DIR}/consumer/consumer_static)
if(step_output MATCHES "libipsec_sim")
  message(FATAL_ERROR "consumer_static needs the shared library:\n${step_output}")
endif()

# cc $(pkg-config --cflags --libs ipsec-sim), the shared library found through an rpath.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
step("pkg-config" pkg-config --cflags --libs ipsec-sim)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
step("cc with pkg-config" ${C_COMPILER} -std=c11 -Wall -Wextra -Werror -pedantic
     ${CONSUMER_DIR}/consumer.c ${flags} -Wl,-rpath,${prefix}/lib -o ${WORK_DIR}/consumer_pc)
step("run the pkg-config consumer" ${WORK_DIR}/consumer_pc)
# And static: the archive, and what pkg-config --static says it needs besides.
step("pkg-config --static" pkg-config --static --libs-only-other --libs-only-l ipsec-sim)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
list(REMOVE_ITEM flags -lipsec_sim)
step("cc with pkg-config --static" ${C_COMPILER} -std=c11 -Wall -Wextra -Werror -pedantic
     -I${prefix}/include ${CONSUMER_DIR}/consumer.c ${prefix}/lib/libipsec_sim.a ${flags}
     -o ${WORK_DIR}/consumer_pc_static)
step("run the static pkg-config consumer" ${WORK_DIR}/consumer_pc_static)
file(REMOVE_RECURSE ${WORK_DIR})
