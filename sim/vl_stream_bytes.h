// Byte strings to and from Verilator's wide signals, in stream order: byte i in bits
// [8i+7:8i]. The harnesses of sim/ and testbench/ all drive and read beats through these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "verilated.h"

namespace ipsec::sim {

// The first `n` bytes into `w`, the rest of `w` zero.
template <size_t N>
void set_le(VlWide<N>& w, const uint8_t* bytes, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // A VlWide's words hold the bytes in memory order (word 0 = bytes 0..3).
  if (n == 4 * N) {
    std::memcpy(w.data(), bytes, 4 * N);
    return;
  }
#endif
  for (size_t i = 0; i < N; ++i) w[i] = 0;
  for (size_t i = 0; i < n; ++i) w[i / 4] |= uint32_t{bytes[i]} << (8 * (i % 4));
}

// The first `n` bytes of `w`.
template <size_t N>
void get_le(const VlWide<N>& w, uint8_t* bytes, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (n == 4 * N) {
    std::memcpy(bytes, w.data(), 4 * N);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(w[i / 4] >> (8 * (i % 4)));
}

}  // namespace ipsec::sim
