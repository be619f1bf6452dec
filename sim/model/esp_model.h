// The engine's frame datapath at transaction level: for each frame that enters a port, the
// frame that leaves (if any) and the counters that move. Written from the contract, not from
// the RTL; the RTL is checked against it frame by frame and counter by counter.
//
// Decisions where the contract says "inferred" or says nothing (sections cited are the
// contract's, docs: innova-contract):
// - Frames shorter than 60 bytes (the Ethernet minimum without FCS), longer than max_frame,
//   or with tuser set are dropped before classification and count only in the drop counter
//   of their direction (section 4). The output of an accepted TX frame may exceed max_frame
//   by up to 13 bytes (pad + trailer + ICV - metadata).
// - SA match key: (direction, IPv6, SIP, DIP, SPI) (section 3, inferred), from the outer IP
//   header. IPv4 addresses occupy bytes 12..15 of the 16, as in the SA image. The key type
//   is the control-plane model's SaKey, so both models look SAs up by the same key.
// - TX (section 6): IPv4 options and IPv6 extension headers are never offloaded (enc_drop),
//   as offload_ok never hands such packets to the device. The 64-bit sequence number is the
//   IV field; the ESP sequence field the host wrote is ignored and rewritten with its low 32
//   bits. Ethernet padding after the IP datagram is discarded. The IPv4 header checksum is
//   computed afresh (RFC 791), not adjusted.
// - TX LSO (section 6): the TCP header is found from esp_next_proto: at 0 for 6, after the
//   inner IPv4 header for 4 (version 4, IHL >= 5, protocol 6), after the 40-byte inner IPv6
//   header for 41 (version 6, next header 6); anything else, or a TCP header whose 20 bytes
//   do not fit in the payload, is enc_drop. index = ((tcp_seq_lo16 - meta.seq) mod 2^16 *
//   mss_inv + 2^15) >> 16, added to the 64-bit sequence number.
// - RX (section 7): ESP candidates are IPv4 without options and not a fragment, protocol 50,
//   or IPv6 with next header 50 directly after the fixed header; the ESP header (8 bytes)
//   must lie within the frame. Anything else bypasses, as does ESP for no RX SA.
// - RX ESN (section 7, RFC 4303 appendix A): SN_hi = esn_hi when !esn_overlap; when
//   esn_overlap, esn_hi for SN_lo >= 2^31 and esn_hi + 1 for SN_lo < 2^31.
// - RX, matched SA (dec_in): a datagram not contained in the frame or with fewer than 2
//   ciphertext bytes is dec_drop (with fwd_bad_frames: forwarded undecrypted, syndrome 0x17,
//   the whole original frame after the metadata). An ICV mismatch is dec_auth_fail (with
//   fwd_bad_frames: syndrome 0x12, default layout, plaintext in place, nexthdr 0). A trailer
//   whose pad length exceeds the data or whose pad bytes are not 1, 2, ... (RFC 4303 section
//   2.4) is dec_drop (with fwd_bad_frames: syndrome 0x17, default layout, nexthdr 0).
// - RX output: metadata {0x8CE4, syndrome, nexthdr, sw_sa_handle be32} then the original
//   EtherType (section 5); nexthdr is reported in both trailer modes for a good frame.
//   Ethernet padding after the datagram is not forwarded.
//
// Full packet offload (docs/packet_offload.md) is esp_packet.h's: these functions are the
// Innova's crypto offload and do not change with it. They never see a packet SA (EngineModel
// looks packet SAs up apart), and FrameResult::events stays empty for them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aes_gcm.h"
#include "ctrl_model.h"  // SaKey

