#include "frames.h"

#include <arpa/inet.h>

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "aes_gcm.h"

namespace ipsec::tb {

namespace {

using model::kEspHeaderBytes;
using model::kEspIvBytes;
using model::kIcvBytes;
using model::kIpv4HeaderBytes;
using model::kIpv6HeaderBytes;

uint16_t be16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t be32(const Bytes& b, size_t at) { return uint32_t{be16(b, at)} << 16 | be16(b, at + 2); }
void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}
void append16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void append32(Bytes& b, uint32_t v) {
  append16(b, static_cast<uint16_t>(v >> 16));
  append16(b, static_cast<uint16_t>(v));
}
void append64(Bytes& b, uint64_t v) {
  append32(b, static_cast<uint32_t>(v >> 32));
  append32(b, static_cast<uint32_t>(v));
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

bool is_ipv6_packet(const Bytes& pkt) {
  if (pkt.empty()) throw std::invalid_argument("empty IP packet");
  const int version = pkt[0] >> 4;
  if (version != 4 && version != 6) throw std::invalid_argument("not an IP packet");
  return version == 6;
}

bool is_ipv6_ext(uint8_t nh) { return nh == 0 || nh == 43 || nh == kIpv6DestOptions; }

// Where the IP headers (with IPv4 options or IPv6 extension headers) end, and the offset of
// the next-header field naming what follows them.
struct IpLayout {
  bool ipv6;
  size_t headers;
  size_t next_header_at;
};

IpLayout layout_of(const Bytes& pkt) {
  IpLayout l;
  l.ipv6 = is_ipv6_packet(pkt);
  if (!l.ipv6) {
    l.headers = 4u * (pkt[0] & 15);
    l.next_header_at = 9;
    return l;
  }
  l.headers = kIpv6HeaderBytes;
  l.next_header_at = 6;
  while (is_ipv6_ext(pkt[l.next_header_at]) && l.headers + 8 <= pkt.size()) {
    l.next_header_at = l.headers;
    l.headers += 8u * (pkt[l.headers + 1] + 1u);
  }
  return l;
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Sets the IP length fields to the packet's size and recomputes the IPv4 header checksum
// and the L4 checksum (RFC 793, 768, 792, 4443; pseudo-header of RFC 8200 section 8.1).
void finish_packet(Bytes& pkt) {
  const IpLayout l = layout_of(pkt);
  if (l.ipv6) {
    put16(pkt, 4, static_cast<uint16_t>(pkt.size() - kIpv6HeaderBytes));
  } else {
    put16(pkt, 2, static_cast<uint16_t>(pkt.size()));
    put16(pkt, 10, 0);
    put16(pkt, 10, fold(sum16(pkt.data(), l.headers)));
  }
  const uint8_t proto = pkt[l.next_header_at];
  if (!l.ipv6 && (be16(pkt, 6) & 0x3FFF) != 0 && (be16(pkt, 6) & 0x1FFF) != 0) return;
  size_t csum_at;
  bool pseudo = true;
  if (proto == kIpProtoTcp) {
    csum_at = 16;
  } else if (proto == kIpProtoUdp) {
    csum_at = 6;
  } else if (proto == kIpProtoIcmp && !l.ipv6) {
    csum_at = 2;
    pseudo = false;
  } else if (proto == kIpProtoIcmpv6 && l.ipv6) {
    csum_at = 2;
  } else {
    return;
  }
  const size_t l4 = l.headers;
  const size_t l4_len = pkt.size() - l4;
  if (csum_at + 2 > l4_len) return;
  put16(pkt, l4 + csum_at, 0);
  uint32_t sum = sum16(&pkt[l4], l4_len);
  if (pseudo) {
    if (l.ipv6) {
      sum = sum16(&pkt[8], 32, sum);
      sum += static_cast<uint32_t>(l4_len >> 16) + static_cast<uint32_t>(l4_len & 0xFFFF);
    } else {
      sum = sum16(&pkt[12], 8, sum);
      sum += static_cast<uint32_t>(l4_len);
    }
    sum += proto;
  }
  uint16_t csum = fold(sum);
  if (proto == kIpProtoUdp && csum == 0) csum = 0xFFFF;  // RFC 768: 0 means "none"
  put16(pkt, l4 + csum_at, csum);
}

// An IP header with no payload yet; finish_packet() fills lengths and checksums.
Bytes ip_header(bool ipv6, const Address& src, const Address& dst, uint8_t proto, uint8_t ttl,
                uint16_t id) {
  Bytes h;
  if (ipv6) {
    append32(h, 0x60000000u);
    append16(h, 0);
    h.push_back(proto);
    h.push_back(ttl);
    h.insert(h.end(), src.begin(), src.end());
    h.insert(h.end(), dst.begin(), dst.end());
  } else {
    h = {0x45, 0x00, 0, 0};
    append16(h, id);
    append16(h, 0);
    h.push_back(ttl);
    h.push_back(proto);
    append16(h, 0);
    h.insert(h.end(), src.begin() + 12, src.end());
    h.insert(h.end(), dst.begin() + 12, dst.end());
  }
  return h;
}

Bytes key_bytes(const model::SaContext& sa) {
  return Bytes(sa.key.begin(), sa.key.begin() + (sa.key256 ? 32 : 16));
}

// The packet in ESP with no trailer (esp_plaintext_packet) and where its ESP header starts.
struct EspPacket {
  Bytes pkt;
  size_t esp_at;
};

EspPacket encapsulate(const Bytes& ip_pkt, const EspSpec& esp) {
  Bytes esp_hdr;
  append32(esp_hdr, esp.spi);
  append32(esp_hdr, static_cast<uint32_t>(esp.seq));
  append64(esp_hdr, esp.seq);  // the IV: the 64-bit sequence number (contract section 6)
  EspPacket out;
  if (esp.mode == EspMode::kTunnel) {
    out.pkt = ip_header(esp.outer_ipv6, esp.outer_src, esp.outer_dst, model::kIpProtoEsp, 64,
                        static_cast<uint16_t>(esp.seq));
    out.esp_at = out.pkt.size();
    append(out.pkt, esp_hdr);
    append(out.pkt, ip_pkt);
  } else {
    const IpLayout l = layout_of(ip_pkt);
    out.pkt.assign(ip_pkt.begin(), ip_pkt.begin() + static_cast<std::ptrdiff_t>(l.headers));
    out.pkt[l.next_header_at] = model::kIpProtoEsp;
    out.esp_at = out.pkt.size();
    append(out.pkt, esp_hdr);
    out.pkt.insert(out.pkt.end(), ip_pkt.begin() + static_cast<std::ptrdiff_t>(l.headers),
                   ip_pkt.end());
  }
  // Lengths and the IPv4 checksum; the L4 checksum inside stays as it was.
  if (is_ipv6_packet(out.pkt)) {
    put16(out.pkt, 4, static_cast<uint16_t>(out.pkt.size() - kIpv6HeaderBytes));
  } else {
    put16(out.pkt, 2, static_cast<uint16_t>(out.pkt.size()));
    put16(out.pkt, 10, model::ipv4_header_checksum(out.pkt.data(), 4u * (out.pkt[0] & 15)));
  }
  return out;
}

Address address_of(const Bytes& pkt, bool source) {
  Address a{};
  if (is_ipv6_packet(pkt)) {
    std::copy_n(pkt.begin() + (source ? 8 : 24), 16, a.begin());
  } else {
    std::copy_n(pkt.begin() + (source ? 12 : 16), 4, a.begin() + 12);
  }
  return a;
}

std::string address_text(const Bytes& f, size_t at, bool ipv6) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, &f[at], text, sizeof text);
  return text;
}

std::string hex(uint64_t v, int width = 0) {
  std::ostringstream s;
  s << "0x" << std::hex << std::setfill('0') << std::setw(width) << v;
  return s.str();
}

}  // namespace

