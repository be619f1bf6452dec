#include "rx_flows.h"

#include <stdexcept>

namespace ipsec::tb {

namespace {

Address random_address(std::mt19937_64& rng, bool v6) {
  Address a = v6 ? ipv6("2001:db8::") : ipv4("10.0.0.0");
  for (size_t i = v6 ? 8 : 13; i < 16; ++i) a[i] = static_cast<uint8_t>(rng());
  return a;
}

}  // namespace

RxFlow make_rx_flow(std::mt19937_64& rng, const RxFlowSpec& s) {
  RxFlow f;
  f.esp.spi = s.spi;
  f.esp.mode = s.mode;
  const bool inner_v6 = s.mode == EspMode::kTunnel ? rng() % 2 == 0 : s.ipv6;
  f.spec.ipv6 = inner_v6;
  f.spec.src = random_address(rng, inner_v6);
  f.spec.dst = random_address(rng, inner_v6);
  f.spec.proto = rng() % 2 ? kIpProtoUdp : kIpProtoTcp;
  f.spec.payload.clear();
  if (s.mode == EspMode::kTunnel) {
    f.esp.outer_ipv6 = s.ipv6;
    f.esp.outer_src = random_address(rng, s.ipv6);
    f.esp.outer_dst = random_address(rng, s.ipv6);
  }
  f.key = sa_key_for(false, ip_packet(f.spec), f.esp);
  for (auto& b : f.ctx.key) b = static_cast<uint8_t>(rng());
  if (!s.aes256) std::fill(f.ctx.key.begin() + 16, f.ctx.key.end(), 0);
  f.ctx.key256 = s.aes256;
  f.ctx.salt = static_cast<uint32_t>(rng());
  f.ctx.handle = s.handle;
  f.ctx.esn_en = s.esn;
  f.ctx.esn_overlap = s.esn && s.esn_overlap;
  f.ctx.esn_hi = s.esn ? s.esn_hi : 0;
  return f;
}

Bytes rx_wire_frame(std::mt19937_64& rng, RxFlow flow, size_t payload, uint64_t seq,
                    const WireOptions& opts) {
  flow.spec.payload = random_bytes(rng, payload);
  flow.esp.seq = seq;
  return wire_esp_frame(ip_packet(flow.spec), flow.esp, flow.ctx, opts);
}

std::optional<Bytes> rx_wire_frame_of_size(std::mt19937_64& rng, const RxFlow& flow, size_t size,
                                           uint64_t seq) {
  const size_t base = rx_wire_frame(rng, flow, 0, seq).size();
  if (base > size) return std::nullopt;
  size_t payload = size - base;
  Bytes f = rx_wire_frame(rng, flow, payload, seq);
  if (f.size() > size) f = rx_wire_frame(rng, flow, payload - (f.size() - size), seq);
  if (f.size() > size) throw std::logic_error("rx_wire_frame_of_size: ESP padding grew the frame");
  f.resize(size, 0);
  return f;
}

Bytes plain_udp_frame(std::mt19937_64& rng, size_t size) {
  PacketSpec spec;
  spec.proto = kIpProtoUdp;
  spec.payload.clear();
  const size_t base = ethernet_ip(ip_packet(spec)).size();
  if (size < base) throw std::invalid_argument("plain_udp_frame: below " + std::to_string(base) + " bytes");
  spec.payload = random_bytes(rng, size - base);
  return ethernet_ip(ip_packet(spec));
}

uint64_t rx_seq_for(const model::SaContext& ctx, uint32_t sn_lo) {
  if (!ctx.esn_en) return sn_lo;
  return uint64_t{model::rx_esn_high(ctx, sn_lo)} << 32 | sn_lo;
}

}  // namespace ipsec::tb
