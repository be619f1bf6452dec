#include "accel_attrs.h"

#include <cassert>
#include <random>

namespace ipsec::driver {

SeqIvSource seeded_seq_iv(uint64_t seed) {
  return [rng = std::mt19937_64(seed)]() mutable {
    const uint64_t r = rng();
    std::array<uint8_t, 8> out{};
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(r >> (56 - 8 * i));
    return out;
  };
}

AccelAttrs build_accel_attrs(const XfrmState& state, const EsnState& esn, uint32_t sa_handle,
                             const std::array<uint8_t, 8>& seq_iv) {
  assert(state.aead && state.aead->key.size() > 4);
  AccelAttrs a;
  const Bytes& material = state.aead->key;
  const size_t key_len = material.size() - 4;  // 4 bytes of salt at the end (RFC 4106)
  a.keymat.key.assign(material.begin(), material.begin() + key_len);
  for (size_t i = 0; i < 4; ++i) a.keymat.salt[i] = material[key_len + i];
  a.keymat.seq_iv = seq_iv;
  a.keymat.icv_bits = state.aead->icv_bits;

  a.esn = esn;
  a.sa_handle = sa_handle;
  a.action = state.inbound() ? EspAction::kDecrypt : EspAction::kEncrypt;
  a.tunnel = state.mode == XfrmMode::kTunnel;
  a.tfc_pad = state.tfcpad;
  a.replay_type = ReplayType::kNone;  // as mlx5e: the FPGA never did anti-replay

  a.saddr = state.saddr;
  a.daddr = state.daddr;
  a.spi = state.spi;
  a.ipv6 = state.family() == AddressFamily::kInet6;
  return a;
}

}  // namespace ipsec::driver