// ---- Plain traffic -------------------------------------------------------------------------

Address ipv4(const std::string& dotted) {
  Address a{};
  if (inet_pton(AF_INET, dotted.c_str(), &a[12]) != 1) {
    throw std::invalid_argument("not an IPv4 address: \"" + dotted + "\"");
  }
  return a;
}

Address ipv6(const std::string& text) {
  Address a{};
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) {
    throw std::invalid_argument("not an IPv6 address: \"" + text + "\"");
  }
  return a;
}

Bytes pattern(size_t n, uint8_t first) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Bytes ip_packet(const PacketSpec& s) {
  Bytes pkt = ip_header(s.ipv6, s.src, s.dst, s.proto, s.ttl, s.ipv4_id);
  if (s.ipv6) {
    if (s.ipv6_ext_header) {
      pkt[6] = kIpv6DestOptions;
      // Destination options, 8 bytes: next header, length 0, one PadN option of 4 bytes.
      const Bytes ext{s.proto, 0, 1, 4, 0, 0, 0, 0};
      append(pkt, ext);
    }
  } else {
    Bytes opts = s.ipv4_options;
    while (opts.size() % 4) opts.push_back(0);
    if (opts.size() > 40) throw std::invalid_argument("IPv4 options longer than 40 bytes");
    pkt[0] = static_cast<uint8_t>(0x40 | (5 + opts.size() / 4));
    put16(pkt, 6,
          static_cast<uint16_t>((s.more_fragments ? 0x2000 : 0) | (s.fragment_offset & 0x1FFF)));
    append(pkt, opts);
  }
  switch (s.proto) {
    case kIpProtoTcp: {
      append16(pkt, s.sport);
      append16(pkt, s.dport);
      append32(pkt, s.tcp_seq);
      append32(pkt, s.tcp_ack);
      append16(pkt, 0x5018);  // data offset 5, ACK | PSH
      append16(pkt, 0xFFFF);  // window
      append32(pkt, 0);       // checksum, urgent pointer
      break;
    }
    case kIpProtoUdp:
      append16(pkt, s.sport);
      append16(pkt, s.dport);
      append16(pkt, static_cast<uint16_t>(8 + s.payload.size()));
      append16(pkt, 0);
      break;
    case kIpProtoIcmp:
    case kIpProtoIcmpv6:
      pkt.push_back(s.proto == kIpProtoIcmp ? 8 : 128);  // echo request
      pkt.push_back(0);
      append16(pkt, 0);
      append16(pkt, s.sport);
      append16(pkt, s.dport);
      break;
    default: break;
  }
  append(pkt, s.payload);
  finish_packet(pkt);
  return pkt;
}

Bytes ethernet(uint16_t ethertype, const Bytes& payload, const EthAddrs& macs) {
  Bytes f(macs.dst.begin(), macs.dst.end());
  f.insert(f.end(), macs.src.begin(), macs.src.end());
  append16(f, ethertype);
  append(f, payload);
  return f;
}

Bytes ethernet_ip(const Bytes& ip_pkt, const EthAddrs& macs) {
  return ethernet(is_ipv6_packet(ip_pkt) ? model::kEthertypeIpv6 : model::kEthertypeIpv4, ip_pkt,
                  macs);
}

Bytes pad_to_minimum(Bytes frame) {
  if (frame.size() < model::kMinFrameBytes) frame.resize(model::kMinFrameBytes, 0);
  return frame;
}

// ---- ESP -----------------------------------------------------------------------------------

model::SaKey sa_key_for(bool tx, const Bytes& ip_pkt, const EspSpec& esp) {
  model::SaKey k;
  k.tx = tx;
  k.spi = esp.spi;
  if (esp.mode == EspMode::kTunnel) {
    k.ipv6 = esp.outer_ipv6;
    k.sip = esp.outer_src;
    k.dip = esp.outer_dst;
  } else {
    k.ipv6 = is_ipv6_packet(ip_pkt);
    k.sip = address_of(ip_pkt, true);
    k.dip = address_of(ip_pkt, false);
  }
  return k;
}

uint8_t esp_next_proto(const Bytes& ip_pkt, EspMode mode) {
  if (mode == EspMode::kTunnel) return is_ipv6_packet(ip_pkt) ? kIpProtoIpv6 : kIpProtoIpv4;
  const IpLayout l = layout_of(ip_pkt);
  return ip_pkt[l.next_header_at];
}

Bytes insert_metadata(const Bytes& frame, uint8_t syndrome, const std::array<uint8_t, 5>& content) {
  if (frame.size() < model::kMacBytes) throw std::invalid_argument("frame shorter than its MACs");
  Bytes f(frame.begin(), frame.begin() + model::kMacBytes);
  append16(f, model::kEthertypeMeta);
  f.push_back(syndrome);
  f.insert(f.end(), content.begin(), content.end());
  f.insert(f.end(), frame.begin() + model::kMacBytes, frame.end());
  return f;
}

Bytes esp_plaintext_packet(const Bytes& ip_pkt, const EspSpec& esp) {
  return encapsulate(ip_pkt, esp).pkt;
}

Bytes host_esp_frame(const Bytes& ip_pkt, const EspSpec& esp, const TxMeta& meta,
                     const EthAddrs& macs) {
  const uint8_t np = meta.next_proto >= 0 ? static_cast<uint8_t>(meta.next_proto)
                                          : esp_next_proto(ip_pkt, esp.mode);
  const std::array<uint8_t, 5> content{
      static_cast<uint8_t>(meta.mss_inv >> 8), static_cast<uint8_t>(meta.mss_inv),
      static_cast<uint8_t>(meta.seq >> 8), static_cast<uint8_t>(meta.seq), np};
  return insert_metadata(ethernet_ip(esp_plaintext_packet(ip_pkt, esp), macs), meta.syndrome,
                         content);
}

std::vector<Bytes> host_lso_frames(const Bytes& tcp_pkt, const EspSpec& esp, uint16_t mss,
                                   const EthAddrs& macs) {
  if (mss < 2) throw std::invalid_argument("LSO with an MSS below 2");
  const IpLayout l = layout_of(tcp_pkt);
  if (tcp_pkt[l.next_header_at] != kIpProtoTcp)
    throw std::invalid_argument("LSO of a non-TCP packet");
  const size_t tcp_len = 4u * (tcp_pkt[l.headers + 12] >> 4);
  const size_t data_at = l.headers + tcp_len;
  const size_t data_len = tcp_pkt.size() - data_at;
  const uint32_t first_seq = be32(tcp_pkt, l.headers + 4);
  TxMeta meta;
  meta.syndrome = model::kSyndTxLso;
  meta.mss_inv = mss_inverse(mss);
  meta.seq = static_cast<uint16_t>(first_seq);
  std::vector<Bytes> frames;
  for (size_t off = 0; off == 0 || off < data_len; off += mss) {
    const size_t n = std::min<size_t>(mss, data_len - off);
    Bytes seg(tcp_pkt.begin(), tcp_pkt.begin() + static_cast<std::ptrdiff_t>(data_at));
    seg.insert(seg.end(), tcp_pkt.begin() + static_cast<std::ptrdiff_t>(data_at + off),
               tcp_pkt.begin() + static_cast<std::ptrdiff_t>(data_at + off + n));
    put32(seg, l.headers + 4, first_seq + static_cast<uint32_t>(off));
    if (!l.ipv6) put16(seg, 4, static_cast<uint16_t>(be16(tcp_pkt, 4) + frames.size()));
    finish_packet(seg);
    frames.push_back(host_esp_frame(seg, esp, meta, macs));
  }
  return frames;
}

