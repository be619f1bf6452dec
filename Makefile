# The front door: every target builds through CMake into build/ (Release by default).
# Each one installs what is missing first (scripts/install-deps: quick when all is there).

BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# The compiler, clang or gcc. The Verilated models compiled by clang run about 30 % faster than
# compiled by GCC 12 (docs/architecture.md, "Simulation speed"). A build directory configured
# with the other one is configured afresh (CMake drops its cache when the compiler changes).
COMPILER   ?= clang

ifeq ($(COMPILER),clang)
  COMPILER_ARGS = -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
else ifeq ($(COMPILER),gcc)
  COMPILER_ARGS = -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
else
  $(error COMPILER is clang or gcc, not "$(COMPILER)")
endif

.PHONY: all deps configure test regress run waves lint synth fpga bench regs clean fuzz coverage formal
.DEFAULT_GOAL := all

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(COMPILER_ARGS) $(CMAKE_ARGS) \
	  > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }
	@rm -f $(BUILD).configure.log

# Once more on failure: when an RTL change alters the set of files Verilator writes, the build
# that runs Verilator still compiles the list CMake read before it (a stale file fails to
# compile); CMake reads the new list on the next build. A real error fails twice.
all: configure
	cmake --build $(BUILD) -j $(JOBS) || { echo "make: building again with Verilator's new file list"; \
	  cmake --build $(BUILD) -j $(JOBS); }

test: all
	ctest --test-dir $(BUILD) --output-on-failure --no-tests=error -j $(JOBS)

# Soak: the random tests once per seed, seeds 1..SEEDS (or a list: SEEDS="3 17 99"), JUnit
# XML per seed in build/regress/, a rerun command for each failed (test, seed). See scripts/regress.
SEEDS ?= 8
regress:
	@BUILD=$(BUILD) JOBS=$(JOBS) SEEDS="$(SEEDS)" scripts/regress

# Coverage-guided fuzzing (libFuzzer, clang; docs/fuzzing.md): builds build-fuzz/, runs each
# target for FUZZ_SECONDS; findings in build-fuzz/findings/TARGET/, non-zero exit if any.
FUZZ_SECONDS ?= 60
fuzz: deps
	@scripts/install-deps fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz

# RTL line and toggle coverage and functional coverage (docs/coverage.md): builds build-cov/
# with Verilator coverage, runs the suites that run the RTL, then a few tests with the wide
# signals in toggle coverage (build-cov-wide/); report in build-cov/coverage/; non-zero exit
# when a test fails, a figure is below its target (line 95 %, toggle 85 %, wide toggle) or a
# functional coverage bin is a hole.
coverage: deps
	@scripts/install-deps coverage || echo "coverage: without lcov, no HTML report"
	@COV_BUILD=build-cov JOBS=$(JOBS) scripts/coverage

# The built-in demo: both directions, good and bad frames, waves/demo.vcd.
run: all
	$(BUILD)/ipsec-sim

# A scenario with its waveform: make waves SCENARIO=testbench/scenarios/lso.ipsec
SCENARIO ?= testbench/scenarios/transport_offload.ipsec
waves: all
	@mkdir -p waves $(BUILD)/waves-data
	@$(BUILD)/ipsec-sim samples $(BUILD)/waves-data > /dev/null
	$(BUILD)/ipsec-sim run $(SCENARIO) --data-dir $(BUILD)/waves-data \
	  --vcd waves/$(basename $(notdir $(SCENARIO))).vcd

lint: deps
	scripts/lint

# Formal proofs (docs/formal.md): SymbiYosys over formal/*.sby, unbounded where k-induction
# or PDR closes; `make test` runs the quick ones. FORMAL="sync_fifo cmd_mailbox" picks some.
FORMAL ?=
formal: deps
	@scripts/formal $(FORMAL)

# The AES-GCM unit (1 minute) and the whole engine (about 20 minutes and 6 GB of memory:
# 228,721 cells, the memories kept as memory cells).
ENGINE_LISTS = rtl/crypto/sources.f rtl/top/ctrl_sources.f rtl/esp/sources.f \
               rtl/esp/tx_sources.f rtl/esp/rx_sources.f rtl/top/engine_sources.f

synth: deps
	scripts/synth gcm_stream rtl/crypto/sources.f
	scripts/synth ipsec_engine $(ENGINE_LISTS)

# Xilinx UltraScale synthesis (docs/fpga.md): each block and the whole engine, resources and
# LUT levels between registers, a table and build/fpga.json; fails when a block is deeper than
# 5.0 levels or a memory above 4 kbit is outside block RAM. FPGA="esp_gcm sa_table" picks
# blocks; FPGA_REPORT_ONLY=1 prints the same without failing. Slow: esp_gcm alone takes tens of minutes.
FPGA ?=
# esp_rx_replay and esp_pkt_life are not in the engine yet: their lists are read beside the
# engine's.
fpga: deps
	@scripts/install-deps fpga
	@FPGA_LISTS="$(ENGINE_LISTS) rtl/esp/replay_sources.f rtl/esp/life_sources.f" scripts/fpga $(FPGA)

bench: all
	$(BUILD)/ipsec-bench --json $(BUILD)/bench.json --svg $(BUILD)/bench.svg

regs:
	scripts/regs

clean:
	rm -rf $(BUILD)
