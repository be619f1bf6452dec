// The performance figures of `make bench`: sections of named values, printed as a table
// and written as JSON (build/bench.json).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "gcm_stream_harness.h"

namespace ipsec::bench {

struct Figure {
  Figure(std::string k, double v, std::string u) : key(std::move(k)), value(v), unit(std::move(u)) {}
  std::string key;    // JSON key within the section
  double value;       // NaN: absent (null in JSON, with `unit` as "<key>_note")
  std::string unit;   // for the table only
  bool is_text = false;  // a string, not a number: `unit` is the value (JSON and table)
};

// A figure that is a string: what a section measures, a version, a machine.
inline Figure text_figure(std::string key, std::string text) {
  Figure f(std::move(key), 0, std::move(text));
  f.is_text = true;
  return f;
}

struct Section {
  std::string name;   // JSON key of the section, e.g. "gcm"
  std::vector<Figure> figures;
};

// Each measurement, in simulated clock cycles except where it says wall time.
Section bench_gcm();
Section bench_tx();                    // unit: esp_tx alone, per frame size
Section bench_rx();                    // unit: esp_rx alone, per frame size
// The whole engine: engine (engine.tx.*, engine.rx.*: per frame size, SAs installed by the
// driver in sa_table), duplex, sa_switch, sa_add, sim.
std::vector<Section> bench_engine();
std::vector<Section> bench_engine_packet();
// sim.cycles_per_second alone (--only sim_speed): the duplex load of `frames` 1,500-byte
// frames each way, `runs` times, the best run's wall-clock speed; short enough to run under
// callgrind or perf stat (instructions per simulated clock; docs/architecture.md, "Simulation speed").
Section bench_sim_speed(int frames, int runs);
// What ran the figures: the Verilator that built the models, the machine's CPU.
Section bench_host();

// The frame sizes of tx, rx and engine: bytes, 0 for IMIX; and their JSON keys.
inline constexpr size_t kFrameSizes[] = {64, 128, 256, 512, 1024, 1500, 9000, 0};
inline std::string size_key(size_t size) { return size ? std::to_string(size) : std::string("imix"); }
Section bench_icarus();                // more of sim: gcm_stream under Icarus Verilog

// An SVG plot of bus utilization and latency against frame size, both directions, from
// the engine section (engine.tx.*, engine.rx.*); written through a temporary file.
bool write_plot(const std::string& path, const std::vector<Section>& sections);

// The gcm section's stimulus: its first n messages (1,500 bytes, 8 of AAD, AES-128 and
// AES-256 in turn).
std::vector<tb::GcmJob> gcm_bench_messages(int n);

}  // namespace ipsec::bench
