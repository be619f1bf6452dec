# The RTL source lists and how a Verilated model of it is built.
#
# Each RTL block lists its files, in compile order, in a `sources.f` (paths relative to the
# repository root). The same lists feed Verilator here, `make lint` and `make synth`.

set(IPSEC_RTL_DIR ${PROJECT_SOURCE_DIR}/rtl)
set(IPSEC_LINT_WAIVERS ${IPSEC_RTL_DIR}/lint/ipsec.vlt)

# ipsec_rtl_sources(<var> <filelist>...): the absolute paths listed in the file lists.
function(ipsec_rtl_sources var)
  set(files)
  foreach(list ${ARGN})
    file(STRINGS ${PROJECT_SOURCE_DIR}/${list} lines REGEX "^[^#].*")
    foreach(line ${lines})
      list(APPEND files ${PROJECT_SOURCE_DIR}/${line})
    endforeach()
    set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${PROJECT_SOURCE_DIR}/${list})
  endforeach()
  # Lists may share files (a package several blocks use): each is read once, where first named.
  list(REMOVE_DUPLICATES files)
  set(${var} ${files} PARENT_SCOPE)
endfunction()

# The whole engine, in compile order (scripts/lint and the Makefile's synth target name the
# same lists).
set(IPSEC_ENGINE_FILELISTS
  rtl/crypto/sources.f rtl/top/ctrl_sources.f rtl/esp/sources.f rtl/esp/tx_sources.f
  rtl/esp/rx_sources.f rtl/top/engine_sources.f)

# sadb_pkg::LookupLatency, for the harnesses that serve SA lookups in the table's stead.
file(STRINGS ${PROJECT_SOURCE_DIR}/rtl/sadb/sadb_pkg.sv lookup_latency_line
     REGEX "LookupLatency *= *[0-9]+")
string(REGEX MATCH "LookupLatency *= *([0-9]+)" lookup_latency_match "${lookup_latency_line}")
set(IPSEC_LOOKUP_LATENCY "${CMAKE_MATCH_1}")
if(IPSEC_LOOKUP_LATENCY STREQUAL "")
  message(FATAL_ERROR "LookupLatency not found in rtl/sadb/sadb_pkg.sv")
endif()
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/rtl/sadb/sadb_pkg.sv)

# Verilator settings of the fast model: C++ at -O2 (measured +14 % over Verilator's -Os
# default), X values resolved the fast way.
set(IPSEC_VERILATOR_ARGS -O3 --x-assign fast --x-initial fast -Wall -Wno-fatal)

# More Verilator arguments for every model of a build directory, for profiling the models:
# -DIPSEC_VERILATOR_EXTRA_ARGS=--prof-cfuncs names each generated function after the RTL
# block it evaluates (file and line), so that callgrind or perf attributes the time of an
# eval() to always blocks (docs/architecture.md, "Simulation speed").
set(IPSEC_VERILATOR_EXTRA_ARGS "" CACHE STRING "More Verilator arguments for every model (profiling)")

# The checking build of a model, which the test suites run: X values resolved to random
# ones rather than the fast choice (the harnesses set random initial values,
# randReset(2)), and the RTL's assertions compiled in and enabled: stream handshakes, FIFO
# overflow, the command queue, frame accounting (`ifdef IPSEC_ASSERTIONS in rtl/).
set(IPSEC_CHECKING_ARGS --x-assign unique --x-initial unique --assert +define+IPSEC_ASSERTIONS)

