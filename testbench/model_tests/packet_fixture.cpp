#include "packet_fixture.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "aes_gcm.h"
#include "driver/esp_sw.h"
#include "driver/generated/ipsec_regs.h"

namespace ipsec::tb::pkt {

using driver::BusStatus;

namespace {

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}
void put64(Bytes& b, size_t at, uint64_t v) {
  put32(b, at, static_cast<uint32_t>(v >> 32));
  put32(b, at + 4, static_cast<uint32_t>(v));
}
uint16_t get16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t get32(const Bytes& b, size_t at) { return uint32_t{get16(b, at)} << 16 | get16(b, at + 2); }

const Bytes kMacs = {0x02, 0, 0, 0, 0, 0xB1, 0x02, 0, 0, 0, 0, 0xA1};

// The first 148 bytes, as contract section 3 lays out an SA image.
Bytes sa_image(const SaSpec& s, uint32_t opcode, size_t len) {
  Bytes b(len, 0);
  put32(b, 0, opcode);
  for (size_t i = 0; i < 32; ++i) b[0x04 + i] = s.key[i];
  for (size_t i = 0; i < 16; ++i) {
    b[0x44 + i] = s.sip[i];
    b[0x54 + i] = s.dip[i];
  }
  for (size_t i = 0; i < 4; ++i) b[0x70 + i] = s.salt[i];
  put32(b, 0x74, s.spi);
  put32(b, 0x78, s.handle);
  b[0x7E] = s.aes256 ? 3 : 1;
  b[0x81] = static_cast<uint8_t>(0x70 | (s.tx ? 0x08 : 0) | (s.ipv6 ? 0x04 : 0) | (s.esn ? 0x01 : 0));
  return b;
}

Bytes key_bytes(const SaSpec& s) { return Bytes(s.key.begin(), s.key.begin() + (s.aes256 ? 32 : 16)); }

model::Iv nonce(const SaSpec& s, uint64_t iv) {
  model::Iv n{};
  for (size_t i = 0; i < 4; ++i) n[i] = s.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(iv >> (56 - 8 * i));
  return n;
}

Bytes aad(const SaSpec& s, uint64_t sn) {
  Bytes a(s.esn ? 12 : 8);
  put32(a, 0, s.spi);
  if (s.esn) put32(a, 4, static_cast<uint32_t>(sn >> 32));
  put32(a, a.size() - 4, static_cast<uint32_t>(sn));
  return a;
}

}  // namespace

Address v4addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Address r{};
  r[12] = a, r[13] = b, r[14] = c, r[15] = d;
  return r;
}

Address v6addr(uint16_t first, uint16_t last) {
  Address r{};
  r[0] = static_cast<uint8_t>(first >> 8), r[1] = static_cast<uint8_t>(first);
  r[14] = static_cast<uint8_t>(last >> 8), r[15] = static_cast<uint8_t>(last);
  return r;
}

SaSpec::SaSpec() {
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x40 + 3 * i);
}

SaSpec SaSpec::peer_rx(uint8_t replay_words_, uint32_t handle_) const {
  SaSpec r = *this;
  r.tx = false;
  r.replay_words = replay_words_;
  r.handle = handle_;
  r.seq = 0;
  r.ttl = r.dscp_ecn = r.tunnel_flags = 0;
  r.flow_label = 0;
  return r;
}

Bytes add_image(const SaSpec& s) {
  Bytes b = sa_image(s, 6, 208);
  b[0x94] = s.tunnel ? 1 : 0;
  b[0x95] = s.replay_words;
  put64(b, 0x98, s.seq);
  put64(b, 0xA0, s.soft_bytes);
  put64(b, 0xA8, s.hard_bytes);
  put64(b, 0xB0, s.soft_packets);
  put64(b, 0xB8, s.hard_packets);
  b[0xC0] = s.ttl;
  b[0xC1] = s.dscp_ecn;
  b[0xC2] = s.tunnel_flags;
  put32(b, 0xC4, s.flow_label);
  return b;
}

Bytes del_image(const SaSpec& s) { return sa_image(s, 3, 148); }
Bytes mod_image(const SaSpec& s) { return sa_image(s, 4, 148); }

PacketEngine::PacketEngine(bool packet_offload)
    : m_([packet_offload] {
        model::CtrlModelConfig c;
        c.packet_offload = packet_offload;
        return c;
      }()) {}

uint32_t PacketEngine::read(uint32_t addr) {
  uint32_t v = 0;
  REQUIRE(m_.read32(addr, v) == BusStatus::kOk);
  return v;
}

void PacketEngine::write(uint32_t addr, uint32_t data) {
  REQUIRE(m_.write32(addr, data) == BusStatus::kOk);
}

BusStatus PacketEngine::read_status(uint32_t addr) {
  uint32_t v = 0;
  return m_.read32(addr, v);
}

BusStatus PacketEngine::write_status(uint32_t addr, uint32_t data, uint8_t strb) {
  return m_.ctrl().write32_strobe(addr, data, strb);
}

