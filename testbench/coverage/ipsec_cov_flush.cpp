// Coverage builds only: the DPI function ipsec_cov_flush.sv calls from the final() of every
// Verilated model. Each harness owns its own VerilatedContext, and the coverage counters
// live in the model, so the data is written here, at final(), while the model is alive.
//
// One file per model instance: $IPSEC_COVERAGE_DIR/<model>.<pid>.<n>.dat (the directory
// defaults to <build>/coverage/raw); scripts/coverage merges them with verilator_coverage.
#include <svdpi.h>
#include <verilated.h>
#include <verilated_cov.h>
#include <verilated_syms.h>

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#ifndef IPSEC_COVERAGE_DEFAULT_DIR
#define IPSEC_COVERAGE_DEFAULT_DIR "coverage"
#endif

extern "C" void ipsec_coverage_flush() {
  static std::atomic<unsigned> written{0};
  const auto* scope = static_cast<const VerilatedScope*>(svGetScope());
  if (!scope || !scope->symsp()) {
    std::fprintf(stderr, "ipsec_coverage_flush: no DPI scope, coverage not written\n");
    return;
  }
  // The scope is "<model name>.<top>...u_ipsec_cov_flush": name the file after the model.
  std::string model = scope->name();
  const auto dot = model.find('.');
  if (dot != std::string::npos) model.resize(dot);
  for (char& c : model) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  const char* env = std::getenv("IPSEC_COVERAGE_DIR");
  const std::filesystem::path dir = (env && *env) ? env : IPSEC_COVERAGE_DEFAULT_DIR;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string file = (dir / (model + "." + std::to_string(::getpid()) + "." +
                                   std::to_string(written++) + ".dat")).string();
  // One count per instance, not one per module (Verilator's default): the report gives
  // toggle coverage per instance as well as merged over a module's instances.
  scope->symsp()->_vm_contextp__->coveragep()->forcePerInstance(true);
  scope->symsp()->_vm_contextp__->coveragep()->write(file.c_str());
}
