#include "packet.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ipsec::driver {

uint16_t load_be16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
uint32_t load_be32(const Bytes& b, size_t at) {
  return uint32_t{load_be16(b, at)} << 16 | load_be16(b, at + 2);
}
void store_be16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void store_be32(Bytes& b, size_t at, uint32_t v) {
  store_be16(b, at, static_cast<uint16_t>(v >> 16));
  store_be16(b, at + 2, static_cast<uint16_t>(v));
}
void store_be64(Bytes& b, size_t at, uint64_t v) {
  store_be32(b, at, static_cast<uint32_t>(v >> 32));
  store_be32(b, at + 4, static_cast<uint32_t>(v));
}

uint16_t ethertype_of(const Bytes& frame) {
  return frame.size() >= kEthHeaderBytes ? load_be16(frame, kMacAddrsBytes) : 0;
}

namespace {

bool walked_ipv6_ext(uint8_t nh) {
  return nh == ipproto::kHopByHop || nh == ipproto::kRouting || nh == ipproto::kFragment ||
         nh == ipproto::kDstOpts;
}

IpAddress address_at(const Bytes& f, size_t at, bool ipv6) {
  if (!ipv6) return IpAddress::v4(std::array<uint8_t, 4>{f[at], f[at + 1], f[at + 2], f[at + 3]});
  std::array<uint8_t, 16> a{};
  std::memcpy(a.data(), &f[at], 16);
  return IpAddress::v6(a);
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

}  // namespace

std::optional<IpHeader> parse_ip(const Bytes& f, size_t at) {
  if (at >= f.size()) return std::nullopt;
  IpHeader ip;
  ip.at = at;
  const size_t avail = f.size() - at;
  const unsigned version = f[at] >> 4;
  if (version == 4) {
    if (avail < kIpv4HeaderBytes) return std::nullopt;
    ip.headers_len = 4u * (f[at] & 15);
    ip.total_len = load_be16(f, at + 2);
    if (ip.headers_len < kIpv4HeaderBytes || ip.total_len < ip.headers_len ||
        ip.total_len > avail) {
      return std::nullopt;
    }
    ip.proto = f[at + 9];
    ip.proto_field = at + 9;
    ip.has_options = ip.headers_len > kIpv4HeaderBytes;
    ip.fragment = (load_be16(f, at + 6) & 0x3FFF) != 0;
    ip.src = address_at(f, at + 12, false);
    ip.dst = address_at(f, at + 16, false);
    return ip;
  }
  if (version != 6 || avail < kIpv6HeaderBytes) return std::nullopt;
  ip.ipv6 = true;
  ip.total_len = kIpv6HeaderBytes + load_be16(f, at + 4);
  if (ip.total_len > avail) return std::nullopt;
  ip.src = address_at(f, at + 8, true);
  ip.dst = address_at(f, at + 24, true);
  ip.headers_len = kIpv6HeaderBytes;
  ip.proto_field = at + 6;
  ip.proto = f[at + 6];
  ip.has_options = walked_ipv6_ext(ip.proto);
  while (walked_ipv6_ext(ip.proto)) {
    const size_t ext = at + ip.headers_len;
    if (ext + 8 > at + ip.total_len) return std::nullopt;
    const size_t len = ip.proto == ipproto::kFragment ? 8 : 8u * (f[ext + 1] + 1u);
    if (ip.proto == ipproto::kFragment) ip.fragment = true;
    if (ip.headers_len + len > ip.total_len) return std::nullopt;
    ip.proto_field = ext;
    ip.proto = f[ext];
    ip.headers_len += len;
  }
  return ip;
}

std::optional<IpHeader> parse_ip_frame(const Bytes& frame) {
  const uint16_t type = ethertype_of(frame);
  if (type != kEthertypeIpv4 && type != kEthertypeIpv6) return std::nullopt;
  std::optional<IpHeader> ip = parse_ip(frame, kEthHeaderBytes);
  if (ip && ip->ipv6 != (type == kEthertypeIpv6)) return std::nullopt;
  return ip;
}

uint16_t ipv4_header_checksum(const uint8_t* header, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) {
    if (i == 10) continue;  // the checksum field itself
    sum += static_cast<uint32_t>(header[i] << 8 | header[i + 1]);
  }
  return fold(sum);
}

void update_ipv4_checksum(Bytes& frame, size_t at) {
  const size_t len = 4u * (frame[at] & 15);
  store_be16(frame, at + 10, ipv4_header_checksum(&frame[at], len));
}

