// Sample traffic built into the tool: plain Ethernet/IP frames with correct checksums, and
// the pcap files the scenarios under testbench/scenarios send, so that no binary capture
// needs to be committed. Wire traffic comes from a software-only peer host whose states
// mirror the scenario's inbound ones (same addresses, SPIs and keys), so the engine can
// decrypt it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xfrm_state.h"

namespace ipsec::tool::samples {

using Bytes = std::vector<uint8_t>;

// The addresses, SPIs and keys the sample scenarios use (their scripts spell the same).
inline constexpr const char* kHost = "192.0.2.1";     // the simulated host
inline constexpr const char* kPeer = "198.51.100.2";  // the other end
inline constexpr const char* kHost6 = "2001:db8::1";  // tunnel endpoints
inline constexpr const char* kPeer6 = "2001:db8::2";
inline constexpr const char* kHostNet = "10.1.0.0/16";  // behind the tunnel endpoints
inline constexpr const char* kPeerNet = "10.2.0.0/16";
inline constexpr uint32_t kSpiOut = 0x1000;        // host -> peer, transport
inline constexpr uint32_t kSpiIn = 0x2000;         // peer -> host, transport
inline constexpr uint32_t kSpiTunnelOut = 0x3000;  // host -> peer, tunnel, ESN
inline constexpr uint32_t kSpiTunnelIn = 0x3001;   // peer -> host, tunnel, ESN
// Key material (key || salt) as the scripts write it after `aead 'rfc4106(gcm(aes))'`.
inline constexpr const char* kKeyOut = "0x0102030405060708090a0b0c0d0e0f1011121314";
inline constexpr const char* kKeyIn = "0x2122232425262728292a2b2c2d2e2f3031323334";
inline constexpr const char* kKeyTunnelOut =
    "0x404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263";
inline constexpr const char* kKeyTunnelIn =
    "0x707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293";
// The last sequence number the peer sent on the tunnel before the sample: the next ones
// cross 2^32 (ESN).
inline constexpr uint32_t kTunnelInFirstSeq = 0xFFFFFFFC;
// wire_esn_mid.pcap: after sequence numbers 1 to 3, the peer goes on from here across 2^31.
inline constexpr uint32_t kEsnJumpFirstSeq = 0x7FFFFFFE;

// ---- frame builders ----------------------------------------------------------------------

struct PacketSpec {
  std::string src = kHost;
  std::string dst = kPeer;
  uint8_t proto = 17;      // TCP 6, UDP 17, ICMP 1, ICMPv6 58; others: no L4 header
  size_t payload = 64;     // bytes after the L4 header, counting up from 0
  uint16_t sport = 40000;  // TCP/UDP ports; ICMP echo identifier/sequence
  uint16_t dport = 5001;
  uint32_t tcp_seq = 1;
  uint16_t ipv4_id = 1;
  bool dont_fragment = true;  // IPv4 DF
  Bytes ipv4_options;  // padded to 4 bytes
};
// An IPv4 or IPv6 packet (by the addresses' family) with correct IPv4 header and L4
// checksums. Throws std::invalid_argument for an address that is neither.
Bytes ip_packet(const PacketSpec& spec);
// The packet in an Ethernet frame; `to_peer` picks the MACs of the host's direction.
Bytes ethernet_frame(const Bytes& ip_packet, bool to_peer = true);
// A packet whose Ethernet frame is `frame_bytes` long (at least the headers).
Bytes frame_of_size(PacketSpec spec, size_t frame_bytes, bool to_peer = true);

// The key material of a script's hex key ("0x...").
Bytes key_material(const char* hex);
// An rfc4106(gcm(aes)) ESP state as `ip xfrm state add` builds it (no offload).
driver::XfrmState esp_state(const std::string& src, const std::string& dst, uint32_t spi,
                            const char* key_hex, bool tunnel);

// ---- the scenarios' pcaps ----------------------------------------------------------------

// Writes the pcap files the sample scenarios send into `dir` (which must exist):
//   host_mix_v4.pcap     host -> peer: TCP, UDP, ICMP from 64 to 1514 bytes, one IPv4 packet
//                        with options (software ESP), one ARP frame (no IP)
//   wire_esp_v4.pcap     peer -> host, ESP spi 0x2000, sequence numbers 1 to 6
//   wire_bad_v4.pcap     peer -> host: a flipped ICV bit, spoofed 0x8CE4 metadata, an ESP
//                        frame for no SA, a plain UDP frame, a replay of sequence number 1
//   host_lso_v4.pcap     host -> peer: one TCP packet of 6000 payload bytes (LSO)
//   host_tunnel_v4.pcap  10.1.0.1 -> 10.2.0.1: UDP and TCP, for the IPv6 tunnel
//   wire_tunnel_esn.pcap peer -> host through the IPv6 tunnel, spi 0x3001, ESN sequence
//                        numbers 0xfffffffd to 0x1_00000004
//   host_mtu_v4.pcap     10.1.0.1 -> 10.2.0.1: two 1,400-byte UDP packets, DF clear then set
//   wire_esn_mid.pcap    peer -> host, spi 0x2000 with ESN (replay-window 32): sequence
//                        numbers 1 to 3, then 0x7ffffffe to 0x80000002
// Returns the paths written. Throws PcapError when a file cannot be written.
std::vector<std::string> write_sample_pcaps(const std::string& dir);

}  // namespace ipsec::tool::samples
