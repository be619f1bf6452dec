// Frames for an offloaded SA, built from its match fields (model::SaKey): the IP packet it
// matches, the host's frame for TX offload, and a peer's ESP frame for an RX SA.
#pragma once

#include <cstdint>
#include <utility>

#include "esp_model.h"
#include "frames.h"

namespace ipsec::tb {

// An IP packet of the SA's family and addresses carrying `payload`.
inline PacketSpec packet_for(const model::SaKey& key, Bytes payload) {
  PacketSpec p;
  p.ipv6 = key.ipv6;
  p.src = key.sip;
  p.dst = key.dip;
  p.payload = std::move(payload);
  return p;
}

// The host's frame for TX offload with the SA of `key`: an IP packet carrying `payload`.
inline Bytes tx_frame(const model::SaKey& key, Bytes payload, uint64_t seq) {
  EspSpec e;
  e.spi = key.spi;
  e.seq = seq;
  return host_esp_frame(ip_packet(packet_for(key, std::move(payload))), e);
}

// A peer's ESP frame for the RX SA of `key`, sealed with its context `ctx`.
inline Bytes rx_frame(const model::SaKey& key, const model::SaContext& ctx, Bytes payload,
                      uint64_t seq) {
  EspSpec e;
  e.spi = key.spi;
  e.seq = seq;
  return wire_esp_frame(ip_packet(packet_for(key, std::move(payload))), e, ctx);
}

}  // namespace ipsec::tb
