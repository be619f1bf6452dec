// AES-GCM through OpenSSL's EVP interface: the reference the RTL is checked against.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace ipsec::model {

using Bytes = std::vector<uint8_t>;
using Tag = std::array<uint8_t, 16>;
using Iv = std::array<uint8_t, 12>;

struct Sealed {
  Bytes ciphertext;
  Tag tag;
};

// key: 16 or 32 bytes (AES-128 / AES-256); 96-bit IV; 128-bit tag.
Sealed gcm_seal(const Bytes& key, const Iv& iv, const Bytes& aad, const Bytes& plaintext);

// The plaintext, or nothing when the tag does not authenticate.
std::optional<Bytes> gcm_open(const Bytes& key, const Iv& iv, const Bytes& aad,
                              const Bytes& ciphertext, const Tag& tag);

}  // namespace ipsec::model
