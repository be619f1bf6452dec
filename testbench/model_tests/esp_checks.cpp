#include "esp_checks.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace ipsec::tb {

namespace {

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t rd32(const Bytes& b, size_t at) { return uint32_t{rd16(b, at)} << 16 | rd16(b, at + 2); }
uint64_t rd64(const Bytes& b, size_t at) { return uint64_t{rd32(b, at)} << 32 | rd32(b, at + 4); }
void wr16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void push32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// RFC 1071 over an IPv4 header of `len` bytes, checksum field included.
uint16_t ones_sum(const Bytes& b, size_t at, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i < len; i += 2) sum += rd16(b, at + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

void set_ipv4_checksum(Bytes& b, size_t at) {
  wr16(b, at + 10, 0);
  wr16(b, at + 10, static_cast<uint16_t>(~ones_sum(b, at, 4u * (b[at] & 15))));
}

}  // namespace

SaPair make_sa_pair(std::mt19937_64& rng, const Bytes& ip_pkt, const EspSpec& esp, bool aes256,
                    bool esn, uint32_t handle) {
  SaPair p;
  p.tx_key = sa_key_for(true, ip_pkt, esp);
  p.rx_key = sa_key_for(false, ip_pkt, esp);
  for (auto& b : p.ctx.key) b = static_cast<uint8_t>(rng());
  p.ctx.key256 = aes256;
  p.ctx.salt = static_cast<uint32_t>(rng());
  p.ctx.esn_en = esn;
  p.ctx.esn_hi = esn ? static_cast<uint32_t>(esp.seq >> 32) : 0;
  p.ctx.handle = handle;
  return p;
}

model::SaTable table_of(const SaPair& p) {
  model::SaTable t;
  model::SaContext tx = p.ctx;
  tx.handle = 0;
  t.emplace(p.tx_key, tx);
  t.emplace(p.rx_key, p.ctx);
  return t;
}

std::optional<Bytes> evp_gcm_open(const Bytes& key, const uint8_t nonce[12], const Bytes& aad,
                                  const uint8_t* ct, size_t ct_len, const uint8_t tag[16]) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  const EVP_CIPHER* cipher = key.size() == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
  int len = 0;
  Bytes pt(ct_len + 16);
  uint8_t t[16];
  std::copy(tag, tag + 16, t);
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct, static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, t) != 1) {
    throw std::runtime_error("EVP AES-GCM setup failed");
  }
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &fin) != 1) return std::nullopt;
  pt.resize(ct_len);
  return pt;
}

bool ipv4_checksum_ok(const Bytes& frame, size_t at) {
  return ones_sum(frame, at, 4u * (frame[at] & 15)) == 0xFFFF;
}

