// The datapath of full packet offload (docs/packet_offload.md, packet sections P3, P4, P6):
// for a frame of a packet-offload SA, the frame that leaves, the counters that move, the SA
// state that changes and the events it raises. Written from the contract and RFC 4303/4106,
// not from the RTL. The crypto-offload rules (esp_model.h) are untouched; EngineModel picks
// these functions for syndrome-0x0A TX frames and for RX frames that match a packet SA.
//
// Decisions where the packet contract says nothing (sections are the packet contract's):
// - TX input (P3): the frame is {MACs, metadata 0x8CE4 0x0A index(2) handle_lo(2) reserved(1),
//   EtherType, IP packet}. The reserved byte is ignored. Frames with tuser set, runts and
//   frames over max_frame are dropped before classification (enc_drop, not enc_in), as for
//   crypto frames; every other 0x0A frame counts in enc_in. Ethernet padding after the IP
//   packet (by its length field) is discarded.
// - TX, which frames are refused (enc_drop, no sequence number taken): the index holds no TX
//   packet SA or one whose handle's low 16 bits differ; the EtherType is not IPv4 or IPv6 or
//   disagrees with the header's version; the IP length field is below the header or beyond
//   the frame. Transport mode also refuses: a family other than the SA's, IPv4 with options
//   (IHL != 5), an IPv4 fragment (MF or an offset: ESP is applied before fragmentation, RFC
//   4303 section 3.3.4), and IPv6 whose next header is an extension header (IANA's list:
//   0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254). Tunnel mode takes any inner IPv4 (IHL
//   >= 5, options and fragments included) or IPv6 packet. A transport packet's addresses
//   are not compared with the SA's: the index names the SA.
// - TX order of checks: frame, SA, packet, then exhaustion (P3), then hard limits, then the
//   sequence number is taken. A dead SA (ctrl: packet_sa.h) drops before the packet is parsed.
// - TX tunnel outer header (P2): IPv4: version 4, IHL 5, TOS the image's DSCP/ECN byte or,
//   with "copy DSCP", the inner TOS / traffic class whole (DSCP and ECN: RFC 6040's normal
//   mode copies ECN, CE included), identification the low 16 bits of the sequence number
//   (unique per SA for 2^16 packets, RFC 6864 section 4.1 asks no more of a source), DF set
//   unless "copy DF" and the inner packet is IPv4 (then the inner DF; an inner IPv6 packet
//   sets DF), offset 0, TTL from the image, protocol 50, checksum. IPv6: version 6, traffic
//   class as TOS above, flow label from the image, hop limit from the image, next header 50.
//   Addresses: the SA's SIP and DIP. The inner packet is not changed (no TTL decrement).
// - TX output: {MACs, EtherType of the outer family, IP header, ESP header, IV, ciphertext,
//   ICV}, no metadata and no padding to 60 bytes, as the crypto-offload TX output. It may
//   exceed max_frame (by up to 69 bytes: IPv6 outer header and ESP overhead less metadata).
// - TX bytes (P3): the IP packet's length field as the host sent it (IPv4 total length,
//   IPv6 40 + payload length), Ethernet header and metadata not included.
// - RX (P4): frames are matched as in contract section 7 (IPv4 without options and not a
//   fragment, protocol 50; IPv6 with next header 50); the SA's mode does not change that.
//   A frame of a packet SA is counted in dec_in. A datagram beyond the frame or with fewer
//   than 2 ciphertext bytes is dec_drop. fwd_bad_frames and NO_TRAILER apply only to crypto
//   SAs: a packet SA's bad frames are dropped, its good ones always decapsulated.
// - RX after the ICV: a trailer whose padding is not 1, 2, ... (RFC 4303 section 2.4) is
//   dec_drop; tunnel mode: a next header other than 4 or 41, or an inner packet whose
//   version disagrees or whose length field is below its header or beyond the payload is
//   dec_drop. Those drops do not move the window (Linux's xfrm_input drops them before
//   recheck and advance) and count in none of the SA's counters. An inner packet shorter
//   than the payload is delivered without the rest (TFC padding, RFC 4303 section 2.7).
// - RX hard limits are checked at delivery, after the recheck: a frame that would pass one
//   is dropped (dec_drop), does not move the window, and raises the hard event.
// - RX delivery (P4): {MACs, 0x8CE4 0x13 nexthdr handle(4), EtherType, packet}; transport:
//   the original EtherType and IP header with protocol / next header, length and (IPv4)
//   checksum rewritten, TTL and the rest unchanged; tunnel: the inner family's EtherType and
//   the inner packet as it was sent. No padding to 60 bytes.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "ctrl_model.h"
#include "esp_model.h"

namespace ipsec::model {

// The SA table entry at a table index (TX, by the 0x0A metadata), or nullptr.
using SaByIndex = std::function<SaEntry*(uint16_t index)>;

// True for a frame the engine hands to tx_packet: metadata with syndrome 0x0A (P3).
bool is_packet_tx_frame(const Bytes& frame);

// Host -> wire for a syndrome-0x0A frame. Moves enc_in and exactly one of enc_out,
// enc_drop as tx() does; changes the SA's sequence number, counters and events.
FrameResult tx_packet(const Bytes& frame, bool tuser, const SaByIndex& sa_at,
                      const DatapathControl& ctl, DatapathCounters& counters);

// An RX frame that is ESP for some key by contract section 7's rules, with where its parts lie.
struct RxEspFrame {
  SaKey key;
  size_t ip_hdr = 0;    // bytes of the outer IP header
  size_t datagram = 0;  // the outer IP length field, header included
};
// The ESP candidate of contract section 7, or nothing for a frame rx() would drop before
// classification or bypass without a lookup.
std::optional<RxEspFrame> rx_esp_frame(const Bytes& frame, bool tuser, const DatapathControl& ctl);

// RX in the two steps of P4: `rx_packet_verify` (replay check, ICV, decapsulation) and
// `rx_packet_commit` (recheck, limits, window advance, delivery). Between them other frames of
// the same SA may commit, as frames ahead in the pipe do.
struct RxPacketPending {
  FrameResult result;  // the frame's end when verify already decided it
  bool pending = false;
  SaEntry* sa = nullptr;
  uint64_t sn = 0;
  Bytes out;
  uint64_t delivered_bytes = 0;
};
RxPacketPending rx_packet_verify(const Bytes& frame, const RxEspFrame& esp, SaEntry& sa,
                                 DatapathCounters& counters);
FrameResult rx_packet_commit(RxPacketPending pending, DatapathCounters& counters);

}  // namespace ipsec::model
