#include "rx_bench.h"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "latency_stats.h"
#include "rx_flows.h"
#include "frames.h"
#include "rx_harness.h"

namespace ipsec::tb {

namespace {

constexpr size_t kSas = 16;

// kSas RX SAs: IPv4 and IPv6 alternating, AES-128 and AES-256, every fourth with ESN.
std::vector<RxFlow> bench_flows(std::mt19937_64& rng) {
  std::vector<RxFlow> flows;
  for (size_t i = 0; i < kSas; ++i) {
    RxFlowSpec s;
    s.ipv6 = i % 2 == 1;
    s.aes256 = i % 4 >= 2;
    s.esn = i % 4 == 3;
    s.esn_hi = 5;
    s.handle = static_cast<uint32_t>(i + 1);
    s.spi = 0x3000 + static_cast<uint32_t>(i);
    flows.push_back(make_rx_flow(rng, s));
    // No L4 header (RFC 3692 experimentation, as the TX bench): the smallest frame is ESP's
    // own overhead, so the smallest size measured is as close to 64 bytes as ESP allows.
    flows.back().spec.proto = 253;
  }
  return flows;
}

// The wire frame of `size` bytes for the i-th frame of the stream: ESP for flow i mod kSas.
Bytes bench_frame(std::mt19937_64& rng, const std::vector<RxFlow>& flows, size_t i, size_t size) {
  const RxFlow& flow = flows[i % flows.size()];
  const uint32_t sn = static_cast<uint32_t>(1 + i);
  if (auto f = rx_wire_frame_of_size(rng, flow, size, rx_seq_for(flow.ctx, sn))) return *f;
  throw std::logic_error("measure_rx: no ESP frame of " + std::to_string(size) + " bytes");
}

// The smallest frame size in which every flow sends ESP (the IPv6 flows set it).
size_t smallest_esp_frame(std::mt19937_64& rng, const std::vector<RxFlow>& flows) {
  size_t smallest = model::kMinFrameBytes;
  for (const RxFlow& f : flows) smallest = std::max(smallest, rx_wire_frame(rng, f, 0).size());
  return smallest;
}

size_t imix_size(size_t i) {
  static constexpr size_t kCycle[12] = {60, 590, 60, 1514, 60, 590, 60, 60, 590, 60, 590, 60};
  return kCycle[i % 12];
}

}  // namespace

RxBenchFigures measure_rx(size_t frame_size, const RxBenchOptions& opts) {
  std::mt19937_64 rng(opts.seed);
  const std::vector<RxFlow> flows = bench_flows(rng);
  model::DatapathControl ctl;
  ctl.no_trailer = opts.no_trailer;
  const size_t smallest = smallest_esp_frame(rng, flows);
  auto size_of = [&](size_t i) { return std::max(smallest, frame_size ? frame_size : imix_size(i)); };

  RxBenchFigures fig;
  fig.frame_bytes = std::max(smallest, frame_size ? frame_size : imix_size(0));
  {
    // The stream, back to back.
    EspRxHarness h(opts.seed, 0, 0);
    for (const RxFlow& f : flows) h.sa_table()[f.key] = f.ctx;
    h.set_control(ctl);
    size_t beats = 0;
    for (size_t i = 0; beats < opts.min_beats; ++i) {
      // Hostile: frames 2j and 2j + 1 share size j of the sequence; the second one lies.
      const size_t size = size_of(opts.hostile ? i / 2 : i);
      const Bytes f = opts.hostile && i % 2 == 1
                          ? overstate_ip_length(bench_frame(rng, flows, i, size), model::kDefaultMaxFrame)
                          : bench_frame(rng, flows, i, size);
      beats += (f.size() + 15) / 16;
      h.push(f);
    }
    h.run();
    // Steady state: store and forward holds the first frame back by its own length, so the
    // clocks counted start once it has left; every later clock belongs to a later frame.
    const auto& frames = h.frames();
    auto end_of = [](const RxFrame& f) { return f.want.out ? f.out_last_cycle : f.in_last_cycle; };
    uint64_t last = 0, bus_beats = 0, wire_bytes = 0;
    for (size_t i = 1; i < frames.size(); ++i) {
      last = std::max(last, end_of(frames[i]));
      bus_beats += std::max(frames[i].in_beats, frames[i].out_beats);
      wire_bytes += frames[i].in.size();
    }
    fig.frames = frames.size();
    fig.cycles = last - end_of(frames.front());
    fig.bus_utilization = static_cast<double>(bus_beats) / static_cast<double>(fig.cycles);
    fig.wire_bytes_per_cycle = static_cast<double>(wire_bytes) / static_cast<double>(fig.cycles);
    // Latency and the ESP share over every frame, the first one included.
    LatencyStats last_in, first_in;
    size_t decrypted = 0;
    for (const RxFrame& f : frames) {
      if (f.want.fate != model::Fate::kOut) continue;
      ++decrypted;
      last_in.add(f.latency());
      first_in.add(f.out_first_cycle - f.in_first_cycle);
    }
    fig.esp_fraction = static_cast<double>(decrypted) / static_cast<double>(frames.size());
    fig.latency_cycles = last_in.max_cycles();
    fig.latency_min_cycles = last_in.min_cycles();
    fig.latency_mean_cycles = last_in.mean_cycles();
    fig.latency_first_cycles = first_in.max_cycles();
  }
  return fig;
}

}  // namespace ipsec::tb