std::string verify_wire_frame(const Bytes& host_frame, const Bytes& out, const model::SaContext& sa,
                              uint64_t sn64, uint8_t next_proto) {
  // Host frame: MACs, 8 metadata bytes, EtherType at 20, IP at 22.
  const bool v6 = rd16(host_frame, 20) == 0x86DD;
  const size_t hdr = v6 ? 40 : 20;
  const size_t in_ip = 22, in_esp = in_ip + hdr;
  const size_t in_datagram = v6 ? 40 + rd16(host_frame, in_ip + 4) : rd16(host_frame, in_ip + 2);
  const size_t payload_len = in_datagram - hdr - 16;
  const Bytes payload(host_frame.begin() + static_cast<std::ptrdiff_t>(in_esp + 16),
                      host_frame.begin() + static_cast<std::ptrdiff_t>(in_esp + 16 + payload_len));
  size_t pad = 0;
  while ((payload_len + pad + 2) % 4) ++pad;
  const size_t ct_len = payload_len + pad + 2;
  const size_t want_len = 14 + hdr + 16 + ct_len + 16;
  if (out.size() != want_len) {
    return "length " + std::to_string(out.size()) + ", want " + std::to_string(want_len);
  }
  if (!std::equal(out.begin(), out.begin() + 12, host_frame.begin())) return "MACs changed";
  if (rd16(out, 12) != rd16(host_frame, 20)) return "EtherType not restored";
  const size_t ip = 14, esp = ip + hdr;
  for (size_t i = 0; i < hdr; ++i) {
    const bool length_field = v6 ? (i == 4 || i == 5) : (i == 2 || i == 3 || i == 10 || i == 11);
    if (!length_field && out[ip + i] != host_frame[in_ip + i]) {
      return "IP header byte " + std::to_string(i) + " changed";
    }
  }
  if (v6 && rd16(out, ip + 4) != want_len - 14 - 40) return "IPv6 payload length wrong";
  if (!v6 && rd16(out, ip + 2) != want_len - 14) return "IPv4 total length wrong";
  if (!v6 && !ipv4_checksum_ok(out, ip)) return "IPv4 header checksum invalid";
  const uint32_t spi = rd32(host_frame, in_esp);
  if (rd32(out, esp) != spi) return "SPI changed";
  if (rd32(out, esp + 4) != static_cast<uint32_t>(sn64)) {
    return "ESP sequence number " + std::to_string(rd32(out, esp + 4)) + ", want " +
           std::to_string(static_cast<uint32_t>(sn64));
  }
  if (rd64(out, esp + 8) != sn64) return "IV is not the 64-bit sequence number";

  Bytes aad;
  push32(aad, spi);
  if (sa.esn_en) push32(aad, static_cast<uint32_t>(sn64 >> 32));
  push32(aad, static_cast<uint32_t>(sn64));
  uint8_t nonce[12];
  for (int i = 0; i < 4; ++i) nonce[i] = static_cast<uint8_t>(sa.salt >> (24 - 8 * i));
  std::copy(out.begin() + static_cast<std::ptrdiff_t>(esp + 8),
            out.begin() + static_cast<std::ptrdiff_t>(esp + 16), nonce + 4);
  const Bytes key(sa.key.begin(), sa.key.begin() + (sa.key256 ? 32 : 16));
  const auto pt = evp_gcm_open(key, nonce, aad, &out[esp + 16], ct_len, &out[esp + 16 + ct_len]);
  if (!pt) return "ICV does not verify with EVP";
  Bytes want = payload;
  for (size_t i = 1; i <= pad; ++i) want.push_back(static_cast<uint8_t>(i));
  want.push_back(static_cast<uint8_t>(pad));
  want.push_back(next_proto);
  const std::string d = first_difference(*pt, want);
  return d.empty() ? "" : "plaintext " + d;
}

Bytes decapsulate(const Bytes& f, bool no_trailer, EspMode mode) {
  if (f.size() < 22 + 20 || rd16(f, 12) != 0x8CE4 || f[14] != 0x11) {
    throw std::invalid_argument("not a decrypted frame: " + describe(f));
  }
  const uint8_t nh = f[15];
  const size_t ip = 22;
  const bool v6 = rd16(f, 20) == 0x86DD;
  const size_t hdr = v6 ? 40 : 20;
  const size_t datagram = v6 ? 40 + rd16(f, ip + 4) : rd16(f, ip + 2);
  if (ip + datagram != f.size()) throw std::invalid_argument("IP length disagrees with the frame");
  size_t end = ip + datagram;
  if (!no_trailer) {
    const size_t padlen = f[end - 16 - 2];
    end -= 16 + 2 + padlen;
  }
  const size_t inner_at = ip + hdr + 16;
  Bytes inner(f.begin() + static_cast<std::ptrdiff_t>(inner_at),
              f.begin() + static_cast<std::ptrdiff_t>(end));
  Bytes frame(f.begin(), f.begin() + 12);
  if (mode == EspMode::kTunnel) {
    const bool inner_v6 = !inner.empty() && inner[0] >> 4 == 6;
    frame.push_back(inner_v6 ? 0x86 : 0x08);
    frame.push_back(inner_v6 ? 0xDD : 0x00);
    frame.insert(frame.end(), inner.begin(), inner.end());
    return frame;
  }
  frame.push_back(f[20]);
  frame.push_back(f[21]);
  const size_t pkt_ip = frame.size();
  frame.insert(frame.end(), f.begin() + ip, f.begin() + static_cast<std::ptrdiff_t>(ip + hdr));
  frame.insert(frame.end(), inner.begin(), inner.end());
  if (v6) {
    frame[pkt_ip + 6] = nh;
    wr16(frame, pkt_ip + 4, static_cast<uint16_t>(frame.size() - pkt_ip - 40));
  } else {
    frame[pkt_ip + 9] = nh;
    wr16(frame, pkt_ip + 2, static_cast<uint16_t>(frame.size() - pkt_ip));
    set_ipv4_checksum(frame, pkt_ip);
  }
  return frame;
}

std::string frame_difference(const Bytes& got, const Bytes& want) {
  const std::string d = first_difference(got, want);
  if (d.empty()) return "";
  return d + "\n  got  " + describe(got) + "\n  want " + describe(want);
}

}  // namespace ipsec::tb
