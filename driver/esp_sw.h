// Software ESP for the states the device does not hold: AES-GCM of RFC 4106 through
// OpenSSL, as the kernel's esp4/esp6 with the rfc4106(gcm(aes)) AEAD and seqiv do it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "status.h"
#include "xfrm_state.h"

namespace ipsec::driver {

inline constexpr size_t kEspHeaderBytes = 8;   // SPI, sequence number (RFC 4303 section 2)
inline constexpr size_t kEspIvBytes = 8;       // RFC 4106 section 3
inline constexpr size_t kEspTrailerBytes = 2;  // pad length, next header (RFC 4303 section 2.4)

// The AEAD of one state: key, salt, ICV length.
struct EspAead {
  Bytes key;                      // 16, 24 or 32 bytes
  std::array<uint8_t, 4> salt{};  // RFC 4106 section 4: the last 4 bytes of the key material
  size_t icv_bytes = 16;          // 8, 12 or 16

  // rfc4106(gcm(aes)) key material (key || salt) and ICV length, as the kernel's
  // crypto_aead_setkey / setauthsize accept them: -EINVAL otherwise.
  static StatusOr<EspAead> from_state(const XfrmState& state);
};

// RFC 4106 section 5: the AAD is SPI || SN, or SPI || SN_hi || SN_lo with extended
// sequence numbers.
Bytes esp_aad(uint32_t spi, uint64_t seq, bool esn);

// Pad length so that payload + pad + 2 ends on a 4-byte boundary (RFC 4303 section 2.4;
// GCM's block size is 1, ESP aligns to 4).
size_t esp_pad_length(size_t payload_len);

// The ESP trailer: pad bytes 1, 2, ... (RFC 4303 section 2.4), pad length, next header.
Bytes esp_trailer(size_t payload_len, uint8_t next_header);

// Encrypts `plain` (payload and trailer) in place after the 8-byte IV; returns the ICV.
Bytes esp_seal(const EspAead& aead, const std::array<uint8_t, 8>& iv, const Bytes& aad,
               Bytes& plain);
// Decrypts `cipher` in place; false when the ICV does not authenticate (the text is then
// unspecified).
bool esp_open(const EspAead& aead, const std::array<uint8_t, 8>& iv, const Bytes& aad,
              Bytes& cipher, const Bytes& icv);

// The seqiv IV of the kernel's rfc4106 (crypto/seqiv.c): the 64-bit sequence number,
// big-endian, XORed with the state's random salt.
std::array<uint8_t, 8> seqiv_iv(uint64_t seq, const std::array<uint8_t, 8>& salt);

}  // namespace ipsec::driver
