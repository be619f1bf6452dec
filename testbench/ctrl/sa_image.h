// SA command images as the contract lays them out (section 3), built from a plain SA
// description, and the SA key / context the engine's table is expected to hold for it.
// Written from the contract alone: nothing here is taken from the RTL.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>

#include "bytes.h"

namespace ipsec::tb {

namespace contract {
// Opcodes (be32 at byte 0).
constexpr uint32_t kAddSa = 0, kDelSa = 1, kAddSaV2 = 2, kDelSaV2 = 3, kModSaV2 = 4,
                   kSetCap = 5;
// Response syndromes (be32 at byte 0).
constexpr uint32_t kOk = 0, kIllegalRequest = 1, kSadbIssue = 2, kWriteResponseIssue = 3;
// Image lengths.
constexpr uint32_t kLenV1 = 132, kLenV2 = 148, kLenSetCap = 32;
// Flags (byte 0x81).
constexpr uint8_t kEsnEn = 0x01, kEsnOverlap = 0x02, kIpv6 = 0x04, kDirSx = 0x08,
                  kSpiEn = 0x10, kSaValid = 0x20, kIpEsp = 0x40;
// enc_mode (byte 0x7E).
constexpr uint8_t kAesGcm128 = 1, kAesGcm256 = 3;
// SET_CAP flags.
constexpr uint32_t kNoTrailer = 1;
// Packet offload (docs/packet_offload.md, packet section P2): ADD_SA_PKT, its 208-byte image.
constexpr uint32_t kAddSaPkt = 6;
constexpr uint32_t kLenPkt = 208;
}  // namespace contract

// The SA match key the engine uses (inferred in the contract): direction, IP version,
// addresses (IPv4 in the last 4 bytes, the rest zero), SPI.
struct SaKey {
  bool tx = false;
  bool ipv6 = false;
  std::array<uint8_t, 16> sip{};
  std::array<uint8_t, 16> dip{};
  uint32_t spi = 0;

  bool operator<(const SaKey& o) const {
    return std::tie(tx, ipv6, sip, dip, spi) < std::tie(o.tx, o.ipv6, o.sip, o.dip, o.spi);
  }
  bool operator==(const SaKey& o) const {
    return std::tie(tx, ipv6, sip, dip, spi) == std::tie(o.tx, o.ipv6, o.sip, o.dip, o.spi);
  }
  std::string str() const;
};

// What a lookup returns for an SA.
struct SaCtx {
  std::array<uint8_t, 32> key{};  // AES-128: bytes 0..15, the rest zero
  bool key256 = false;
  uint32_t salt = 0;
  uint32_t handle = 0;
  bool esn_en = false;
  bool esn_overlap = false;
  uint32_t esn_hi = 0;

  bool operator==(const SaCtx& o) const {
    return std::tie(key, key256, salt, handle, esn_en, esn_overlap, esn_hi) ==
           std::tie(o.key, o.key256, o.salt, o.handle, o.esn_en, o.esn_overlap, o.esn_hi);
  }
  bool operator!=(const SaCtx& o) const { return !(*this == o); }
  std::string str() const;
};

// An SA as the driver would describe it.
struct SaSpec {
  bool tx = false;
  bool ipv6 = false;
  std::array<uint8_t, 16> sip{};
  std::array<uint8_t, 16> dip{};
  uint32_t spi = 0;
  uint32_t salt = 0;
  uint32_t handle = 0;
  Bytes key = Bytes(16, 0);  // 16 or 32 bytes
  bool esn = false;
  bool esn_overlap = false;
  uint32_t esn_hi = 0;

  uint8_t flags() const;
  uint8_t enc_mode() const;
  SaKey match_key() const;
  SaCtx ctx() const;  // what the table holds for this SA (ESN fields only for V2 adds)
};

// IPv4 address a.b.c.d in the contract's 16-byte field.
std::array<uint8_t, 16> ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
std::array<uint8_t, 16> ipv4(uint32_t addr);

// Put a be32 value at `offset`.
void put_be32(Bytes& image, size_t offset, uint32_t value);

// The image of an SA command: ADD_SA / DEL_SA (132 bytes) or the V2 opcodes (148 bytes).
Bytes sa_image(uint32_t opcode, const SaSpec& sa);
// What ADD_SA_PKT carries after the V2 image (packet section P2), as plain values.
struct PktParams {
  uint8_t mode = 0;          // 0x94: 0 transport, 1 tunnel
  uint8_t replay_words = 0;  // 0x95
  uint64_t seq = 1;          // 0x98, be64
  uint64_t soft_bytes = ~uint64_t{0}, hard_bytes = ~uint64_t{0};
  uint64_t soft_packets = ~uint64_t{0}, hard_packets = ~uint64_t{0};
  uint8_t ttl = 0, tos = 0, tun_flags = 0;  // 0xC0..0xC2
  uint32_t flow = 0;                        // 0xC4, be32
};

// ADD_SA_PKT: the V2 image of `sa` with opcode 6 (its ESN field as ADD_SA_V2's), then `p`;
// the reserved bytes 0.
Bytes pkt_sa_image(const SaSpec& sa, const PktParams& p);

// SET_CAP with the requested flags (32 bytes).
Bytes set_cap_image(uint32_t flags);

}  // namespace ipsec::tb