Response PacketEngine::command(const Bytes& image, uint32_t len) {
  Bytes b = image;
  b.resize((b.size() + 3) / 4 * 4, 0);
  for (size_t i = 0; i < b.size() / 4; ++i) {
    write(IPSEC_REGS_CMD_WINDOW_OFFSET + static_cast<uint32_t>(4 * i), get32(b, 4 * i));
  }
  write(IPSEC_REGS_CMD_DOORBELL_OFFSET, len);
  for (int i = 0; i < 100 && !(read(IPSEC_REGS_CMD_STATUS_OFFSET) & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK);
       ++i) {
    m_.wait_cycles(1);
  }
  REQUIRE((read(IPSEC_REGS_CMD_STATUS_OFFSET) & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK));
  Response r;
  r.syndrome = read(IPSEC_REGS_RSP_WORD0_OFFSET);
  r.handle = read(IPSEC_REGS_RSP_WORD1_OFFSET);
  r.word2 = read(IPSEC_REGS_RSP_WORD2_OFFSET);
  write(IPSEC_REGS_RSP_POP_OFFSET, 1);
  return r;
}

uint16_t PacketEngine::add(const SaSpec& s) {
  const Response r = command(add_image(s));
  REQUIRE(r.syndrome == 0);
  REQUIRE(r.handle == s.handle);
  return static_cast<uint16_t>(r.word2 & 0xFFFF);
}

std::array<uint64_t, 5> PacketEngine::stats(uint16_t index) {
  write(0x080, index);
  std::array<uint64_t, 5> s{};
  for (size_t i = 0; i < 5; ++i) {
    const uint32_t lo = read(static_cast<uint32_t>(0x0A0 + 8 * i));
    const uint32_t hi = read(static_cast<uint32_t>(0x0A4 + 8 * i));
    s[i] = uint64_t{hi} << 32 | lo;
  }
  return s;
}

std::vector<PacketEngine::Event> PacketEngine::pop_events() {
  std::vector<Event> out;
  while (read(IPSEC_REGS_INTR_STATUS_OFFSET) & 0x2u) {
    const uint32_t w0 = read(0x084);
    Event e;
    e.kind = static_cast<uint8_t>(w0 & 0xFF);
    e.index = static_cast<uint16_t>(w0 >> 16);
    e.handle = read(0x088);
    out.push_back(e);
    write(0x08C, 1);
    REQUIRE(out.size() <= 16);
  }
  return out;
}

uint64_t PacketEngine::evt_drop() {
  const uint32_t lo = read(0x278);
  const uint32_t hi = read(0x27C);
  return uint64_t{hi} << 32 | lo;
}

uint16_t checksum(const uint8_t* p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes payload_of(size_t n, uint8_t first) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + 7 * i);
  return b;
}