# Coverage builds (make coverage, docs/coverage.md): a build directory of its own configured
# with -DIPSEC_COVERAGE=ON. Every C++ model then counts line/branch and toggle coverage, and
# writes it when its final() runs (testbench/coverage/: a module bound into the model's top
# calls a DPI function that writes the model's VerilatedContext's data to a file of its own).
# Toggle coverage is of signals up to 64 bits wide (control, lengths, counters, strobes):
# wide data (128-bit beats, AES states and keys, SA records, memories) is left out, as are
# names starting with `_` (Verilator's default). Each counted bit costs every eval(): with
# the data buses in, the suite ran 60 times slower than the normal build.
option(IPSEC_COVERAGE "Verilate with line and toggle coverage (make coverage)" OFF)
# The widest signal whose bits toggle coverage counts. 64 for the normal coverage run; the
# wide run of make coverage (a few tests, docs/coverage.md) sets 4096 to count the data
# beats, keys and SA records too.
set(IPSEC_COVERAGE_MAX_WIDTH 64 CACHE STRING "Widest signal toggle coverage counts (bits)")
set(IPSEC_VERILATED_OPT_FAST -O2)
set(IPSEC_VERILATED_OPT_SLOW -O1)
if(IPSEC_COVERAGE)
  # Toggle counters make the generated C++ huge: GCC -O2 took minutes per file of eval()
  # (-O1: seconds), and -O1 minutes per file of the counters' set-up code (-O0: seconds).
  set(IPSEC_VERILATED_OPT_FAST -O1)
  set(IPSEC_VERILATED_OPT_SLOW -O0)
  # testbench/coverage/coverage.vlt: what is left out, with the reasons.
  set(IPSEC_COVERAGE_ARGS --coverage-line --coverage-toggle
      --coverage-max-width ${IPSEC_COVERAGE_MAX_WIDTH}
      ${PROJECT_SOURCE_DIR}/testbench/coverage/coverage.vlt)
  set(IPSEC_COV_FLUSH_SV ${PROJECT_SOURCE_DIR}/testbench/coverage/ipsec_cov_flush.sv)
  set(IPSEC_COV_FLUSH_CPP ${PROJECT_SOURCE_DIR}/testbench/coverage/ipsec_cov_flush.cpp)
endif()

# ipsec_verilate(<target> TOP <module> FILELISTS <list>... [TRACE] [SYSTEMC] [PREFIX <p>]
#                [ARGS <arg>...]): a static library holding the Verilated model (class
# V<module>, or <p>); SYSTEMC makes it an sc_module and links Debian's SystemC.
function(ipsec_verilate target)
  cmake_parse_arguments(ARG "TRACE;SYSTEMC" "TOP;PREFIX" "FILELISTS;ARGS" ${ARGN})
  ipsec_rtl_sources(sources ${ARG_FILELISTS})
  set(flags)
  if(ARG_TRACE)
    list(APPEND flags TRACE)
  endif()
  if(ARG_SYSTEMC)
    list(APPEND flags SYSTEMC)
  endif()
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX V${ARG_TOP})
  endif()
  add_library(${target} STATIC)
  set(coverage_args)
  if(IPSEC_COVERAGE AND NOT ARG_SYSTEMC)
    # The C++ models only (the SystemC one runs the same RTL: make coverage leaves it out).
    set(bind ${CMAKE_CURRENT_BINARY_DIR}/${target}_cov_bind.sv)
    file(CONFIGURE OUTPUT ${bind} CONTENT "bind ${ARG_TOP} ipsec_cov_flush u_ipsec_cov_flush();\n")
    set(coverage_args ${IPSEC_COVERAGE_ARGS} ${IPSEC_COV_FLUSH_SV} ${bind})
    if(NOT ARG_TOP STREQUAL "gcm_stream")
      list(APPEND coverage_args ${PROJECT_SOURCE_DIR}/testbench/coverage/crypto_off.vlt)
    endif()
    # In the model's library: it needs the Verilator runtime that library holds.
    target_sources(${target} PRIVATE ${IPSEC_COV_FLUSH_CPP})
    target_compile_definitions(${target} PRIVATE
                               IPSEC_COVERAGE_DEFAULT_DIR="${PROJECT_BINARY_DIR}/coverage/raw")
  endif()
  verilate(${target} ${flags}
    TOP_MODULE ${ARG_TOP}
    PREFIX ${ARG_PREFIX}
    SOURCES ${IPSEC_LINT_WAIVERS} ${sources}
    VERILATOR_ARGS ${IPSEC_VERILATOR_ARGS} ${ARG_ARGS} ${coverage_args} ${IPSEC_VERILATOR_EXTRA_ARGS}
    OPT_FAST ${IPSEC_VERILATED_OPT_FAST}
    OPT_SLOW ${IPSEC_VERILATED_OPT_SLOW}
    OPT_GLOBAL -O2)
  # Verilator's runtime headers are not ours to warn about.
  target_include_directories(${target} SYSTEM PUBLIC ${VERILATOR_ROOT}/include
                             ${VERILATOR_ROOT}/include/vltstd)
  target_link_libraries(${target} PUBLIC Threads::Threads)
  if(ARG_SYSTEMC)
    # Debian's libsystemc (C++17, no CMake package), found on the default paths.
    verilator_link_systemc(${target})
  endif()
endfunction()
