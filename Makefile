# The front door: every target builds through CMake into build/ (Release by default).
# Each one installs what is missing first (scripts/install-deps: quick when all is there).

BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps configure test lint synth bench regs clean
.DEFAULT_GOAL := all

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }
	@rm -f $(BUILD).configure.log

all: configure
	cmake --build $(BUILD) -j $(JOBS)

test: all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

lint: deps
	scripts/lint

synth: deps
	scripts/synth gcm_stream rtl/crypto/sources.f

bench: all
	$(BUILD)/ipsec-bench --json $(BUILD)/bench.json

regs:
	scripts/regs

clean:
	rm -rf $(BUILD)