Bytes wire_esp_frame(const Bytes& ip_pkt, const EspSpec& esp, const model::SaContext& sa,
                     const WireOptions& opts, const EthAddrs& macs) {
  EspPacket e = encapsulate(ip_pkt, esp);
  Bytes& pkt = e.pkt;
  const size_t iv_at = e.esp_at + kEspHeaderBytes;
  if (opts.iv_override >= 0) {
    std::fill_n(pkt.begin() + static_cast<std::ptrdiff_t>(iv_at), kEspIvBytes,
                static_cast<uint8_t>(opts.iv_override));
  }
  const size_t text_at = iv_at + kEspIvBytes;
  Bytes plain(pkt.begin() + static_cast<std::ptrdiff_t>(text_at), pkt.end());
  pkt.resize(text_at);

  // RFC 4303 section 2.4: pad bytes 1, 2, ..., pad length, next header; 4-byte aligned.
  const size_t payload_len = plain.size();
  size_t pad = (4 - (payload_len + 2) % 4) % 4 + opts.extra_pad;
  if (opts.fault != TrailerFault::kNone && pad == 0) pad = 4;
  if (pad > 255) throw std::invalid_argument("ESP pad longer than 255 bytes");
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
  plain.push_back(static_cast<uint8_t>(pad));
  plain.push_back(esp_next_proto(ip_pkt, esp.mode));
  const size_t padlen_at = plain.size() - 2;
  if (opts.fault == TrailerFault::kBadPadBytes) {
    plain[padlen_at - 1] ^= 0x80;
  } else if (opts.fault == TrailerFault::kBadPadLength) {
    // Beyond the data when that fits in a byte; else one more (or, at 255, one less) than the
    // pad, which shifts the sequence 1, 2, ... by a byte so that it misses (pad >= 1).
    const size_t data = padlen_at;
    plain[padlen_at] = static_cast<uint8_t>(data < 255 ? data + 1 : pad < 255 ? pad + 1 : pad - 1);
  }

  Bytes aad;
  append32(aad, esp.spi);
  if (sa.esn_en) append32(aad, static_cast<uint32_t>(esp.seq >> 32));
  append32(aad, static_cast<uint32_t>(esp.seq));
  model::Iv nonce{};
  for (int i = 0; i < 4; ++i) nonce[i] = static_cast<uint8_t>(sa.salt >> (24 - 8 * i));
  std::copy_n(pkt.begin() + static_cast<std::ptrdiff_t>(iv_at), kEspIvBytes, nonce.begin() + 4);
  const model::Sealed sealed = model::gcm_seal(key_bytes(sa), nonce, aad, plain);
  append(pkt, sealed.ciphertext);
  pkt.insert(pkt.end(), sealed.tag.begin(), sealed.tag.end());
  if (is_ipv6_packet(pkt)) {
    put16(pkt, 4, static_cast<uint16_t>(pkt.size() - kIpv6HeaderBytes));
  } else {
    put16(pkt, 2, static_cast<uint16_t>(pkt.size()));
    put16(pkt, 10, model::ipv4_header_checksum(pkt.data(), 4u * (pkt[0] & 15)));
  }
  return ethernet_ip(pkt, macs);
}

// ---- Corruptors ----------------------------------------------------------------------------

size_t datagram_end(const Bytes& f) {
  if (f.size() < model::kEthHeaderBytes + 6) throw std::invalid_argument("frame too short for IP");
  const uint16_t type = be16(f, 12);
  if (type == model::kEthertypeIpv4) return model::kEthHeaderBytes + be16(f, 16);
  if (type == model::kEthertypeIpv6) return model::kEthHeaderBytes + kIpv6HeaderBytes + be16(f, 18);
  throw std::invalid_argument("not an IP frame: " + describe(f));
}

