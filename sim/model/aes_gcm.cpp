#include "aes_gcm.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace ipsec::model {

namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const EVP_CIPHER* cipher_for(const Bytes& key) {
  if (key.size() == 16) return EVP_aes_128_gcm();
  if (key.size() == 32) return EVP_aes_256_gcm();
  throw std::invalid_argument("AES-GCM key of " + std::to_string(key.size()) + " bytes");
}

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

CipherCtx start(const Bytes& key, const Iv& iv, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("OpenSSL: EVP_CIPHER_CTX_new failed");
  check(EVP_CipherInit_ex(ctx.get(), cipher_for(key), nullptr, nullptr, nullptr, encrypt),
        "EVP_CipherInit_ex");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr),
        "EVP_CTRL_GCM_SET_IVLEN");
  check(EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt),
        "EVP_CipherInit_ex (key)");
  return ctx;
}

void update(EVP_CIPHER_CTX* ctx, uint8_t* out, const Bytes& in) {
  int len = 0;
  if (!in.empty()) {
    check(EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(in.size())),
          "EVP_CipherUpdate");
  }
}

}  // namespace

Sealed gcm_seal(const Bytes& key, const Iv& iv, const Bytes& aad, const Bytes& plaintext) {
  CipherCtx ctx = start(key, iv, true);
  update(ctx.get(), nullptr, aad);
  Sealed s{Bytes(plaintext.size()), {}};
  update(ctx.get(), s.ciphertext.data(), plaintext);
  int len = 0;
  check(EVP_CipherFinal_ex(ctx.get(), nullptr, &len), "EVP_CipherFinal_ex");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(s.tag.size()),
                            s.tag.data()),
        "EVP_CTRL_GCM_GET_TAG");
  return s;
}

std::optional<Bytes> gcm_open(const Bytes& key, const Iv& iv, const Bytes& aad,
                              const Bytes& ciphertext, const Tag& tag) {
  CipherCtx ctx = start(key, iv, false);
  update(ctx.get(), nullptr, aad);
  Bytes plaintext(ciphertext.size());
  update(ctx.get(), plaintext.data(), ciphertext);
  Tag expected = tag;
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(expected.size()),
                            expected.data()),
        "EVP_CTRL_GCM_SET_TAG");
  int len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), nullptr, &len) != 1) return std::nullopt;
  return plaintext;
}

}  // namespace ipsec::model
