// Big-endian fields of frames as the datapath models read and build them (network byte
// order, RFC 791 / RFC 4303), and the IPv4 header checksum written in place: one set of
// helpers for the crypto-offload rules (esp_model.cpp) and the packet-offload ones
// (esp_packet.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "esp_model.h"  // Bytes, ipv4_header_checksum, kIpv4HeaderBytes

namespace ipsec::model::fields {

inline uint16_t be16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
inline uint32_t be32(const Bytes& b, size_t at) {
  return uint32_t{be16(b, at)} << 16 | be16(b, at + 2);
}
inline uint64_t be64(const Bytes& b, size_t at) {
  return uint64_t{be32(b, at)} << 32 | be32(b, at + 4);
}

inline void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
inline void append16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void append32(Bytes& b, uint32_t v) {
  append16(b, static_cast<uint16_t>(v >> 16));
  append16(b, static_cast<uint16_t>(v));
}
inline void append64(Bytes& b, uint64_t v) {
  append32(b, static_cast<uint32_t>(v >> 32));
  append32(b, static_cast<uint32_t>(v));
}
// `n` bytes of `from` from `at` on, appended.
inline void append(Bytes& b, const Bytes& from, size_t at, size_t n) {
  b.insert(b.end(), from.begin() + static_cast<std::ptrdiff_t>(at),
           from.begin() + static_cast<std::ptrdiff_t>(at + n));
}

// A fresh IPv4 header checksum into the header starting at `at` (RFC 791).
inline void fix_ipv4_checksum(Bytes& b, size_t at) {
  put16(b, at + 10, ipv4_header_checksum(&b[at], kIpv4HeaderBytes));
}

}  // namespace ipsec::model::fields
