// The clock edge and the reset that unit harnesses give a Verilated model with clk_i and an
// asynchronous, active-low rst_ni: one place for the sequence, whatever the model.
#pragma once

namespace ipsec::tb {

// One rising and one falling edge of clk_i, evaluated after each.
template <class Model>
void clock_edge(Model& m) {
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.eval();
}

// A falling edge of the asynchronous reset, a clock inside it, then its release. Set the
// model's valid inputs to 0 first.
template <class Model>
void async_reset(Model& m) {
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  clock_edge(m);
  m.rst_ni = 1;
  m.eval();
}

}  // namespace ipsec::tb
