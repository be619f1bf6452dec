#include "xfrm_state.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

namespace ipsec::driver {

// ---- IpAddress ---------------------------------------------------------------------------

IpAddress IpAddress::v4(uint32_t address) {
  return v4(std::array<uint8_t, 4>{static_cast<uint8_t>(address >> 24),
                                   static_cast<uint8_t>(address >> 16),
                                   static_cast<uint8_t>(address >> 8),
                                   static_cast<uint8_t>(address)});
}

IpAddress IpAddress::v4(const std::array<uint8_t, 4>& bytes) {
  IpAddress a;
  a.family_ = AddressFamily::kInet;
  std::memcpy(a.bytes_.data(), bytes.data(), 4);
  return a;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = AddressFamily::kInet6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::parse(const std::string& text) {
  std::array<uint8_t, 16> buf{};
  if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    return v4(std::array<uint8_t, 4>{buf[0], buf[1], buf[2], buf[3]});
  }
  if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) return v6(buf);
  return std::nullopt;
}

size_t IpAddress::size() const {
  switch (family_) {
    case AddressFamily::kInet: return 4;
    case AddressFamily::kInet6: return 16;
    case AddressFamily::kUnspec: break;
  }
  return 0;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = "";
  switch (family_) {
    case AddressFamily::kInet: inet_ntop(AF_INET, bytes_.data(), text, sizeof text); break;
    case AddressFamily::kInet6: inet_ntop(AF_INET6, bytes_.data(), text, sizeof text); break;
    case AddressFamily::kUnspec: return "unspec";
  }
  return text;
}

// ---- XfrmState ---------------------------------------------------------------------------

namespace {

// The kernel's algorithm tables (net/xfrm/xfrm_algo.c), the entries that matter here.
struct AeadEntry {
  const char* name;
  uint32_t icv_bits;
  uint8_t sadb_id;
  const char* geniv;
};
constexpr AeadEntry kAeadList[] = {
    {"rfc4106(gcm(aes))", 64, sadb::kEalgAesGcmIcv8, "seqiv"},
    {"rfc4106(gcm(aes))", 96, sadb::kEalgAesGcmIcv12, "seqiv"},
    {"rfc4106(gcm(aes))", 128, sadb::kEalgAesGcmIcv16, "seqiv"},
    {"rfc4309(ccm(aes))", 64, sadb::kEalgAesCcmIcv8, "seqiv"},
    {"rfc4309(ccm(aes))", 96, sadb::kEalgAesCcmIcv12, "seqiv"},
    {"rfc4309(ccm(aes))", 128, sadb::kEalgAesCcmIcv16, "seqiv"},
    {"rfc4543(gcm(aes))", 128, sadb::kEalgNullAesGmac, "seqiv"},
    {"rfc7539esp(chacha20,poly1305)", 128, sadb::kEalgNone, "seqiv"},
};

struct NamedId {
  const char* name;
  uint8_t sadb_id;
  const char* geniv;  // ciphers only; "" for none
};
constexpr NamedId kAuthList[] = {
    {"hmac(md5)", sadb::kAalgMd5Hmac, ""},       {"hmac(sha1)", sadb::kAalgSha1Hmac, ""},
    {"hmac(sha256)", sadb::kAalgSha256Hmac, ""}, {"hmac(sha384)", sadb::kAalgSha384Hmac, ""},
    {"hmac(sha512)", sadb::kAalgSha512Hmac, ""},
};
constexpr NamedId kEncList[] = {
    {"ecb(cipher_null)", sadb::kEalgNull, ""},
    {"cbc(des3_ede)", sadb::kEalg3DesCbc, "echainiv"},
    {"cbc(aes)", sadb::kEalgAesCbc, "echainiv"},
    {"rfc3686(ctr(aes))", sadb::kEalgAesCtr, "seqiv"},
};
constexpr NamedId kCompList[] = {
    {"deflate", sadb::kCalgDeflate, ""},
    {"lzs", sadb::kCalgLzs, ""},
    {"lzjh", sadb::kCalgLzjh, ""},
};

template <size_t N>
const NamedId* find_named(const NamedId (&list)[N], const std::string& name) {
  for (const NamedId& e : list) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

Status unknown_algorithm(const char* kind, const std::string& name) {
  return Status(-ENOSYS, std::string("unknown ") + kind + " algorithm \"" + name + "\"");
}

}  // namespace

AddressFamily XfrmState::family() const {
  return saddr.family() == daddr.family() ? daddr.family() : AddressFamily::kUnspec;
}

Status XfrmState::attach_aead(AeadAlgorithm alg) {
  for (const AeadEntry& e : kAeadList) {
    if (alg.name == e.name && alg.icv_bits == e.icv_bits) {
      props.ealgo = e.sadb_id;
      geniv = e.geniv;
      aead = std::move(alg);
      return Status::success();
    }
  }
  return Status(-ENOSYS, "unknown AEAD algorithm \"" + alg.name + "\" with a " +
                            std::to_string(alg.icv_bits) + "-bit ICV");
}

Status XfrmState::attach_auth(AuthAlgorithm alg) {
  const NamedId* e = find_named(kAuthList, alg.name);
  if (!e) return unknown_algorithm("authentication", alg.name);
  props.aalgo = e->sadb_id;
  auth = std::move(alg);
  return Status::success();
}

Status XfrmState::attach_enc(CryptAlgorithm alg) {
  const NamedId* e = find_named(kEncList, alg.name);
  if (!e) return unknown_algorithm("encryption", alg.name);
  props.ealgo = e->sadb_id;
  geniv = e->geniv;
  enc = std::move(alg);
  return Status::success();
}

Status XfrmState::attach_comp(CompAlgorithm alg) {
  const NamedId* e = find_named(kCompList, alg.name);
  if (!e) return unknown_algorithm("compression", alg.name);
  props.calgo = e->sadb_id;
  comp = std::move(alg);
  return Status::success();
}

}  // namespace ipsec::driver
