#include "tx_bench.h"

#include <random>
#include <stdexcept>

#include "frames.h"
#include "latency_stats.h"
#include "tx_harness.h"

namespace ipsec::tb {

namespace {

constexpr int kSas = 64;  // frames cycle through this many TX SAs: a new SA every frame

model::SaKey key_of(int i) {
  PacketSpec p;
  p.src = ipv4("10.0.0." + std::to_string(i + 1));
  p.dst = ipv4("10.1.0." + std::to_string(i + 1));
  p.proto = 253;
  EspSpec e;
  e.spi = 0x1000u + static_cast<uint32_t>(i);
  return sa_key_for(true, ip_packet(p), e);
}

}  // namespace

RateFigures measure_tx(size_t frame_size, int frames, uint64_t seed) {
  std::mt19937_64 rng(seed);
  model::SaTable sas;
  for (int i = 0; i < kSas; ++i) {
    model::SaContext c;
    for (auto& b : c.key) b = static_cast<uint8_t>(rng());
    c.key256 = i % 2;
    c.salt = static_cast<uint32_t>(rng());
    sas[key_of(i)] = c;
  }
  TxHarness h(seed, 0, 0, sas);
  for (int f = 0; f < frames; ++f) {
    const int i = f % kSas;
    const size_t size = frame_size ? frame_size : imix_frame_size(rng);
    // IPv4, transport, a protocol without an L4 header so that any size from 64 fits:
    // 14 + 8 (metadata) + 20 (IPv4) + 16 (ESP header and IV) + payload.
    PacketSpec p;
    p.src = ipv4("10.0.0." + std::to_string(i + 1));
    p.dst = ipv4("10.1.0." + std::to_string(i + 1));
    p.proto = 253;  // RFC 3692 experimentation
    p.payload = random_bytes(rng, size - 58);
    EspSpec e;
    e.spi = 0x1000u + static_cast<uint32_t>(i);
    e.seq = 1 + static_cast<uint64_t>(f);
    h.send(host_esp_frame(ip_packet(p), e), false, "rate");
  }
  h.run();
  RateFigures r{};
  const double span = static_cast<double>(h.last_out_cycle() - h.first_out_cycle() + 1);
  r.bus_utilization = static_cast<double>(h.busy_beats()) / span;
  r.wire_bytes_per_cycle = static_cast<double>(h.bytes_out()) / span;
  // Every frame of the stream is offloaded, so the i-th out is the i-th in.
  const auto& in = h.frame_in_cycles();
  const auto& in_last = h.frame_in_last_cycles();
  const auto& out = h.frame_out_cycles();
  if (in.size() != out.size() || in_last.size() != out.size()) {
    throw std::runtime_error("measure_tx: a frame did not leave");
  }
  LatencyStats lat, first;
  for (size_t i = 0; i < in.size(); ++i) {
    lat.add(out[i] - in_last[i]);
    first.add(out[i] - in[i]);
  }
  r.latency_cycles = lat.max_cycles();
  r.latency_min_cycles = lat.min_cycles();
  r.latency_mean_cycles = lat.mean_cycles();
  r.latency_first_cycles = first.max_cycles();
  r.latency_first_min_cycles = first.min_cycles();
  r.cycles = h.cycles();
  r.frames = h.frames_out();
  return r;
}

}  // namespace ipsec::tb
