// The SA table's lookup port as the datapath harnesses serve it: sadb_pkg::sa_key_t and
// sa_ctx_t to and from Verilator's wide signals.
#pragma once

#include <algorithm>
#include <array>

#include "esp_model.h"
#include "vl_bytes.h"

namespace ipsec::tb {

// sadb_pkg::sa_key_t, most significant field first: dir_tx 1, ipv6 1, sip 128, dip 128,
// spi 32 (addresses byte 0 most significant).
template <typename W>
model::SaKey read_sa_key(const W& w) {
  model::SaKey k;
  k.tx = get_bits(w, 289, 1);
  k.ipv6 = get_bits(w, 288, 1);
  for (size_t i = 0; i < 16; ++i) {
    k.sip[i] = static_cast<uint8_t>(get_bits(w, 160 + 8 * (15 - i), 8));
    k.dip[i] = static_cast<uint8_t>(get_bits(w, 32 + 8 * (15 - i), 8));
  }
  k.spi = static_cast<uint32_t>(get_bits(w, 0, 32));
  return k;
}

// sadb_pkg::sa_ctx_t: key 256 (byte 0 most significant; AES-128 in the upper half, the
// lower half zero), key256 1, salt 32, handle 32, esn_en 1, esn_overlap 1, esn_hi 32.
template <typename W>
void write_sa_ctx(W& w, const model::SaContext& c) {
  for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); ++i) w[i] = 0;
  set_bits(w, 0, 32, c.esn_hi);
  set_bits(w, 32, 1, c.esn_overlap);
  set_bits(w, 33, 1, c.esn_en);
  set_bits(w, 34, 32, c.handle);
  set_bits(w, 66, 32, c.salt);
  set_bits(w, 98, 1, c.key256);
  std::array<uint8_t, 32> key{};
  std::copy_n(c.key.begin(), c.key256 ? 32 : 16, key.begin());
  set_bits_be(w, 99, key.data(), 32);
}

}  // namespace ipsec::tb