namespace ipsec::model {

// ---- Contract constants ------------------------------------------------------------------
inline constexpr uint16_t kEthertypeMeta = 0x8CE4;  // in-band metadata (section 5)
inline constexpr uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr uint16_t kEthertypeIpv6 = 0x86DD;
inline constexpr uint8_t kIpProtoEsp = 50;

// Metadata syndromes (section 5).
inline constexpr uint8_t kSyndTxOffload = 0x08;
inline constexpr uint8_t kSyndTxLso = 0x09;
inline constexpr uint8_t kSyndRxDecrypted = 0x11;
inline constexpr uint8_t kSyndRxAuthFailed = 0x12;
inline constexpr uint8_t kSyndRxBadProto = 0x17;

inline constexpr size_t kMacBytes = 12;  // destination and source MAC
inline constexpr size_t kEthHeaderBytes = 14;
inline constexpr size_t kMetaBytes = 8;       // 0x8CE4, syndrome, 5 bytes of content
inline constexpr size_t kMinFrameBytes = 60;  // Ethernet minimum without FCS
inline constexpr size_t kDefaultMaxFrame = 9216;
inline constexpr size_t kEspHeaderBytes = 8;  // SPI, sequence number (RFC 4303 section 2)
inline constexpr size_t kEspIvBytes = 8;      // RFC 4106 section 3
inline constexpr size_t kIcvBytes = 16;
inline constexpr size_t kIpv4HeaderBytes = 20;
inline constexpr size_t kIpv6HeaderBytes = 40;

// ---- SAs as the datapath sees them -------------------------------------------------------
// SaKey (ctrl_model.h): tx (DIR_SX), ipv6, sip, dip, spi; ordered.
using Address = std::array<uint8_t, 16>;  // IPv6, or IPv4 in bytes 12..15 with the rest zero

struct SaContext {
  std::array<uint8_t, 32> key{};  // AES-128 uses key[0..15]
  bool key256 = false;
  uint32_t salt = 0;    // RFC 4106 salt: the first 4 bytes of the nonce
  uint32_t handle = 0;  // sw_sa_handle, echoed in RX metadata
  bool esn_en = false;
  bool esn_overlap = false;
  uint32_t esn_hi = 0;
};

using SaLookup = std::function<std::optional<SaContext>(const SaKey&)>;
using SaTable = std::map<SaKey, SaContext>;

// A lookup into `table`, which must outlive it.
SaLookup lookup_in(const SaTable& table);

// ---- Control, counters, results ------------------------------------------------------------
struct DatapathControl {
  bool no_trailer = false;      // RX: remove trailer and ICV (SET_CAP NO_TRAILER)
  bool fwd_bad_frames = false;  // RX debug: forward auth failures (0x12) and bad frames (0x17)
  size_t max_frame = kDefaultMaxFrame;  // largest frame accepted, bytes (at most 65535)
};

// The nine datapath counters of contract section 4 (the SA command counters live elsewhere).
struct DatapathCounters {
  uint64_t dec_in = 0, dec_out = 0, dec_bypass = 0;
  uint64_t enc_in = 0, enc_out = 0, enc_bypass = 0;
  uint64_t dec_drop = 0, dec_auth_fail = 0, enc_drop = 0;
};
bool operator==(const DatapathCounters& a, const DatapathCounters& b);
inline bool operator!=(const DatapathCounters& a, const DatapathCounters& b) { return !(a == b); }
std::string to_string(const DatapathCounters& c);

// How a frame ended, for the counters; whether it was forwarded is FrameResult::out.
enum class Fate { kOut, kBypass, kDrop, kAuthFail };
const char* to_string(Fate f);

struct FrameResult {
  Fate fate = Fate::kDrop;
  std::optional<Bytes> out;  // the frame that leaves the engine, if any
  std::string why;           // a short reason, for failure messages
  // The SA the frame matched, if the lookup found one (RX: the frames dec_in counts; TX: the
  // frames whose lookup hit, encrypted or dropped after it). Functional coverage reads it.
  std::optional<SaKey> sa;
  // Packet offload (esp_packet.h): the events this frame raised, in order (packet section P6).
  std::vector<PacketEvent> events;
};

// Host -> wire (contract section 6). Increments exactly one of enc_out, enc_bypass,
// enc_drop, and enc_in for every frame carrying metadata that passed the length checks.
FrameResult tx(const Bytes& frame, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
               DatapathCounters& counters);

// Wire -> host (contract section 7). Increments exactly one of dec_out, dec_bypass,
// dec_drop, dec_auth_fail, and dec_in for every frame that matched an RX SA.
FrameResult rx(const Bytes& frame, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
               DatapathCounters& counters);

// ---- Pieces of the rules, exposed for tests and the scoreboard -----------------------------

// The LSO segment index of contract section 6, rounded to the nearest integer.
uint32_t lso_segment_index(uint16_t tcp_seq_lo16, uint16_t meta_seq, uint16_t mss_inv);

// The high 32 bits of an RX sequence number (RFC 4303 appendix A as the contract infers it).
uint32_t rx_esn_high(const SaContext& sa, uint32_t sn_lo);

// RFC 791 header checksum of an IPv4 header (with its checksum field taken as zero).
uint16_t ipv4_header_checksum(const uint8_t* header, size_t len);

}  // namespace ipsec::model