void set_ip_length(Bytes& frame, const IpHeader& ip, size_t total_len) {
  if (ip.ipv6) {
    store_be16(frame, ip.at + 4, static_cast<uint16_t>(total_len - kIpv6HeaderBytes));
  } else {
    store_be16(frame, ip.at + 2, static_cast<uint16_t>(total_len));
    update_ipv4_checksum(frame, ip.at);
  }
}

uint16_t l4_checksum(const IpAddress& src, const IpAddress& dst, uint8_t proto,
                     const uint8_t* segment, size_t len, size_t checksum_offset) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) {
    if (i == checksum_offset) continue;
    sum += static_cast<uint32_t>(segment[i] << 8 | segment[i + 1]);
  }
  if (len % 2) sum += static_cast<uint32_t>(segment[len - 1] << 8);
  if (proto != ipproto::kIcmp) {
    sum = sum16(src.data(), src.size(), sum);
    sum = sum16(dst.data(), dst.size(), sum);
    sum += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xFFFF);
    sum += proto;
  }
  uint16_t csum = fold(sum);
  if (proto == ipproto::kUdp && csum == 0) csum = 0xFFFF;  // RFC 768: zero means none
  return csum;
}

void update_l4_checksum(Bytes& frame, const IpHeader& ip) {
  if (ip.fragment) return;
  size_t field;
  switch (ip.proto) {
    case ipproto::kTcp:
      field = 16;
      break;
    case ipproto::kUdp:
      field = 6;
      break;
    case ipproto::kIcmp:
      if (ip.ipv6) return;
      field = 2;
      break;
    case ipproto::kIcmpv6:
      if (!ip.ipv6) return;
      field = 2;
      break;
    default:
      return;
  }
  const size_t l4 = ip.l4();
  const size_t len = ip.end() - l4;
  if (field + 2 > len) return;
  store_be16(frame, l4 + field, l4_checksum(ip.src, ip.dst, ip.proto, &frame[l4], len, field));
}

Flow flow_of(const Bytes& frame, const IpHeader& ip) {
  Flow fl;
  fl.src = ip.src;
  fl.dst = ip.dst;
  fl.proto = ip.proto;
  const size_t l4 = ip.l4();
  const size_t len = ip.end() - l4;
  if (ip.fragment) return fl;  // ports only in the first fragment; the kernel does the same
  switch (ip.proto) {
    case ipproto::kTcp:
    case ipproto::kUdp:
    case ipproto::kSctp:
      if (len >= 4) {
        fl.sport = load_be16(frame, l4);
        fl.dport = load_be16(frame, l4 + 2);
      }
      break;
    case ipproto::kIcmp:
    case ipproto::kIcmpv6:
      if (len >= 2) {
        fl.sport = frame[l4];      // type
        fl.dport = frame[l4 + 1];  // code
      }
      break;
    default:
      break;
  }
  return fl;
}

bool prefix_match(const IpAddress& a, const IpAddress& b, unsigned prefixlen) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  unsigned bits = prefixlen;
  for (size_t i = 0; i < n && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - take));
    if ((a.data()[i] ^ b.data()[i]) & mask) return false;
    bits -= take;
  }
  return true;
}

std::vector<Bytes> ipv4_fragment(const Bytes& frame, const IpHeader& ip, size_t mtu) {
  if (ip.ipv6 || ip.fragment) return {};
  if (ip.total_len <= mtu) {
    return {Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(ip.end()))};
  }
  if (mtu < ip.headers_len + 8) return {};
  // RFC 791: every fragment but the last carries a multiple of 8 data bytes.
  const size_t per_fragment = (mtu - ip.headers_len) & ~size_t{7};
  const size_t data_len = ip.total_len - ip.headers_len;
  const uint16_t flags = load_be16(frame, ip.at + 6) & 0x8000;  // the reserved bit; DF is clear
  std::vector<Bytes> out;
  for (size_t off = 0; off < data_len; off += per_fragment) {
    const size_t n = std::min(per_fragment, data_len - off);
    Bytes f(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(ip.l4()));
    f.insert(f.end(), frame.begin() + static_cast<std::ptrdiff_t>(ip.l4() + off),
             frame.begin() + static_cast<std::ptrdiff_t>(ip.l4() + off + n));
    const bool more = off + n < data_len;
    store_be16(f, ip.at + 6, static_cast<uint16_t>(flags | (more ? 0x2000 : 0) | (off / 8)));
    store_be16(f, ip.at + 2, static_cast<uint16_t>(ip.headers_len + n));
    update_ipv4_checksum(f, ip.at);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ipsec::driver