Bytes flip_icv_bit(Bytes frame, unsigned bit) {
  const size_t end = datagram_end(frame);
  if (end > frame.size() || end < kIcvBytes) throw std::invalid_argument("no ICV in the frame");
  frame[end - kIcvBytes + (bit % 128) / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return frame;
}

Bytes truncate_datagram(Bytes frame, size_t bytes, bool fix_ip_length) {
  if (bytes > frame.size()) throw std::invalid_argument("truncating more than the frame");
  frame.resize(frame.size() - bytes);
  if (fix_ip_length) {
    if (be16(frame, 12) == model::kEthertypeIpv6) {
      put16(frame, 18, static_cast<uint16_t>(be16(frame, 18) - bytes));
    } else {
      put16(frame, 16, static_cast<uint16_t>(be16(frame, 16) - bytes));
      put16(frame, 24, model::ipv4_header_checksum(&frame[14], 4u * (frame[14] & 15)));
    }
  }
  return frame;
}

Bytes overstate_ip_length(Bytes frame, size_t end) {
  const bool v6 = be16(frame, 12) == model::kEthertypeIpv6;
  const size_t fixed = 14 + (v6 ? 40 : 0);
  if (end <= frame.size() || end - fixed > 0xffff) throw std::invalid_argument("overstate_ip_length: bad end");
  if (v6) {
    put16(frame, 18, static_cast<uint16_t>(end - fixed));
  } else {
    put16(frame, 16, static_cast<uint16_t>(end - fixed));
    put16(frame, 24, model::ipv4_header_checksum(&frame[14], 4u * (frame[14] & 15)));
  }
  return frame;
}

Bytes with_wire_metadata(const Bytes& frame, uint8_t syndrome, uint32_t handle) {
  return insert_metadata(frame, syndrome,
                         {0, static_cast<uint8_t>(handle >> 24), static_cast<uint8_t>(handle >> 16),
                          static_cast<uint8_t>(handle >> 8), static_cast<uint8_t>(handle)});
}

// ---- Mixes ---------------------------------------------------------------------------------

size_t imix_frame_size(std::mt19937_64& rng) {
  const uint64_t r = rng() % 12;
  return r < 7 ? 60 : r < 11 ? 590 : 1514;
}

size_t random_frame_size(std::mt19937_64& rng, size_t max_frame) {
  const uint64_t r = rng() % 10;
  if (r < 4) return std::min(imix_frame_size(rng), max_frame);
  if (r < 8 || max_frame <= 1515) return 60 + rng() % (std::min<size_t>(1514, max_frame) - 59);
  return 1515 + rng() % (max_frame - 1514);
}

namespace {

Address random_address(std::mt19937_64& rng, bool v6) {
  Address a{};
  if (v6) {
    a = ipv6("2001:db8::");
    for (size_t i = 8; i < 16; ++i) a[i] = static_cast<uint8_t>(rng());
  } else {
    a[12] = 10;
    for (size_t i = 13; i < 16; ++i) a[i] = static_cast<uint8_t>(rng());
  }
  return a;
}

}  // namespace

model::SaTable random_sa_table(std::mt19937_64& rng, size_t n_tx, size_t n_rx) {
  model::SaTable table;
  uint32_t handle = 1;
  for (size_t i = 0; i < n_tx + n_rx; ++i) {
    model::SaKey k;
    model::SaContext c;
    do {
      k.tx = i < n_tx;
      k.ipv6 = rng() % 2;
      k.sip = random_address(rng, k.ipv6);
      k.dip = random_address(rng, k.ipv6);
      k.spi = 256 + static_cast<uint32_t>(rng() % (0xFFFFFFFFu - 256));
    } while (table.count(k));
    for (auto& b : c.key) b = static_cast<uint8_t>(rng());
    c.key256 = rng() % 2;
    c.salt = static_cast<uint32_t>(rng());
    c.esn_en = rng() % 3 == 0;
    c.esn_overlap = c.esn_en && rng() % 2;
    c.esn_hi = c.esn_en ? (rng() % 4 == 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(rng())) : 0;
    c.handle = k.tx ? 0 : handle++;
    table.emplace(k, c);
  }
  return table;
}

std::pair<model::SaKey, model::SaContext> peer_rx_sa(const model::SaKey& tx,
                                                     const model::SaContext& ctx, uint32_t handle) {
  model::SaKey k = tx;
  k.tx = false;
  model::SaContext c = ctx;
  c.handle = handle;
  return {k, c};
}

const char* to_string(FrameClass c) {
  switch (c) {
    case FrameClass::kTxOffload: return "tx offload";
    case FrameClass::kTxLso: return "tx lso segment";
    case FrameClass::kTxBypass: return "tx bypass";
    case FrameClass::kTxTuser: return "tx tuser";
    case FrameClass::kTxRunt: return "tx runt";
    case FrameClass::kTxOversize: return "tx oversize";
    case FrameClass::kTxBadSyndrome: return "tx bad syndrome";
    case FrameClass::kTxNotIp: return "tx not IP";
    case FrameClass::kTxIpv4Options: return "tx IPv4 options";
    case FrameClass::kTxIpv6ExtHeader: return "tx IPv6 extension header";
    case FrameClass::kTxNotEsp: return "tx not ESP";
    case FrameClass::kTxShortDatagram: return "tx short datagram";
    case FrameClass::kTxDatagramBeyondFrame: return "tx datagram beyond frame";
    case FrameClass::kTxNoSa: return "tx no SA";
    case FrameClass::kTxLsoNoTcp: return "tx LSO without TCP";
    case FrameClass::kTxDummy: return "tx dummy packet";
    case FrameClass::kRxDecrypt: return "rx decrypt";
    case FrameClass::kRxBypass: return "rx bypass";
    case FrameClass::kRxEspNoSa: return "rx ESP no SA";
    case FrameClass::kRxFragment: return "rx ESP fragment";
    case FrameClass::kRxIpv4Options: return "rx IPv4 options";
    case FrameClass::kRxIpv6ExtHeader: return "rx IPv6 extension header";
    case FrameClass::kRxEspHeaderCut: return "rx ESP header cut";
    case FrameClass::kRxTuser: return "rx tuser";
    case FrameClass::kRxRunt: return "rx runt";
    case FrameClass::kRxOversize: return "rx oversize";
    case FrameClass::kRxMetadata: return "rx metadata from wire";
    case FrameClass::kRxIcvFlip: return "rx ICV flip";
    case FrameClass::kRxWrongEsn: return "rx wrong ESN";
    case FrameClass::kRxTruncated: return "rx truncated";
    case FrameClass::kRxShortEsp: return "rx short ESP";
    case FrameClass::kRxBadPadBytes: return "rx bad pad bytes";
    case FrameClass::kRxBadPadLength: return "rx bad pad length";
  }
  return "?";
}

model::Fate intended_fate(FrameClass c) {
  switch (c) {
    case FrameClass::kTxOffload:
    case FrameClass::kTxLso:
    case FrameClass::kTxDummy:
    case FrameClass::kRxDecrypt: return model::Fate::kOut;
    case FrameClass::kTxBypass:
    case FrameClass::kRxBypass:
    case FrameClass::kRxEspNoSa:
    case FrameClass::kRxFragment:
    case FrameClass::kRxIpv4Options:
    case FrameClass::kRxIpv6ExtHeader:
    case FrameClass::kRxEspHeaderCut: return model::Fate::kBypass;
    case FrameClass::kRxIcvFlip:
    case FrameClass::kRxWrongEsn: return model::Fate::kAuthFail;
    default: return model::Fate::kDrop;
  }
}

// ---- The random generator -------------------------------------------------------------------

namespace {

constexpr FrameClass kTxFaults[] = {
    FrameClass::kTxTuser,         FrameClass::kTxRunt,
    FrameClass::kTxOversize,      FrameClass::kTxBadSyndrome,
    FrameClass::kTxNotIp,         FrameClass::kTxIpv4Options,
    FrameClass::kTxIpv6ExtHeader, FrameClass::kTxNotEsp,
    FrameClass::kTxShortDatagram, FrameClass::kTxDatagramBeyondFrame,
    FrameClass::kTxNoSa,          FrameClass::kTxLsoNoTcp};
constexpr FrameClass kRxFaults[] = {
    FrameClass::kRxFragment,     FrameClass::kRxIpv4Options, FrameClass::kRxIpv6ExtHeader,
    FrameClass::kRxEspHeaderCut, FrameClass::kRxTuser,       FrameClass::kRxRunt,
    FrameClass::kRxOversize,     FrameClass::kRxMetadata,    FrameClass::kRxIcvFlip,
    FrameClass::kRxWrongEsn,     FrameClass::kRxTruncated,   FrameClass::kRxShortEsp,
    FrameClass::kRxBadPadBytes,  FrameClass::kRxBadPadLength};

// The frame `build(payload_len)` makes, with the payload sized so the frame comes out as close
// to `target` bytes as it can without exceeding it (ESP padding may leave it up to 3 short),
// then padded to the Ethernet minimum.
template <typename Build>
Bytes sized(const Build& build, size_t target) {
  const size_t base = build(0).size();
  size_t payload = target > base ? target - base : 0;
  Bytes f = build(payload);
  if (f.size() > target && payload > 0) {
    payload -= std::min(payload, f.size() - target);
    f = build(payload);
  }
  return pad_to_minimum(std::move(f));
}

uint8_t random_l4(std::mt19937_64& rng, bool ipv6) {
  const uint64_t r = rng() % 20;
  return r < 9 ? kIpProtoTcp : r < 17 ? kIpProtoUdp : ipv6 ? kIpProtoIcmpv6 : kIpProtoIcmp;
}

PacketSpec random_spec(std::mt19937_64& rng, bool v6, uint8_t proto) {
  PacketSpec s;
  s.ipv6 = v6;
  s.src = random_address(rng, v6);
  s.dst = random_address(rng, v6);
  s.proto = proto;
  s.sport = static_cast<uint16_t>(rng());
  s.dport = static_cast<uint16_t>(rng());
  s.tcp_seq = static_cast<uint32_t>(rng());
  s.tcp_ack = static_cast<uint32_t>(rng());
  s.ttl = static_cast<uint8_t>(1 + rng() % 255);
  s.ipv4_id = static_cast<uint16_t>(rng());
  return s;
}

// Plain traffic of `target` bytes, the same in both directions: one frame in ten ARP, the
// others IPv4 or IPv6 with a random L4 protocol.
Bytes plain_frame(std::mt19937_64& rng, size_t target) {
  if (rng() % 10 == 0) {
    return sized([&](size_t n) { return ethernet(kEthertypeArp, random_bytes(rng, 28 + n)); }, target);
  }
  const bool v6 = rng() % 2;
  PacketSpec spec = random_spec(rng, v6, random_l4(rng, v6));
  return sized(
      [&](size_t n) {
        spec.payload = random_bytes(rng, n);
        return ethernet_ip(ip_packet(spec));
      },
      target);
}

// A 64-bit sequence number: for ESN SAs often close to a 2^32 boundary.
uint64_t random_seq(std::mt19937_64& rng, bool esn) {
  if (!esn) return 1 + rng() % 0xFFFFFFFFu;
  const uint64_t hi = rng() % 4 == 0 ? 0xFFFFFFFFu : rng() % 8;
  const uint64_t lo = rng() % 2 ? 0xFFFFFFFFu - rng() % 64 : static_cast<uint32_t>(rng());
  return hi << 32 | lo;
}

// The high 32 bits a receiver with this SA infers for sn_lo (RFC 4303 appendix A, contract
// section 7), restated here so the stimulus does not lean on the model.
uint32_t expected_hi(const model::SaContext& c, uint32_t sn_lo) {
  if (!c.esn_overlap) return c.esn_hi;
  return sn_lo >= 0x80000000u ? c.esn_hi : c.esn_hi + 1;
}

}  // namespace

RandomFrames::RandomFrames(uint64_t seed, const model::SaTable& sas, FrameMix mix, size_t max_frame)
    : rng_(seed), table_(sas), mix_(mix), max_frame_(max_frame) {
  for (const auto& sa : table_) (sa.first.tx ? tx_sas_ : rx_sas_).push_back(sa);
}

const RandomFrames::Sa& RandomFrames::pick_sa(bool tx) {
  if (aim_.sa && aim_.sa->first.tx == tx) return *aim_.sa;
  const auto& v = tx ? tx_sas_ : rx_sas_;
  if (v.empty()) {
    throw std::invalid_argument(std::string("random frames: no ") + (tx ? "TX" : "RX") +
                                " SA to build traffic for");
  }
  return v[rng_() % v.size()];
}

GeneratedFrame RandomFrames::next_tx() {
  const int r = static_cast<int>(rng_() % 100);
  if (r < mix_.bypass) return tx_of(FrameClass::kTxBypass);
  if (r < mix_.bypass + mix_.faults) return tx_of(kTxFaults[rng_() % std::size(kTxFaults)]);
  if (rng_() % 50 == 0) return tx_of(FrameClass::kTxDummy);
  return tx_of(static_cast<int>(rng_() % 100) < mix_.lso ? FrameClass::kTxLso
                                                         : FrameClass::kTxOffload);
}

EspMode RandomFrames::mode_of(const Sa& sa) {
  const auto it = modes_.find(sa.first);
  if (it != modes_.end()) return it->second;
  return rng_() % 3 == 0 ? EspMode::kTunnel : EspMode::kTransport;
}

GeneratedFrame RandomFrames::next_rx() {
  const int r = static_cast<int>(rng_() % 100);
  if (r < mix_.bypass) return rx_of(rng_() % 3 ? FrameClass::kRxBypass : FrameClass::kRxEspNoSa);
  if (r < mix_.bypass + mix_.faults) return rx_of(kRxFaults[rng_() % std::size(kRxFaults)]);
  return rx_of(FrameClass::kRxDecrypt);
}

GeneratedFrame RandomFrames::tx_of(FrameClass c) {
  auto& rng = rng_;
  GeneratedFrame g;
  g.cls = c;
  const size_t target = aim_.target                   ? aim_.target
                        : c == FrameClass::kTxOversize ? max_frame_ + 1 + rng() % 200
                                                       : random_frame_size(rng, max_frame_);

  // The packet and ESP of a TX frame for one of the TX SAs, `proto` inside (0: random),
  // transport or tunnel at random unless `transport`.
  auto offload = [&](uint8_t proto, bool transport = false) {
    const Sa& sa = pick_sa(true);
    EspSpec esp;
    esp.spi = sa.first.spi;
    esp.seq = random_seq(rng, sa.second.esn_en);
    esp.mode = transport ? EspMode::kTransport : mode_of(sa);
    bool inner_v6 = sa.first.ipv6;
    if (esp.mode == EspMode::kTunnel) {
      esp.outer_ipv6 = sa.first.ipv6;
      esp.outer_src = sa.first.sip;
      esp.outer_dst = sa.first.dip;
      inner_v6 = rng() % 2;
    }
    PacketSpec spec = random_spec(rng, inner_v6, proto ? proto : random_l4(rng, inner_v6));
    if (esp.mode == EspMode::kTransport) {
      spec.src = sa.first.sip;
      spec.dst = sa.first.dip;
    }
    return std::make_pair(spec, esp);
  };

  switch (c) {
    case FrameClass::kTxBypass:
      g.frame = plain_frame(rng, target);
      return g;
    case FrameClass::kTxRunt: {
      g.frame = random_bytes(rng, 14 + rng() % 46);
      if (rng() % 2) put16(g.frame, 12, model::kEthertypeMeta);
      return g;
    }
    case FrameClass::kTxLso: {
      // Named references, not a structured binding: lambdas below capture them (C++17).
      auto offloaded = offload(kIpProtoTcp);
      PacketSpec& spec = offloaded.first;
      EspSpec& esp = offloaded.second;
      const uint16_t first = static_cast<uint16_t>(rng());
      const uint16_t mss_guess = static_cast<uint16_t>(64 + rng() % 8937);
      TxMeta meta;
      meta.syndrome = model::kSyndTxLso;
      meta.seq = first;
      g.frame = sized(
          [&](size_t n) {
            const uint16_t mss = n >= 64 ? static_cast<uint16_t>(n) : mss_guess;
            meta.mss_inv = mss_inverse(mss);
            // Segment i of a send of up to 64 KB, occasionally further (16-bit wrap of the seq).
            const uint32_t i = static_cast<uint32_t>(
                rng() % (rng() % 8 == 0 ? 200000u / mss + 1 : 65536u / mss + 1));
            spec.tcp_seq = (spec.tcp_seq & 0xFFFF0000u) + first + i * mss;
            spec.payload = random_bytes(rng, n);
            return host_esp_frame(ip_packet(spec), esp, meta);
          },
          target);
      return g;
    }
    case FrameClass::kTxOffload:
    case FrameClass::kTxTuser:
    case FrameClass::kTxOversize:
    case FrameClass::kTxBadSyndrome:
    case FrameClass::kTxShortDatagram:
    case FrameClass::kTxDatagramBeyondFrame:
    case FrameClass::kTxNoSa: {
      auto offloaded = offload(0);
      PacketSpec& spec = offloaded.first;
      EspSpec& esp = offloaded.second;
      if (c == FrameClass::kTxNoSa) {
        do {
          esp.spi = static_cast<uint32_t>(rng());
        } while (table_.count(sa_key_for(true, ip_packet(spec), esp)));
      }
      g.frame = sized(
          [&](size_t n) {
            spec.payload = random_bytes(rng, n);
            return host_esp_frame(ip_packet(spec), esp);
          },
          target);
      Bytes& f = g.frame;
      const bool v6 = be16(f, 20) == model::kEthertypeIpv6;
      const size_t hdr = v6 ? kIpv6HeaderBytes : kIpv4HeaderBytes;
      auto set_datagram = [&](size_t t) {
        if (v6) {
          put16(f, 26, static_cast<uint16_t>(t - kIpv6HeaderBytes));
        } else {
          put16(f, 24, static_cast<uint16_t>(t));
          put16(f, 32, model::ipv4_header_checksum(&f[22], kIpv4HeaderBytes));
        }
      };
      if (c == FrameClass::kTxTuser) g.tuser = true;
      if (c == FrameClass::kTxBadSyndrome) {
        do {
          f[14] = static_cast<uint8_t>(rng());
        } while (f[14] == model::kSyndTxOffload || f[14] == model::kSyndTxLso);
      }
      if (c == FrameClass::kTxShortDatagram) set_datagram(hdr + rng() % 16);
      if (c == FrameClass::kTxDatagramBeyondFrame) set_datagram(f.size() - 22 + 1 + rng() % 64);
      if (c == FrameClass::kTxOversize) f.resize(std::max(f.size(), target));
      return g;
    }
    case FrameClass::kTxNotIp: {
      g.frame = sized(
          [&](size_t n) {
            return insert_metadata(ethernet(kEthertypeArp, random_bytes(rng, 28 + n)),
                                   model::kSyndTxOffload, {0, 0, 0, 0, kIpProtoUdp});
          },
          target);
      return g;
    }
    case FrameClass::kTxIpv4Options:
    case FrameClass::kTxIpv6ExtHeader:
    case FrameClass::kTxNotEsp: {
      const bool v6 =
          c == FrameClass::kTxIpv6ExtHeader || (c == FrameClass::kTxNotEsp && rng() % 2);
      PacketSpec spec = random_spec(rng, v6, random_l4(rng, v6));
      if (c == FrameClass::kTxIpv4Options)
        spec.ipv4_options = random_bytes(rng, 4 * (1 + rng() % 10));
      spec.ipv6_ext_header = c == FrameClass::kTxIpv6ExtHeader;
      EspSpec esp;
      esp.spi = static_cast<uint32_t>(rng());
      g.frame = sized(
          [&](size_t n) {
            spec.payload = random_bytes(rng, n);
            if (c == FrameClass::kTxNotEsp) {
              return insert_metadata(ethernet_ip(ip_packet(spec)), model::kSyndTxOffload,
                                     {0, 0, 0, 0, spec.proto});
            }
            return host_esp_frame(ip_packet(spec), esp);
          },
          target);
      return g;
    }
    case FrameClass::kTxDummy: {
      // The same layout in either mode: ESP right after the SA's own header, next header 59.
      const Sa& sa = pick_sa(true);
      EspSpec esp;
      esp.spi = sa.first.spi;
      esp.seq = random_seq(rng, sa.second.esn_en);
      PacketSpec spec = random_spec(rng, sa.first.ipv6, kIpProtoNoNext);
      spec.src = sa.first.sip;
      spec.dst = sa.first.dip;
      spec.payload = random_bytes(rng, rng() % 7);
      g.frame = pad_to_minimum(host_esp_frame(ip_packet(spec), esp));
      return g;
    }
    case FrameClass::kTxLsoNoTcp: {
      if (aim_.target && aim_.target <= 64) {
        // LSO asked for a dummy packet (next header 59): the smallest frame that matches an SA
        // and is dropped after the lookup.
        GeneratedFrame d = tx_of(FrameClass::kTxDummy);
        d.cls = c;
        d.frame[14] = model::kSyndTxLso;
        put16(d.frame, 15, mss_inverse(1460));
        return d;
      }
      // UDP (transport: next protocol 17; tunnel: inner protocol 17), or next protocol 6
      // over a UDP datagram shorter than a TCP header (a transport-mode frame: not for an SA
      // whose frames are tunnel-mode).
      const Aim saved = aim_;
      aim_.sa = &pick_sa(true);
      const auto mode = modes_.find(aim_.sa->first);
      const bool short_tcp =
          (mode == modes_.end() || mode->second == EspMode::kTransport) && rng() % 2;
      auto offloaded = offload(kIpProtoUdp, short_tcp);
      aim_ = saved;
      PacketSpec& spec = offloaded.first;
      EspSpec& esp = offloaded.second;
      TxMeta meta;
      meta.syndrome = model::kSyndTxLso;
      meta.mss_inv = mss_inverse(1460);
      if (short_tcp) {
        meta.next_proto = kIpProtoTcp;
        spec.payload = random_bytes(rng, rng() % 12);
        g.frame = pad_to_minimum(host_esp_frame(ip_packet(spec), esp, meta));
        return g;
      }
      g.frame = sized(
          [&](size_t n) {
            spec.payload = random_bytes(rng, n);
            return host_esp_frame(ip_packet(spec), esp, meta);
          },
          target);
      return g;
    }
    default: throw std::logic_error(std::string("not a TX class: ") + to_string(c));
  }
}

GeneratedFrame RandomFrames::rx_of(FrameClass c) {
  auto& rng = rng_;
  GeneratedFrame g;
  g.cls = c;
  // A truncated frame is built longer than its aim, then cut to it.
  const size_t target = c == FrameClass::kRxTruncated && aim_.target
                            ? std::max<size_t>(200, aim_.target + 64)
                        : aim_.target                  ? aim_.target
                        : c == FrameClass::kRxOversize ? max_frame_ + 1 + rng() % 200
                        : c == FrameClass::kRxTruncated
                            ? std::max<size_t>(200, random_frame_size(rng, max_frame_))
                            : random_frame_size(rng, max_frame_);

  // A wire ESP frame for `sa`, transport or tunnel, sequence number the SA accepts.
  struct Wire {
    PacketSpec spec;
    EspSpec esp;
    model::SaContext ctx;
    WireOptions opts;
  };
  auto wire_for = [&](const Sa& sa) {
    Wire w;
    w.ctx = sa.second;
    w.esp.spi = sa.first.spi;
    const uint32_t lo = static_cast<uint32_t>(rng() % 2 ? rng() : 0x80000000u + rng() % 64 - 32);
    w.esp.seq = sa.second.esn_en ? uint64_t{expected_hi(sa.second, lo)} << 32 | lo : lo;
    w.esp.mode = mode_of(sa);
    bool inner_v6 = sa.first.ipv6;
    if (w.esp.mode == EspMode::kTunnel) {
      w.esp.outer_ipv6 = sa.first.ipv6;
      w.esp.outer_src = sa.first.sip;
      w.esp.outer_dst = sa.first.dip;
      inner_v6 = rng() % 2;
    }
    w.spec = random_spec(rng, inner_v6, random_l4(rng, inner_v6));
    if (w.esp.mode == EspMode::kTransport) {
      w.spec.src = sa.first.sip;
      w.spec.dst = sa.first.dip;
    }
    if (rng() % 8 == 0) w.opts.extra_pad = 4 * (rng() % 63);
    if (rng() % 4 == 0) w.opts.iv_override = static_cast<int>(rng() % 256);
    return w;
  };
  auto build = [&](Wire& w) {
    return sized(
        [&](size_t n) {
          w.spec.payload = random_bytes(rng, n);
          return wire_esp_frame(ip_packet(w.spec), w.esp, w.ctx, w.opts);
        },
        target);
  };
  // A random RX SA that passes `want`, or none.
  auto pick_rx_sa = [&](auto want) -> const Sa* {
    std::vector<const Sa*> fit;
    for (const Sa& s : rx_sas_) {
      if (want(s)) fit.push_back(&s);
    }
    return fit.empty() ? nullptr : fit[rng() % fit.size()];
  };
  // An SA the engine does not know, with a key to encrypt for it.
  auto foreign_sa = [&](bool v6) {
    Sa sa;
    sa.first.ipv6 = v6;
    sa.first.sip = random_address(rng, v6);
    sa.first.dip = random_address(rng, v6);
    sa.first.spi = static_cast<uint32_t>(rng());
    for (auto& b : sa.second.key) b = static_cast<uint8_t>(rng());
    sa.second.key256 = rng() % 2;
    sa.second.salt = static_cast<uint32_t>(rng());
    return sa;
  };

  switch (c) {
    case FrameClass::kRxBypass:
      g.frame = plain_frame(rng, target);
      return g;
    case FrameClass::kRxEspNoSa: {
      // A random SA, or a TX SA's traffic coming back: neither is an RX SA.
      Sa sa = !tx_sas_.empty() && rng() % 2 ? pick_sa(true) : foreign_sa(rng() % 2);
      sa.first.tx = false;
      while (table_.count(sa.first)) sa.first.spi = static_cast<uint32_t>(rng());
      Wire w = wire_for(sa);
      g.frame = build(w);
      if (table_.count(sa_key_for(false, ip_packet(w.spec), w.esp))) {
        throw std::logic_error("random frames: an unknown SA turned out known");
      }
      return g;
    }
    case FrameClass::kRxFragment:
    case FrameClass::kRxIpv4Options:
    case FrameClass::kRxIpv6ExtHeader: {
      const bool v6 = c == FrameClass::kRxIpv6ExtHeader;
      // One of the RX SAs of the family if there is one: these must bypass even so.
      Sa sa = foreign_sa(v6);
      if (const Sa* known = pick_rx_sa([&](const Sa& s) { return s.first.ipv6 == v6; }))
        sa = *known;
      Wire w = wire_for(sa);
      w.esp.mode = c == FrameClass::kRxFragment ? w.esp.mode : EspMode::kTransport;
      if (w.esp.mode == EspMode::kTunnel) w.esp.outer_ipv6 = false;
      if (c == FrameClass::kRxIpv4Options)
        w.spec.ipv4_options = random_bytes(rng, 4 * (1 + rng() % 10));
      if (c == FrameClass::kRxIpv6ExtHeader) w.spec.ipv6_ext_header = true;
      g.frame = build(w);
      if (c == FrameClass::kRxFragment) {  // an IPv4 frame: v6 is false
        const uint16_t frag = rng() % 2 ? 0x2000 : static_cast<uint16_t>(1 + rng() % 0x1FFF);
        put16(g.frame, 20, frag);
        put16(g.frame, 24, model::ipv4_header_checksum(&g.frame[14], kIpv4HeaderBytes));
      }
      return g;
    }
    case FrameClass::kRxEspHeaderCut: {
      PacketSpec spec = random_spec(rng, true, model::kIpProtoEsp);
      spec.payload = random_bytes(rng, 6 + rng() % 2);
      g.frame = ethernet_ip(ip_packet(spec));
      return g;
    }
    case FrameClass::kRxRunt: {
      g.frame = random_bytes(rng, 14 + rng() % 46);
      if (rng() % 2) put16(g.frame, 12, rng() % 2 ? model::kEthertypeIpv4 : model::kEthertypeMeta);
      return g;
    }
    case FrameClass::kRxDecrypt:
    case FrameClass::kRxTuser:
    case FrameClass::kRxOversize:
    case FrameClass::kRxMetadata:
    case FrameClass::kRxIcvFlip:
    case FrameClass::kRxWrongEsn:
    case FrameClass::kRxTruncated:
    case FrameClass::kRxShortEsp:
    case FrameClass::kRxBadPadBytes:
    case FrameClass::kRxBadPadLength: {
      const Sa* sa = &pick_sa(false);
      if (c == FrameClass::kRxWrongEsn && !(aim_.sa && aim_.sa->second.esn_en)) {
        sa = pick_rx_sa([](const Sa& s) { return s.second.esn_en; });
        if (!sa) {  // no ESN SA to get wrong
          sa = &pick_sa(false);
          g.cls = c = FrameClass::kRxIcvFlip;
        }
      }
      Wire w = wire_for(*sa);
      if (c == FrameClass::kRxWrongEsn) w.esp.seq += uint64_t{1 + rng() % 3} << 32;
      if (c == FrameClass::kRxOversize) w.opts.extra_pad = 0;
      if (c == FrameClass::kRxBadPadBytes) w.opts.fault = TrailerFault::kBadPadBytes;
      if (c == FrameClass::kRxBadPadLength) w.opts.fault = TrailerFault::kBadPadLength;
      if (w.opts.fault != TrailerFault::kNone)
        w.opts.extra_pad = std::min<size_t>(w.opts.extra_pad, 248);
      g.frame = build(w);
      Bytes& f = g.frame;
      const size_t end = datagram_end(f);
      const size_t esp_at =
          14 + (be16(f, 12) == model::kEthertypeIpv6 ? kIpv6HeaderBytes : kIpv4HeaderBytes);
      switch (c) {
        case FrameClass::kRxTuser: g.tuser = true; break;
        case FrameClass::kRxOversize: f.resize(std::max(f.size(), target)); break;
        case FrameClass::kRxMetadata: f = with_wire_metadata(f, static_cast<uint8_t>(rng())); break;
        case FrameClass::kRxIcvFlip: f = flip_icv_bit(f, static_cast<unsigned>(rng() % 128)); break;
        case FrameClass::kRxTruncated: {
          // The datagram no longer fits; the ESP header still does.
          const size_t keep = std::max<size_t>(60, esp_at + kEspHeaderBytes);
          f.resize(aim_.target ? std::max(keep, std::min(aim_.target, end - 1))
                               : keep + rng() % (end - keep));
          break;
        }
        case FrameClass::kRxShortEsp: {
          const size_t ct = end - esp_at - kEspHeaderBytes - kEspIvBytes - kIcvBytes;
          f.resize(end);  // drop Ethernet padding first
          f = pad_to_minimum(truncate_datagram(f, ct - rng() % 2, true));
          break;
        }
        default: break;
      }
      return g;
    }
    default: throw std::logic_error(std::string("not an RX class: ") + to_string(c));
  }
}

// ---- The sweep ------------------------------------------------------------------------------

SaKind RandomFrames::kind_of(const Sa& sa) const {
  const auto it = modes_.find(sa.first);
  return SaKind{sa.first.ipv6, it != modes_.end() && it->second == EspMode::kTunnel,
                sa.second.key256, sa.second.esn_en};
}

GeneratedFrame RandomFrames::aimed(bool tx, const std::vector<FrameClass>& classes, const Sa* sa,
                                   SizeBucket bucket) {
  const auto [lo, hi] = bucket_range(bucket);
  GeneratedFrame g;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 1000)
      throw std::logic_error(std::string("the sweep cannot build a frame of ") +
                             to_string(bucket) + " bytes for " + to_string(classes.front()));
    aim_.sa = sa;
    aim_.target = lo + rng_() % (hi - lo + 1);
    const FrameClass c = classes[rng_() % classes.size()];
    try {
      g = tx ? tx_of(c) : rx_of(c);
    } catch (...) {
      aim_ = Aim{};
      throw;
    }
    aim_ = Aim{};
    if (size_bucket(g.frame.size()) == bucket) return g;
  }
}

