// The accelerator's view of an SA (mlx5_accel_esp_xfrm_attrs plus what
// mlx5_accel_esp_create_hw_context takes beside it: addresses, SPI, family), built from an
// xfrm state the way mlx5e_ipsec_build_accel_xfrm_attrs does.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "esn.h"
#include "xfrm_state.h"

namespace ipsec::driver {

enum class EspAction : uint8_t { kDecrypt, kEncrypt };

// Hardware anti-replay: mlx5e never asked the FPGA for it; the FPGA layer refuses it.
enum class ReplayType : uint8_t { kNone, kBitmap };

// AES-GCM key material (aes_gcm_keymat).
struct AesGcmKeymat {
  Bytes key;                          // 16 or 32 bytes: the xfrm key material minus the salt
  std::array<uint8_t, 4> salt{};      // the RFC 4106 salt: last 4 bytes of the key material
  std::array<uint8_t, 8> seq_iv{};    // the seqiv generator's per-SA random salt
  uint32_t icv_bits = 128;
  uint32_t key_bits() const { return static_cast<uint32_t>(key.size() * 8); }
};

struct AccelAttrs {
  EspAction action = EspAction::kEncrypt;
  bool tunnel = false;  // MLX5_ACCEL_ESP_FLAGS_TUNNEL (else TRANSPORT); not in the SA image
  EsnState esn;         // ESN_TRIGGERED, ESN_STATE_OVERLAP, esn
  AesGcmKeymat keymat;
  ReplayType replay_type = ReplayType::kNone;
  uint32_t replay_window = 0;  // for kBitmap
  uint32_t tfc_pad = 0;
  uint32_t sa_handle = 0;      // RX: the driver's handle; TX: 0

  IpAddress saddr;
  IpAddress daddr;
  uint32_t spi = 0;
  bool ipv6 = false;
};

// Where the seqiv salt of each new SA comes from: Linux draws it at random per SA.
using SeqIvSource = std::function<std::array<uint8_t, 8>()>;

// Pseudo-random salts from a seed, so that runs and tests are reproducible.
SeqIvSource seeded_seq_iv(uint64_t seed);

// mlx5e_ipsec_build_accel_xfrm_attrs for a state that passed validate_state(): key and
// salt split from the AEAD key material, the given seqiv salt, ESN state, RX handle (0 for
// TX), action from the offload direction.
AccelAttrs build_accel_attrs(const XfrmState& state, const EsnState& esn, uint32_t sa_handle,
                             const std::array<uint8_t, 8>& seq_iv);

}  // namespace ipsec::driver