Bytes ipv4_packet(const Address& src, const Address& dst, uint8_t proto, const Bytes& payload,
                  const Ipv4Opts& o) {
  const size_t hdr = 4 * o.ihl;
  Bytes b(hdr, 0);
  b[0] = static_cast<uint8_t>(0x40 | o.ihl);
  b[1] = o.tos;
  put16(b, 2, static_cast<uint16_t>(hdr + payload.size()));
  put16(b, 4, o.id);
  put16(b, 6, static_cast<uint16_t>((o.df ? 0x4000 : 0) | o.frag));
  b[8] = o.ttl;
  b[9] = proto;
  for (size_t i = 0; i < 4; ++i) {
    b[12 + i] = src[12 + i];
    b[16 + i] = dst[12 + i];
  }
  for (size_t i = 20; i < hdr; ++i) b[i] = 1;  // NOP options
  put16(b, 10, checksum(b.data(), hdr));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes ipv6_packet(const Address& src, const Address& dst, uint8_t next_header, const Bytes& payload,
                  uint8_t traffic_class, uint32_t flow, uint8_t hop_limit) {
  Bytes b(40 + payload.size(), 0);
  put32(b, 0, 6u << 28 | uint32_t{traffic_class} << 20 | (flow & 0xFFFFF));
  put16(b, 4, static_cast<uint16_t>(payload.size()));
  b[6] = next_header;
  b[7] = hop_limit;
  for (size_t i = 0; i < 16; ++i) {
    b[8 + i] = src[i];
    b[24 + i] = dst[i];
  }
  std::copy(payload.begin(), payload.end(), b.begin() + 40);
  return b;
}

uint16_t ethertype_of(const Bytes& ip) { return ip[0] >> 4 == 6 ? 0x86DD : 0x0800; }

Bytes host_frame(const Bytes& ip, uint16_t index, uint16_t handle_lo) {
  Bytes f = kMacs;
  const uint16_t et = ethertype_of(ip);
  const uint8_t meta[] = {0x8C, 0xE4, 0x0A, static_cast<uint8_t>(index >> 8),
                          static_cast<uint8_t>(index), static_cast<uint8_t>(handle_lo >> 8),
                          static_cast<uint8_t>(handle_lo), 0, static_cast<uint8_t>(et >> 8),
                          static_cast<uint8_t>(et)};
  f.insert(f.end(), std::begin(meta), std::end(meta));
  f.insert(f.end(), ip.begin(), ip.end());
  if (f.size() < 60) f.resize(60, 0);  // Ethernet padding
  return f;
}

Bytes wire_frame(const Bytes& ip) {
  Bytes f = kMacs;
  const uint16_t et = ethertype_of(ip);
  f.push_back(static_cast<uint8_t>(et >> 8));
  f.push_back(static_cast<uint8_t>(et));
  f.insert(f.end(), ip.begin(), ip.end());
  if (f.size() < 60) f.resize(60, 0);
  return f;
}

std::optional<Opened> open_esp(const SaSpec& sa, const Bytes& frame, size_t esp, uint32_t sn_hi) {
  // The ESP datagram runs to the end of the frame (TX output has no Ethernet padding).
  REQUIRE(frame.size() >= esp + 8 + 8 + 16 + 4);
  Opened o;
  o.spi = get32(frame, esp);
  o.sn_lo = get32(frame, esp + 4);
  o.iv = uint64_t{get32(frame, esp + 8)} << 32 | get32(frame, esp + 12);
  const size_t ct_at = esp + 16, icv_at = frame.size() - 16;
  const Bytes ct(frame.begin() + static_cast<std::ptrdiff_t>(ct_at),
                 frame.begin() + static_cast<std::ptrdiff_t>(icv_at));
  model::Tag tag{};
  for (size_t i = 0; i < 16; ++i) tag[i] = frame[icv_at + i];
  const uint64_t sn = uint64_t{sn_hi} << 32 | o.sn_lo;
  const auto plain = model::gcm_open(key_bytes(sa), nonce(sa, o.iv), aad(sa, sn), ct, tag);
  if (!plain) return std::nullopt;
  REQUIRE(plain->size() >= 2);
  o.next_header = plain->back();
  o.pad_length = (*plain)[plain->size() - 2];
  REQUIRE(o.pad_length + 2u <= plain->size());
  const size_t payload = plain->size() - 2 - o.pad_length;
  o.payload.assign(plain->begin(), plain->begin() + static_cast<std::ptrdiff_t>(payload));
  o.pad.assign(plain->begin() + static_cast<std::ptrdiff_t>(payload), plain->end() - 2);
  return o;
}

std::optional<Bytes> open_esp_with_driver(const SaSpec& sa, const Bytes& frame, size_t esp,
                                          uint32_t sn_hi) {
  driver::EspAead aead;
  aead.key = key_bytes(sa);
  for (size_t i = 0; i < 4; ++i) aead.salt[i] = sa.salt[i];
  aead.icv_bytes = 16;
  std::array<uint8_t, 8> iv{};
  for (size_t i = 0; i < 8; ++i) iv[i] = frame[esp + 8 + i];
  const size_t icv_at = frame.size() - 16;
  Bytes text(frame.begin() + static_cast<std::ptrdiff_t>(esp + 16),
             frame.begin() + static_cast<std::ptrdiff_t>(icv_at));
  const Bytes icv(frame.begin() + static_cast<std::ptrdiff_t>(icv_at), frame.end());
  const uint64_t sn = uint64_t{sn_hi} << 32 | get32(frame, esp + 4);
  if (!driver::esp_open(aead, iv, driver::esp_aad(sa.spi, sn, sa.esn), text, icv)) return std::nullopt;
  return text;
}

Bytes esp_frame(const SaSpec& sa, uint64_t sn, const Bytes& inner, uint8_t next_header,
                bool corrupt_icv, size_t tfc, std::optional<uint8_t> bad_pad) {
  Bytes plain = inner;
  plain.insert(plain.end(), tfc, 0);
  const size_t pad = (4 - (plain.size() + 2) % 4) % 4;
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
  if (bad_pad) {
    // A wrong pad byte, or (with no padding) a pad length beyond the data.
    if (pad > 0) {
      plain.back() = *bad_pad;
    }
  }
  plain.push_back(static_cast<uint8_t>(pad));
  plain.push_back(next_header);
  const model::Sealed s = model::gcm_seal(key_bytes(sa), nonce(sa, sn), aad(sa, sn), plain);
  Bytes esp(16);
  put32(esp, 0, sa.spi);
  put32(esp, 4, static_cast<uint32_t>(sn));
  put64(esp, 8, sn);
  esp.insert(esp.end(), s.ciphertext.begin(), s.ciphertext.end());
  esp.insert(esp.end(), s.tag.begin(), s.tag.end());
  if (corrupt_icv) esp.back() ^= 0x01;
  // The outer header: from the SA's addresses (the peer sends from sip to dip as the SA names
  // them), protocol 50.
  const Bytes ip = sa.ipv6 ? ipv6_packet(sa.sip, sa.dip, 50, esp) : ipv4_packet(sa.sip, sa.dip, 50, esp);
  return wire_frame(ip);
}

}  // namespace ipsec::tb::pkt
