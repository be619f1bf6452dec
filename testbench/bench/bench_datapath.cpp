// tx and rx: the unit figures, each direction's datapath alone (esp_tx, esp_rx), back-to-back
// frames of one size (and IMIX), a different SA on every frame, no stalls. The SA lookup is
// answered by the harness from its own table with sa_table's fixed latency, not by sa_table:
// the whole engine's figures, through sa_table, are engine.tx and engine.rx.
#include <string>

#include "bench.h"
#include "rx_bench.h"
#include "tx_bench.h"

namespace ipsec::bench {

Section bench_tx() {
  Section s{"tx", {}};
  s.figures.push_back(text_figure(
      "note", "unit: esp_tx alone, SA lookups answered by the harness (not sa_table); whole engine: engine.tx"));
  for (size_t size : kFrameSizes) {
    const int frames = size == 9000 ? 200 : size == 0 ? 2000 : 1000;
    const tb::RateFigures r = tb::measure_tx(size, frames, 1);
    const std::string k = size_key(size);
    s.figures.push_back({k + ".bus_utilization", r.bus_utilization, "busy beats per clock (limit 1)"});
    s.figures.push_back({k + ".wire_bytes_per_cycle", r.wire_bytes_per_cycle, "bytes per clock (limit 16)"});
    s.figures.push_back({k + ".latency_cycles", r.latency_cycles, "clocks, last beat in to first out, worst frame"});
    s.figures.push_back({k + ".latency_min_cycles", r.latency_min_cycles, "clocks, the same, best frame"});
    s.figures.push_back({k + ".latency_mean_cycles", r.latency_mean_cycles, "clocks, the same, mean over frames"});
    s.figures.push_back({k + ".latency_first_cycles", r.latency_first_cycles,
                         "clocks, first beat in to first out, worst frame"});
    s.figures.push_back({k + ".latency_first_min_cycles", r.latency_first_min_cycles, "clocks, the same, best frame"});
  }
  return s;
}

Section bench_rx() {
  Section s{"rx", {}};
  s.figures.push_back(text_figure(
      "note", "unit: esp_rx alone, SA lookups answered by the harness (not sa_table); whole engine: engine.rx"));
  for (size_t size : kFrameSizes) {
    const tb::RxBenchFigures r = tb::measure_rx(size);
    const std::string k = size_key(size);
    s.figures.push_back({k + ".frame_bytes", static_cast<double>(r.frame_bytes),
                         size ? "bytes of every frame (64: the smallest ESP frame of every flow)"
                              : "bytes of IMIX's small frames (the smallest ESP frame), with 590 and 1514"});
    s.figures.push_back({k + ".esp_fraction", r.esp_fraction, "frames decrypted / frames (1.0: all ESP)"});
    s.figures.push_back({k + ".bus_utilization", r.bus_utilization, "busy beats per clock (limit 1)"});
    s.figures.push_back({k + ".wire_bytes_per_cycle", r.wire_bytes_per_cycle, "bytes per clock (limit 16)"});
    s.figures.push_back({k + ".latency_cycles", r.latency_cycles, "clocks, last beat in to first out, worst frame"});
    s.figures.push_back({k + ".latency_min_cycles", r.latency_min_cycles, "clocks, the same, best frame"});
    s.figures.push_back({k + ".latency_mean_cycles", r.latency_mean_cycles, "clocks, the same, mean over frames"});
    s.figures.push_back({k + ".latency_first_cycles", r.latency_first_cycles,
                         "clocks, first beat in to first out, worst frame"});
  }
  // Under attack: IMIX sizes, every other frame a matched ESP frame whose IP length runs past
  // its end (to the largest datagram); it must cost its own beats and no more.
  tb::RxBenchOptions o;
  o.hostile = true;
  const tb::RxBenchFigures h = tb::measure_rx(0, o);
  s.figures.push_back({"hostile.bus_utilization", h.bus_utilization,
                       "busy beats per clock (limit 1), IMIX interleaved 1:1 with truncated ESP frames claiming "
                       "9,202-byte datagrams"});
  s.figures.push_back({"hostile.esp_fraction", h.esp_fraction, "frames decrypted / frames (0.5: every other one hostile)"});
  s.figures.push_back({"hostile.latency_cycles", h.latency_cycles,
                       "clocks, last beat in to first out, worst decrypted frame"});
  return s;
}

}  // namespace ipsec::bench
