// IP packets inside Ethernet frames, as the host stack and the driver read and edit them:
// header parsing (IPv4 options, IPv6 extension headers), length fields, checksums, and the
// flow a packet belongs to (what xfrm selectors match).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "xfrm_state.h"

namespace ipsec::driver {

inline constexpr size_t kMacAddrsBytes = 12;  // destination and source MAC
inline constexpr size_t kEthHeaderBytes = 14;
inline constexpr uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr uint16_t kEthertypeIpv6 = 0x86DD;
inline constexpr size_t kIpv4HeaderBytes = 20;
inline constexpr size_t kIpv6HeaderBytes = 40;

// IPPROTO_* values the stack and the driver look at.
namespace ipproto {
inline constexpr uint8_t kHopByHop = 0;
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kIpip = 4;  // IPv4 in IP: the next header of a tunnel-mode ESP
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kIpv6 = 41;  // IPv6 in IP
inline constexpr uint8_t kRouting = 43;
inline constexpr uint8_t kFragment = 44;
inline constexpr uint8_t kEsp = 50;
inline constexpr uint8_t kAh = 51;
inline constexpr uint8_t kIcmpv6 = 58;
inline constexpr uint8_t kDstOpts = 60;
inline constexpr uint8_t kSctp = 132;
}  // namespace ipproto

uint16_t load_be16(const Bytes& b, size_t at);
uint32_t load_be32(const Bytes& b, size_t at);
void store_be16(Bytes& b, size_t at, uint16_t v);
void store_be32(Bytes& b, size_t at, uint32_t v);
void store_be64(Bytes& b, size_t at, uint64_t v);

// The EtherType after the MACs; 0 for a frame too short to have one.
uint16_t ethertype_of(const Bytes& frame);

// An IP header found in a frame.
struct IpHeader {
  bool ipv6 = false;
  size_t at = 0;             // offset of the IP header in the frame
  size_t headers_len = 0;    // IPv4: IHL * 4; IPv6: 40 + the extension headers walked
  size_t total_len = 0;      // the datagram: IPv4 total length, IPv6 40 + payload length
  uint8_t proto = 0;         // the upper-layer protocol, after any IPv6 extension headers
  size_t proto_field = 0;    // frame offset of the byte that names `proto`
  bool has_options = false;  // IPv4 options, or an IPv6 extension header after the fixed one
  bool fragment = false;     // IPv4 MF or fragment offset, IPv6 fragment header
  IpAddress src;
  IpAddress dst;

  size_t l4() const { return at + headers_len; }  // where the upper layer starts
  size_t end() const { return at + total_len; }   // where the datagram ends
};

// The IPv4 or IPv6 datagram whose header starts at `at`: nothing when the header is not a
// well-formed one (version, IHL, lengths) or the datagram does not fit in the frame.
// IPv6 hop-by-hop, routing, fragment and destination options headers are walked (RFC 8200
// section 4); ESP and AH end the walk, they are the upper layer here.
std::optional<IpHeader> parse_ip(const Bytes& frame, size_t at);
// The datagram of an Ethernet frame whose EtherType is IPv4 or IPv6.
std::optional<IpHeader> parse_ip_frame(const Bytes& frame);

// RFC 791 header checksum (the checksum field counted as zero).
uint16_t ipv4_header_checksum(const uint8_t* header, size_t len);
// Writes a fresh header checksum into the IPv4 header at `at`.
void update_ipv4_checksum(Bytes& frame, size_t at);
// Sets the datagram length of the header at `ip.at` to `total_len` bytes: IPv4 total
// length (and header checksum), IPv6 payload length.
void set_ip_length(Bytes& frame, const IpHeader& ip, size_t total_len);

// The RFC 1071 sum of an upper-layer segment with its pseudo-header (RFC 793, RFC 768,
// RFC 8200 section 8.1), complemented: what goes into a TCP, UDP or ICMPv6 checksum field
// (the field itself counted as zero). ICMP (IPv4) has no pseudo-header.
uint16_t l4_checksum(const IpAddress& src, const IpAddress& dst, uint8_t proto,
                     const uint8_t* segment, size_t len, size_t checksum_offset);
// Recomputes the TCP, UDP, ICMP or ICMPv6 checksum of the datagram's upper layer; other
// protocols and fragments are left alone.
void update_l4_checksum(Bytes& frame, const IpHeader& ip);

// ip_do_fragment: an IPv4 datagram (not already a fragment) cut into fragments of at most
// `mtu` bytes each: the header (with its options) on every fragment, the data in multiples of
// 8 bytes, MF on all but the last, the identification kept, fresh header checksums. One frame
// back when it fits; none when `mtu` leaves no room for 8 bytes of data.
std::vector<Bytes> ipv4_fragment(const Bytes& frame, const IpHeader& ip, size_t mtu);

// What xfrm selectors match (struct flowi): addresses, protocol and ports; ICMP type and
// code stand in the source and destination ports, as in the kernel's selectors.
struct Flow {
  IpAddress src;
  IpAddress dst;
  uint8_t proto = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
};
Flow flow_of(const Bytes& frame, const IpHeader& ip);

// The first `prefixlen` bits of `a` and `b` agree (both of one family).
bool prefix_match(const IpAddress& a, const IpAddress& b, unsigned prefixlen);

}  // namespace ipsec::driver