std::vector<GeneratedFrame> RandomFrames::sweep(bool tx) {
  using C = FrameClass;
  // The table's SAs by kind: each kind's frames go to one of its SAs, at random.
  std::map<std::string, std::vector<const Sa*>> kinds;
  for (const Sa& sa : tx ? tx_sas_ : rx_sas_) {
    kinds[to_string(std::optional<SaKind>(kind_of(sa)))].push_back(&sa);
  }
  std::vector<GeneratedFrame> out;
  auto aim = [&](std::vector<C> classes, const Sa* sa, SizeBucket b) {
    out.push_back(aimed(tx, classes, sa, b));
  };
  for (SizeBucket b : kSizeBuckets) {
    const bool small = b == SizeBucket::kUpTo64, over = b == SizeBucket::kAbove9216;
    // The fates of frames that match no SA.
    if (tx) {
      if (!over) aim({C::kTxBypass}, nullptr, b);
      aim(small  ? std::vector<C>{C::kTxRunt}
          : over ? std::vector<C>{C::kTxOversize}
                 : std::vector<C>{C::kTxTuser, C::kTxBadSyndrome, C::kTxNotIp, C::kTxIpv4Options,
                                  C::kTxIpv6ExtHeader, C::kTxNotEsp, C::kTxShortDatagram,
                                  C::kTxDatagramBeyondFrame, C::kTxNoSa},
          nullptr, b);
    } else {
      if (!over) {
        aim(small ? std::vector<C>{C::kRxBypass, C::kRxEspHeaderCut}
                  : std::vector<C>{C::kRxBypass, C::kRxEspNoSa, C::kRxFragment, C::kRxIpv4Options,
                                   C::kRxIpv6ExtHeader},
            nullptr, b);
      }
      aim(small  ? std::vector<C>{C::kRxRunt}
          : over ? std::vector<C>{C::kRxOversize}
                 : std::vector<C>{C::kRxTuser, C::kRxMetadata},
          nullptr, b);
    }
    if (over) continue;  // dropped before the lookup
    // The fates of frames that match an SA, for each kind of SA.
    for (const auto& kind : kinds) {
      const Sa* sa = kind.second[rng_() % kind.second.size()];
      if (tx) {
        if (small && sa->first.ipv6) continue;  // 78 bytes at least
        aim(small ? std::vector<C>{C::kTxDummy} : std::vector<C>{C::kTxOffload, C::kTxLso}, sa, b);
        aim({C::kTxLsoNoTcp}, sa, b);
      } else {
        aim(small ? std::vector<C>{C::kRxTruncated}
            : b == SizeBucket::k65To127
                ? std::vector<C>{C::kRxTruncated, C::kRxShortEsp, C::kRxBadPadBytes, C::kRxBadPadLength}
                : std::vector<C>{C::kRxTruncated, C::kRxBadPadBytes, C::kRxBadPadLength},
            sa, b);
        if (small) continue;  // decrypted or authenticated: 68 bytes at least
        aim({C::kRxDecrypt}, sa, b);
        aim(sa->second.esn_en ? std::vector<C>{C::kRxIcvFlip, C::kRxWrongEsn}
                              : std::vector<C>{C::kRxIcvFlip},
            sa, b);
      }
    }
  }
  std::shuffle(out.begin(), out.end(), rng_);
  return out;
}

