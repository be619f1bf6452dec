# Runs a scenario script once per driver (ipsec-sim --driver corrected|innova-as-shipped)
# on the RTL: each time the script's commands, then its lines "#@ DRIVER: COMMAND" for that
# driver as commands. Each run must pass, and each driver must have lines of its own, so
# that what differs between the drivers is asserted, not only printed.
#   cmake -DSIM=ipsec-sim -DSCRIPT=x.ipsec -DDATA=dir -DWORK=dir -P both_drivers.cmake
foreach(v SIM SCRIPT DATA WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "both_drivers.cmake: -D${v}=... is required")
  endif()
endforeach()

get_filename_component(name ${SCRIPT} NAME_WE)
file(READ ${SCRIPT} text)
file(STRINGS ${SCRIPT} lines REGEX "^#@ ")
file(MAKE_DIRECTORY ${WORK})
foreach(driver corrected innova-as-shipped)
  set(extra "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^#@ ${driver}: (.+)$")
      string(APPEND extra "${CMAKE_MATCH_1}\n")
    endif()
  endforeach()
  if(extra STREQUAL "")
    message(FATAL_ERROR "${SCRIPT}: no \"#@ ${driver}: COMMAND\" lines")
  endif()
  set(run ${WORK}/${name}.${driver}.ipsec)
  file(WRITE ${run} "${text}\n# appended for --driver ${driver}\n${extra}")
  execute_process(COMMAND ${SIM} run ${run} --driver ${driver} --data-dir ${DATA} --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("---- --driver ${driver}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} with --driver ${driver}: exit code ${rc}")
  endif()
endforeach()
