// Coverage builds only (cmake -DIPSEC_COVERAGE=ON, make coverage): bound into the top of
// every Verilated model (`bind <top> ipsec_cov_flush ...`, written by ipsec_verilate), so
// that the model's final() writes the coverage counters of its VerilatedContext to a file
// of its own before the model, which owns the counters, is destroyed. Not part of the RTL.
module ipsec_cov_flush;
  import "DPI-C" context function void ipsec_coverage_flush();
  final ipsec_coverage_flush();
endmodule
