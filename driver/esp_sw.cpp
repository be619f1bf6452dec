#include "esp_sw.h"

#include <openssl/evp.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

#include "packet.h"

namespace ipsec::driver {

namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const EVP_CIPHER* gcm_cipher(size_t key_bytes) {
  switch (key_bytes) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  throw std::invalid_argument("AES-GCM key of " + std::to_string(key_bytes) + " bytes");
}

// Nonce = salt || IV (RFC 4106 section 4).
std::array<uint8_t, 12> nonce(const EspAead& aead, const std::array<uint8_t, 8>& iv) {
  std::array<uint8_t, 12> n{};
  for (size_t i = 0; i < 4; ++i) n[i] = aead.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = iv[i];
  return n;
}

CipherCtx start(const EspAead& aead, const std::array<uint8_t, 8>& iv, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const std::array<uint8_t, 12> n = nonce(aead, iv);
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), gcm_cipher(aead.key.size()), nullptr, nullptr, nullptr,
                        encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, aead.key.data(), n.data(), encrypt ? 1 : 0) !=
          1) {
    throw std::runtime_error("OpenSSL AES-GCM setup failed");
  }
  return ctx;
}

void update(EVP_CIPHER_CTX* ctx, uint8_t* out, const uint8_t* in, size_t n) {
  int len = 0;
  if (n && EVP_CipherUpdate(ctx, out, &len, in, static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL AES-GCM update failed");
  }
}

}  // namespace

StatusOr<EspAead> EspAead::from_state(const XfrmState& state) {
  if (!state.aead || state.aead->name != kAeadRfc4106Gcm) {
    return Status(-EOPNOTSUPP, "software ESP does only rfc4106(gcm(aes))");
  }
  const Bytes& material = state.aead->key;
  if (material.size() != 20 && material.size() != 28 && material.size() != 36) {
    return Status(-EINVAL, "rfc4106(gcm(aes)) takes a 128, 192 or 256-bit key and a 32-bit salt");
  }
  const uint32_t icv = state.aead->icv_bits;
  if (icv != 64 && icv != 96 && icv != 128) {
    return Status(-EINVAL, "rfc4106(gcm(aes)) takes an ICV of 64, 96 or 128 bits");
  }
  EspAead a;
  a.key.assign(material.begin(), material.end() - 4);
  for (size_t i = 0; i < 4; ++i) a.salt[i] = material[material.size() - 4 + i];
  a.icv_bytes = icv / 8;
  return a;
}

Bytes esp_aad(uint32_t spi, uint64_t seq, bool esn) {
  Bytes aad(esn ? 12 : 8);
  store_be32(aad, 0, spi);
  if (esn) {
    store_be32(aad, 4, static_cast<uint32_t>(seq >> 32));
    store_be32(aad, 8, static_cast<uint32_t>(seq));
  } else {
    store_be32(aad, 4, static_cast<uint32_t>(seq));
  }
  return aad;
}

size_t esp_pad_length(size_t payload_len) { return (4 - (payload_len + kEspTrailerBytes) % 4) % 4; }

Bytes esp_trailer(size_t payload_len, uint8_t next_header) {
  const size_t pad = esp_pad_length(payload_len);
  Bytes t;
  for (size_t i = 1; i <= pad; ++i) t.push_back(static_cast<uint8_t>(i));
  t.push_back(static_cast<uint8_t>(pad));
  t.push_back(next_header);
  return t;
}

Bytes esp_seal(const EspAead& aead, const std::array<uint8_t, 8>& iv, const Bytes& aad,
               Bytes& plain) {
  CipherCtx ctx = start(aead, iv, true);
  update(ctx.get(), nullptr, aad.data(), aad.size());
  update(ctx.get(), plain.data(), plain.data(), plain.size());
  int len = 0;
  Bytes tag(16);
  if (EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag.data()) != 1) {
    throw std::runtime_error("OpenSSL AES-GCM final failed");
  }
  tag.resize(aead.icv_bytes);  // a truncated ICV is the tag's first bytes
  return tag;
}

bool esp_open(const EspAead& aead, const std::array<uint8_t, 8>& iv, const Bytes& aad,
              Bytes& cipher, const Bytes& icv) {
  if (icv.size() != aead.icv_bytes) return false;
  CipherCtx ctx = start(aead, iv, false);
  update(ctx.get(), nullptr, aad.data(), aad.size());
  update(ctx.get(), cipher.data(), cipher.data(), cipher.size());
  if (aead.icv_bytes == 16) {
    Bytes tag = icv;
    int len = 0;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1) return false;
    return EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) == 1;
  }
  // A truncated ICV: compute the full tag by encrypting the recovered text again and
  // compare its first bytes (OpenSSL checks only whole tags on decrypt).
  Bytes plain = cipher;
  const Bytes full = esp_seal(EspAead{aead.key, aead.salt, 16}, iv, aad, plain);
  uint8_t diff = 0;
  for (size_t i = 0; i < icv.size(); ++i) diff |= static_cast<uint8_t>(full[i] ^ icv[i]);
  return diff == 0;
}

std::array<uint8_t, 8> seqiv_iv(uint64_t seq, const std::array<uint8_t, 8>& salt) {
  std::array<uint8_t, 8> iv{};
  for (size_t i = 0; i < 8; ++i) {
    iv[i] = static_cast<uint8_t>(static_cast<uint8_t>(seq >> (56 - 8 * i)) ^ salt[i]);
  }
  return iv;
}

}  // namespace ipsec::driver
