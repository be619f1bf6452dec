// Byte strings to and from Verilator's wide signals: stream data (sim/vl_stream_bytes.h, shared
// with the engine harness), big-endian fields and packed-struct fields.
#pragma once

#include <cstddef>
#include <cstdint>

#include "verilated.h"
#include "vl_stream_bytes.h"  // sim/: set_le, get_le

namespace ipsec::tb {

using sim::get_le;
using sim::set_le;

// A big-endian field of `width` bytes starting at byte offset `lsb_byte` of the signal
// (counted from bit 0): field byte 0 is the most significant.
template <size_t N>
void set_be(VlWide<N>& w, size_t lsb_byte, size_t width, const uint8_t* bytes) {
  for (size_t i = 0; i < width; ++i) {
    const size_t pos = lsb_byte + width - 1 - i;
    w[pos / 4] = (w[pos / 4] & ~(0xffu << (8 * (pos % 4)))) | (uint32_t{bytes[i]} << (8 * (pos % 4)));
  }
}

// Packed structs: a field of `nbits` bits whose least significant bit is bit `lsb`.
template <size_t N>
void set_bits(VlWide<N>& w, size_t lsb, size_t nbits, uint64_t value) {
  for (size_t i = 0; i < nbits; ++i) {
    const size_t bit = lsb + i;
    const uint32_t m = 1u << (bit % 32);
    w[bit / 32] = (value >> i & 1) ? (w[bit / 32] | m) : (w[bit / 32] & ~m);
  }
}

// A byte-string field of a packed struct, byte 0 most significant.
template <size_t N>
void set_bits_be(VlWide<N>& w, size_t lsb, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) set_bits(w, lsb + 8 * (n - 1 - i), 8, bytes[i]);
}

template <size_t N>
uint64_t get_bits(const VlWide<N>& w, size_t lsb, size_t nbits) {
  uint64_t v = 0;
  for (size_t i = 0; i < nbits; ++i) v |= uint64_t{(w[(lsb + i) / 32] >> ((lsb + i) % 32)) & 1u} << i;
  return v;
}

}  // namespace ipsec::tb
