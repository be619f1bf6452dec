#include "sa_image.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace ipsec::tb {

namespace {

// SA image byte offsets (contract section 3).
constexpr size_t kOffKeyEnc = 0x04, kOffSip = 0x44, kOffDip = 0x54, kOffSalt = 0x70,
                 kOffSpi = 0x74, kOffHandle = 0x78, kOffEncMode = 0x7E, kOffFlags = 0x81,
                 kOffEsn = 0x8C;

bool is_v2(uint32_t opcode) {
  return opcode == contract::kAddSaV2 || opcode == contract::kDelSaV2 ||
         opcode == contract::kModSaV2;
}

}  // namespace

std::string SaKey::str() const {
  char text[32];
  std::snprintf(text, sizeof text, "spi 0x%08x", spi);
  return std::string(tx ? "TX " : "RX ") + (ipv6 ? "v6 " : "v4 ") + to_hex(sip.data(), 16) +
         " -> " + to_hex(dip.data(), 16) + " " + text;
}

std::string SaCtx::str() const {
  char text[128];
  std::snprintf(text, sizeof text, " key256 %d salt 0x%08x handle 0x%08x esn %d/%d/0x%08x",
                key256, salt, handle, esn_en, esn_overlap, esn_hi);
  return "key " + to_hex(key.data(), key.size()) + text;
}

uint8_t SaSpec::flags() const {
  uint8_t f = contract::kSpiEn | contract::kSaValid | contract::kIpEsp;
  if (tx) f |= contract::kDirSx;
  if (ipv6) f |= contract::kIpv6;
  if (esn) f |= contract::kEsnEn;
  if (esn && esn_overlap) f |= contract::kEsnOverlap;
  return f;
}

uint8_t SaSpec::enc_mode() const {
  return key.size() == 32 ? contract::kAesGcm256 : contract::kAesGcm128;
}

SaKey SaSpec::match_key() const {
  SaKey k;
  k.tx = tx;
  k.ipv6 = ipv6;
  k.sip = sip;
  k.dip = dip;
  k.spi = spi;
  return k;
}

SaCtx SaSpec::ctx() const {
  SaCtx c;
  std::copy(key.begin(), key.end(), c.key.begin());
  c.key256 = key.size() == 32;
  c.salt = salt;
  c.handle = handle;
  c.esn_en = esn;
  c.esn_overlap = esn && esn_overlap;
  c.esn_hi = esn ? esn_hi : 0;
  return c;
}

std::array<uint8_t, 16> ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  std::array<uint8_t, 16> addr{};
  addr[12] = a;
  addr[13] = b;
  addr[14] = c;
  addr[15] = d;
  return addr;
}

std::array<uint8_t, 16> ipv4(uint32_t addr) {
  return ipv4(static_cast<uint8_t>(addr >> 24), static_cast<uint8_t>(addr >> 16),
              static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr));
}

void put_be32(Bytes& image, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) image.at(offset + i) = static_cast<uint8_t>(value >> (24 - 8 * i));
}

Bytes sa_image(uint32_t opcode, const SaSpec& sa) {
  if (sa.key.size() != 16 && sa.key.size() != 32) throw std::invalid_argument("SA key size");
  Bytes image(is_v2(opcode) ? contract::kLenV2 : contract::kLenV1, 0);
  put_be32(image, 0, opcode);
  // A 128-bit key is written twice (contract section 3).
  for (size_t i = 0; i < 32; ++i) image[kOffKeyEnc + i] = sa.key[i % sa.key.size()];
  std::copy(sa.sip.begin(), sa.sip.end(), image.begin() + kOffSip);
  std::copy(sa.dip.begin(), sa.dip.end(), image.begin() + kOffDip);
  put_be32(image, kOffSalt, sa.salt);
  put_be32(image, kOffSpi, sa.spi);
  put_be32(image, kOffHandle, sa.handle);
  image[kOffEncMode] = sa.enc_mode();
  image[kOffFlags] = sa.flags();
  if (is_v2(opcode)) put_be32(image, kOffEsn, sa.esn ? sa.esn_hi : 0);
  return image;
}

Bytes pkt_sa_image(const SaSpec& sa, const PktParams& p) {
  Bytes image = sa_image(contract::kAddSaV2, sa);
  image.resize(contract::kLenPkt, 0);
  put_be32(image, 0, contract::kAddSaPkt);
  auto be64 = [&image](size_t at, uint64_t v) {
    put_be32(image, at, static_cast<uint32_t>(v >> 32));
    put_be32(image, at + 4, static_cast<uint32_t>(v));
  };
  image[0x94] = p.mode;
  image[0x95] = p.replay_words;
  be64(0x98, p.seq);
  be64(0xA0, p.soft_bytes);
  be64(0xA8, p.hard_bytes);
  be64(0xB0, p.soft_packets);
  be64(0xB8, p.hard_packets);
  image[0xC0] = p.ttl;
  image[0xC1] = p.tos;
  image[0xC2] = p.tun_flags;
  put_be32(image, 0xC4, p.flow);
  return image;
}

Bytes set_cap_image(uint32_t flags) {
  Bytes image(contract::kLenSetCap, 0);
  put_be32(image, 0, contract::kSetCap);
  put_be32(image, 4, flags);
  return image;
}

}  // namespace ipsec::tb