std::vector<GeneratedFrame> RandomFrames::sweep_tx() { return sweep(true); }
std::vector<GeneratedFrame> RandomFrames::sweep_rx() { return sweep(false); }

// ---- Reading frames ------------------------------------------------------------------------

std::string describe(const Bytes& f) {
  std::ostringstream s;
  s << f.size() << " B";
  if (f.size() < model::kEthHeaderBytes) return s.str() + " | runt";
  uint16_t type = be16(f, 12);
  size_t ip = model::kEthHeaderBytes;
  if (type == model::kEthertypeMeta) {
    if (f.size() < 22) return s.str() + " | meta, cut";
    const uint8_t synd = f[14];
    s << " | meta " << hex(synd, 2);
    if (synd == model::kSyndTxOffload || synd == model::kSyndTxLso) {
      s << " np " << int{f[19]};
      if (synd == model::kSyndTxLso) s << " mss_inv " << be16(f, 15) << " seq " << be16(f, 17);
    } else {
      s << " nh " << int{f[15]} << " handle " << be32(f, 16);
    }
    type = be16(f, 20);
    ip = 22;
  }
  size_t l4 = 0;
  uint8_t proto = 0;
  if (type == model::kEthertypeIpv4 && f.size() >= ip + kIpv4HeaderBytes) {
    s << " | IPv4 " << address_text(f, ip + 12, false) << " > " << address_text(f, ip + 16, false)
      << " len " << be16(f, ip + 2) << " proto " << int{f[ip + 9]};
    if ((f[ip] & 15) != 5) s << " ihl " << (f[ip] & 15);
    if (be16(f, ip + 6) & 0x2000) s << " MF";
    if (be16(f, ip + 6) & 0x1FFF) s << " frag " << 8 * (be16(f, ip + 6) & 0x1FFF);
    l4 = ip + 4u * (f[ip] & 15);
    proto = f[ip + 9];
  } else if (type == model::kEthertypeIpv6 && f.size() >= ip + kIpv6HeaderBytes) {
    s << " | IPv6 " << address_text(f, ip + 8, true) << " > " << address_text(f, ip + 24, true)
      << " plen " << be16(f, ip + 4) << " nh " << int{f[ip + 6]};
    l4 = ip + kIpv6HeaderBytes;
    proto = f[ip + 6];
  } else {
    return s.str() + " | type " + hex(type, 4);
  }
  if (proto == model::kIpProtoEsp && f.size() >= l4 + 8) {
    s << " | ESP spi " << hex(be32(f, l4)) << " sn " << be32(f, l4 + 4);
  } else if ((proto == kIpProtoTcp || proto == kIpProtoUdp) && f.size() >= l4 + 8) {
    s << " | " << (proto == kIpProtoTcp ? "TCP " : "UDP ") << be16(f, l4) << " > "
      << be16(f, l4 + 2);
    if (proto == kIpProtoTcp && f.size() >= l4 + 8) s << " seq " << be32(f, l4 + 4);
  } else if ((proto == kIpProtoIcmp || proto == kIpProtoIcmpv6) && f.size() >= l4 + 2) {
    s << " | ICMP type " << int{f[l4]};
  }
  return s.str();
}

}  // namespace ipsec::tb
