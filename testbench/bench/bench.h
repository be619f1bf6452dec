// The performance figures of `make bench`: sections of named values, printed as a table
// and written as JSON (build/bench.json).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gcm_stream_harness.h"

namespace ipsec::bench {

struct Figure {
  std::string key;    // JSON key within the section
  double value;       // NaN: absent (null in JSON, with `unit` as "<key>_note")
  std::string unit;   // for the table only
};

struct Section {
  std::string name;   // JSON key of the section, e.g. "gcm"
  std::vector<Figure> figures;
};

// Each measurement, in simulated clock cycles except where it says wall time.
Section bench_gcm();
Section bench_tx();                    // esp_tx alone, per frame size
Section bench_rx();                    // esp_rx alone, per frame size
std::vector<Section> bench_engine();   // duplex, sa_switch, sa_add, sim: the whole engine
Section bench_icarus();                // more of sim: gcm_stream under Icarus Verilog

// The gcm section's stimulus: its first n messages (1,500 bytes, 8 of AAD, AES-128 and
// AES-256 in turn).
std::vector<tb::GcmJob> gcm_bench_messages(int n);

}  // namespace ipsec::bench
