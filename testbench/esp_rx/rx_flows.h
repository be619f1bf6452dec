// RX flows for the esp_rx tests and measurements: an RX SA with the packets a peer sends
// for it, built with the stimulus library (frames.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "esp_model.h"
#include "frames.h"

namespace ipsec::tb {

// One RX SA and the ESP traffic a peer sends under it.
struct RxFlow {
  model::SaKey key;
  model::SaContext ctx;
  EspSpec esp;      // SPI, sequence number, transport or tunnel
  PacketSpec spec;  // the packet inside
};

struct RxFlowSpec {
  bool ipv6 = false;        // outer header
  bool aes256 = false;
  bool esn = false;
  bool esn_overlap = false;
  uint32_t esn_hi = 0;
  EspMode mode = EspMode::kTransport;
  uint32_t handle = 1;
  uint32_t spi = 0x1000;
};

// Random key, salt and addresses; the packet is UDP (or TCP) with an empty payload.
RxFlow make_rx_flow(std::mt19937_64& rng, const RxFlowSpec& s);

// The wire frame of `flow` with a payload of `payload` random bytes and sequence number
// `seq` (all 64 bits: the high half only matters with ESN).
Bytes rx_wire_frame(std::mt19937_64& rng, RxFlow flow, size_t payload, uint64_t seq = 1,
                    const WireOptions& opts = {});

// The largest wire frame of `flow` that fits in `size` bytes, then Ethernet padding up to
// `size` (ESP pads its datagram to 4 bytes). Nothing if even an empty payload does not fit.
std::optional<Bytes> rx_wire_frame_of_size(std::mt19937_64& rng, const RxFlow& flow, size_t size,
                                           uint64_t seq = 1);

// A plain IPv4 UDP frame of exactly `size` bytes (at least 42).
Bytes plain_udp_frame(std::mt19937_64& rng, size_t size);

// The 64-bit sequence number a receiver with this SA takes for a frame carrying `sn_lo`
// (RFC 4303 appendix A, contract section 7): what the sender must have used.
uint64_t rx_seq_for(const model::SaContext& ctx, uint32_t sn_lo);

}  // namespace ipsec::tb
