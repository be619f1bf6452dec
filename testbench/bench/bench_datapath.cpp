// tx and rx: each direction alone, back-to-back frames of one size (and IMIX), a different
// SA on every frame, no stalls.
#include <string>

#include "bench.h"
#include "rx_bench.h"
#include "tx_bench.h"

namespace ipsec::bench {

namespace {

constexpr size_t kSizes[] = {64, 128, 256, 512, 1024, 1500, 9000, 0};

std::string size_key(size_t size) { return size ? std::to_string(size) : std::string("imix"); }

}  // namespace

Section bench_tx() {
  Section s{"tx", {}};
  for (size_t size : kSizes) {
    const int frames = size == 9000 ? 200 : size == 0 ? 2000 : 1000;
    const tb::RateFigures r = tb::measure_tx(size, frames, 1);
    const std::string k = size_key(size);
    s.figures.push_back({k + ".bus_utilization", r.bus_utilization, "busy beats per clock (limit 1)"});
    s.figures.push_back({k + ".wire_bytes_per_cycle", r.wire_bytes_per_cycle, "bytes per clock (limit 16)"});
    s.figures.push_back({k + ".latency_cycles", r.latency_cycles, "clocks, first beat in to first out"});
  }
  return s;
}

Section bench_rx() {
  Section s{"rx", {}};
  for (size_t size : kSizes) {
    const tb::RxBenchFigures r = tb::measure_rx(size);
    const std::string k = size_key(size);
    s.figures.push_back({k + ".bus_utilization", r.bus_utilization, "busy beats per clock (limit 1)"});
    s.figures.push_back({k + ".wire_bytes_per_cycle", r.wire_bytes_per_cycle, "bytes per clock (limit 16)"});
    s.figures.push_back({k + ".latency_cycles", r.latency_cycles, "clocks, last beat in to first out"});
  }
  return s;
}

}  // namespace ipsec::bench
