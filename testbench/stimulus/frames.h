// Named frame builders for the engine's four ports: plain Ethernet/IP traffic, ESP frames as
// the host stack and driver hand them to the engine for TX offload, ESP frames as a peer puts
// them on the wire, the faults the engine must survive, and a seeded random mix of all of it.
// Frames carry no FCS. Builders return unpadded frames; pad_to_minimum() adds the Ethernet
// padding a MAC would.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bytes.h"
#include "esp_model.h"
#include "frame_coverage.h"

namespace ipsec::tb {

using Address = model::Address;  // IPv6, or IPv4 in bytes 12..15 (as in the SA image)
using Mac = std::array<uint8_t, 6>;

Address ipv4(const std::string& dotted);  // "192.0.2.1"; throws std::invalid_argument
Address ipv6(const std::string& text);    // "2001:db8::1"; throws std::invalid_argument

struct EthAddrs {
  Mac dst{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  Mac src{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
};

inline constexpr uint8_t kIpProtoIpv4 = 4;  // IPv4 in IP (tunnel mode)
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoIpv6 = 41;  // IPv6 in IP (tunnel mode)
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint8_t kIpv6DestOptions = 60;
inline constexpr uint8_t kIpProtoNoNext = 59;  // no next header: an ESP dummy packet (RFC 4303 section 2.6)
inline constexpr uint16_t kEthertypeArp = 0x0806;

// ---- Plain traffic -------------------------------------------------------------------------

// n bytes counting up from `first`: payloads whose corruption is easy to spot in a dump.
Bytes pattern(size_t n, uint8_t first = 0);
Bytes random_bytes(std::mt19937_64& rng, size_t n);

// One IP packet as a host stack sends it: IP header, L4 header (TCP 20 bytes, UDP 8, ICMP or
// ICMPv6 echo 8; any other protocol: none) and payload, with correct IPv4 header and L4
// checksums (a fragment's L4 checksum covers only what the fragment holds).
struct PacketSpec {
  bool ipv6 = false;
  Address src = ipv4("192.0.2.1");
  Address dst = ipv4("198.51.100.2");
  uint8_t proto = kIpProtoUdp;
  Bytes payload = pattern(64);
  uint16_t sport = 40000, dport = 4500;  // TCP/UDP ports; ICMP echo id/sequence
  uint32_t tcp_seq = 1000, tcp_ack = 0;
  uint8_t ttl = 64;
  uint16_t ipv4_id = 1;
  Bytes ipv4_options;            // IPv4: padded with zeros to a multiple of 4 (IHL > 5)
  bool more_fragments = false;   // IPv4
  uint16_t fragment_offset = 0;  // IPv4, in 8-byte units
  bool ipv6_ext_header = false;  // IPv6: an 8-byte destination options header before L4
};
Bytes ip_packet(const PacketSpec& spec);

// Destination MAC, source MAC, EtherType, payload.
Bytes ethernet(uint16_t ethertype, const Bytes& payload, const EthAddrs& macs = {});
// An IP packet in an Ethernet frame, EtherType from the IP version.
Bytes ethernet_ip(const Bytes& ip_pkt, const EthAddrs& macs = {});
// Zero bytes up to the 60-byte Ethernet minimum.
Bytes pad_to_minimum(Bytes frame);

// ---- ESP -----------------------------------------------------------------------------------

enum class EspMode { kTransport, kTunnel };

// How a packet is put into ESP. The SA's addresses are the packet's in transport mode and
// the outer header's in tunnel mode.
struct EspSpec {
  uint32_t spi = 0x1000;
  uint64_t seq = 1;  // 64-bit sequence number; its low 32 bits go into the ESP header
  EspMode mode = EspMode::kTransport;
  bool outer_ipv6 = false;  // tunnel: the outer header
  Address outer_src = ipv4("203.0.113.1");
  Address outer_dst = ipv4("203.0.113.2");
};

// The SA match key (contract section 3) the engine derives from the ESP frame of `ip_pkt`.
model::SaKey sa_key_for(bool tx, const Bytes& ip_pkt, const EspSpec& esp);

// The next header of the ESP trailer for `ip_pkt`: its L4 protocol (transport), 4 or 41
// (tunnel).
uint8_t esp_next_proto(const Bytes& ip_pkt, EspMode mode);

// TX metadata (contract section 5): syndrome 0x08, or 0x09 with mss_inv and seq for LSO.
struct TxMeta {
  uint8_t syndrome = model::kSyndTxOffload;
  uint16_t mss_inv = 0;
  uint16_t seq = 0;
  int next_proto = -1;  // -1: esp_next_proto() of the packet
};
inline uint16_t mss_inverse(uint16_t mss) { return static_cast<uint16_t>(65536u / mss); }

// 8 metadata bytes inserted after the MACs: 0x8CE4, syndrome, content.
Bytes insert_metadata(const Bytes& frame, uint8_t syndrome, const std::array<uint8_t, 5>& content);

// The packet in ESP (transport: ESP header and IV after the IP headers; tunnel: a new outer
// header), without trailer or ICV, the IV holding the 64-bit sequence number: what the host
// stack and driver hand the engine (contract section 6). Not framed, no metadata.
Bytes esp_plaintext_packet(const Bytes& ip_pkt, const EspSpec& esp);

// The Ethernet frame the NIC hands the engine for TX offload: esp_plaintext_packet() in
// Ethernet, metadata inserted.
Bytes host_esp_frame(const Bytes& ip_pkt, const EspSpec& esp, const TxMeta& meta = {},
                     const EthAddrs& macs = {});

// What the NIC makes of one LSO send (contract section 6): the TCP packet `tcp_pkt` (whose
// payload may be large) cut into segments of at most `mss` payload bytes, each a full frame
// with its own TCP sequence number and the same metadata (0x09, mss_inv, the low 16 bits of
// the first segment's sequence) and the same IV (the first segment's sequence number).
std::vector<Bytes> host_lso_frames(const Bytes& tcp_pkt, const EspSpec& esp, uint16_t mss,
                                   const EthAddrs& macs = {});

// Faults a peer (or an attacker) can put into the ESP trailer while the ICV stays good.
enum class TrailerFault {
  kNone,
  kBadPadBytes,   // one pad byte is not its index
  kBadPadLength,  // pad length beyond the data, or pointing at bytes that are not 1, 2, ...
};

struct WireOptions {
  size_t extra_pad = 0;  // pad bytes beyond the minimum, a multiple of 4, total at most 255
  TrailerFault fault = TrailerFault::kNone;
  int iv_override = -1;  // -1: IV = the 64-bit sequence number; else every IV byte this value
};

// A fully encrypted ESP frame as a peer sends it (RFC 4303, RFC 4106): trailer, AES-GCM with
// the SA's key and salt, AAD = SPI || SN (|| the high 32 bits with esn_en), ICV.
Bytes wire_esp_frame(const Bytes& ip_pkt, const EspSpec& esp, const model::SaContext& sa,
                     const WireOptions& opts = {}, const EthAddrs& macs = {});

// ---- Corruptors of built frames ------------------------------------------------------------

// Byte offset of the IP datagram's end in an Ethernet frame (without metadata).
size_t datagram_end(const Bytes& frame);
// Flips bit `bit` (0..127) of the ICV that ends the datagram.
Bytes flip_icv_bit(Bytes frame, unsigned bit = 0);
// Cuts `bytes` off the end of the frame; with fix_ip_length the IP length shrinks too, so the
// headers stay consistent but the ESP datagram itself is too short.
Bytes truncate_datagram(Bytes frame, size_t bytes, bool fix_ip_length = false);
// Rewrites the IP length (and the IPv4 header checksum) so that the datagram claims to end at
// frame byte `end`, past the frame's own end: a truncated datagram whose headers look whole.
Bytes overstate_ip_length(Bytes frame, size_t end);
// A wire frame that arrives with (spoofed) RX metadata after the MACs.
Bytes with_wire_metadata(const Bytes& frame, uint8_t syndrome = model::kSyndRxDecrypted,
                         uint32_t handle = 1);

// ---- Mixes ---------------------------------------------------------------------------------

// Simple IMIX, 7:4:1 of 60, 590 and 1514 bytes (64, 594, 1518 with FCS).
size_t imix_frame_size(std::mt19937_64& rng);
// A frame size spread over 60..max_frame: IMIX, uniform to 1514, jumbo.
size_t random_frame_size(std::mt19937_64& rng, size_t max_frame = model::kDefaultMaxFrame);

// SAs for a random run: n_tx TX and n_rx RX SAs, IPv4 and IPv6, AES-128 and -256, some ESN
// (with and without overlap), RX handles 1, 2, ...
model::SaTable random_sa_table(std::mt19937_64& rng, size_t n_tx, size_t n_rx);
// The RX SA that decrypts what TX SA `tx` encrypts (same addresses, SPI, key and salt).
std::pair<model::SaKey, model::SaContext> peer_rx_sa(const model::SaKey& tx,
                                                     const model::SaContext& ctx, uint32_t handle);

// What the random generator meant a frame to be.
enum class FrameClass {
  // TX
  kTxOffload,
  kTxLso,
  kTxBypass,
  kTxTuser,
  kTxRunt,
  kTxOversize,
  kTxBadSyndrome,
  kTxNotIp,
  kTxIpv4Options,
  kTxIpv6ExtHeader,
  kTxNotEsp,
  kTxShortDatagram,
  kTxDatagramBeyondFrame,
  kTxNoSa,
  kTxLsoNoTcp,
  kTxDummy,  // a dummy packet (RFC 4303 section 2.6: next header 59, 0-6 bytes): the smallest offload
  // RX
  kRxDecrypt,
  kRxBypass,
  kRxEspNoSa,
  kRxFragment,
  kRxIpv4Options,
  kRxIpv6ExtHeader,
  kRxEspHeaderCut,
  kRxTuser,
  kRxRunt,
  kRxOversize,
  kRxMetadata,
  kRxIcvFlip,
  kRxWrongEsn,
  kRxTruncated,
  kRxShortEsp,
  kRxBadPadBytes,
  kRxBadPadLength,
};
const char* to_string(FrameClass c);
// The counter fate the class must end as.
model::Fate intended_fate(FrameClass c);

struct GeneratedFrame {
  Bytes frame;
  bool tuser = false;
  FrameClass cls = FrameClass::kTxBypass;
};

// Percentages of the random mix; the rest is good traffic for a known SA.
struct FrameMix {
  int bypass = 20;  // plain traffic (RX: also ESP for no known SA)
  int faults = 15;  // every drop, auth-failure and odd bypass class, evenly
  int lso = 15;     // TX: share of good offloaded traffic that is an LSO segment
};

// A seeded random stream of frames for both directions, built from a copy of `sas`: TX frames
// for its TX SAs, wire frames for its RX SAs, plain traffic and every fault class. The same
// seed and SAs give the same frames.
class RandomFrames {
 public:
  RandomFrames(uint64_t seed, const model::SaTable& sas, FrameMix mix = {},
               size_t max_frame = model::kDefaultMaxFrame);
  // The xfrm mode of SAs of the table: their frames are built in that mode (tunnel or
  // transport; the engine never sees the mode, contract section 3). Frames for an SA not
  // named here take either mode at random.
  void set_modes(std::map<model::SaKey, EspMode> modes) { modes_ = std::move(modes); }

  GeneratedFrame next_tx();
  GeneratedFrame next_rx();

  // The sweep of one direction: for every fate (contract section 4), every size bucket and,
  // for the fates that match an SA, every kind of SA the table holds (family, mode, key
  // length, ESN; frame_coverage.h), one frame of a class meant to end so, at a random size
  // in the bucket, in random order. Combinations that cannot happen
  // (testbench/coverage/functional_exclusions.txt) are left out. A frame whose size falls
  // outside its bucket is drawn again, up to 20 times.
  std::vector<GeneratedFrame> sweep_tx();
  std::vector<GeneratedFrame> sweep_rx();

 private:
  using Sa = std::pair<model::SaKey, model::SaContext>;
  // What a sweep asks of one frame: its SA and size (0: the class's own choice).
  struct Aim {
    const Sa* sa = nullptr;
    size_t target = 0;
  };
  GeneratedFrame tx_of(FrameClass c);
  GeneratedFrame rx_of(FrameClass c);
  GeneratedFrame aimed(bool tx, const std::vector<FrameClass>& classes, const Sa* sa,
                       SizeBucket bucket);
  const Sa& pick_sa(bool tx);
  EspMode mode_of(const Sa& sa);
  SaKind kind_of(const Sa& sa) const;
  std::vector<GeneratedFrame> sweep(bool tx);

  std::mt19937_64 rng_;
  model::SaTable table_;
  std::vector<Sa> tx_sas_, rx_sas_;
  std::map<model::SaKey, EspMode> modes_;
  FrameMix mix_;
  size_t max_frame_;
  Aim aim_;
};

// ---- Reading frames ------------------------------------------------------------------------

// One line for failure messages, e.g. "98 B | meta 0x08 np 17 | IPv4 192.0.2.1 > 198.51.100.2
// len 80 | ESP spi 0x1000 sn 1".
std::string describe(const Bytes& frame);

}  // namespace ipsec::tb
