// A packet-offload SA's own state (packet sections P2-P6): what ADD_SA_PKT configured, and
// what the engine keeps and changes per packet: the sequence number, the replay window, the
// lifetime counts, the per-SA counters and which events have fired. It lives in the control
// model's SA table entry (ctrl_model.h, SaEntry::pkt); the datapath (esp_packet.h) changes it.
//
// The replay window and the ESN inference are written from RFC 4303 (section 3.4.3 and
// Appendix A), on their own: they share nothing with the driver's software replay code.
//
// Decisions where the contract says nothing:
// - The window is a bitmap whose bit i stands for sequence number right_edge - i; only bits
//   0..W-1 (W = replay_words * 32) are ever consulted. A number more than W-1 below the right
//   edge is "too old" (replay_window); one inside the window whose bit is set is a duplicate
//   (replay). A number above the right edge is new; advancing to it shifts the bitmap, and a
//   jump of W or more clears it (RFC 4303 Appendix A1).
// - With ESN the high half is inferred as RFC 4303 Appendix A2.2 does, from the right edge T
//   and W, in 32-bit arithmetic as its pseudo-code and Linux's xfrm_replay_seqhi compute it.
//   When the window spans the 2^32 boundary of T's subspace and T's high half is 0, a low
//   half at the top of the space gives Th - 1 = 2^32 - 1: the number is far ahead, passes
//   the check, and its ICV fails (integrity_failed), as in Linux; no sender's number can be
//   there. A number left of the window's bottom is likewise inferred into the next
//   subspace (A2.2), so with ESN "too old" is not reached by a genuine old number: its ICV
//   fails instead.
// - Sequence number 0 (the 64-bit number with ESN) is never sent (RFC 4303 section 3.3.3):
//   dropped in dec_drop only. With replay_words 0 there is no check of any kind, as Linux's
//   xfrm_replay_check_* returns first when the window is 0: sequence number 0 is taken then,
//   and the SA keeps no window state (the right edge stays as ADD_SA_PKT set it).
//   An RX ESN SA needs a window to infer the high half, so ADD_SA_PKT refuses ESN with
//   replay_words 0 (ctrl_model.cpp), as Linux's xfrm_init_replay refuses an inbound ESN
//   state with a zero window.
// - Limits (P3, P4): a limit L allows L packets (or L bytes). A packet that would take the
//   count past a hard limit is dropped and raises that hard event; the packet that takes the
//   count past a soft limit raises the soft event and passes. This matches Linux's
//   xfrm_state_check_expire for packets (checked before counting: the (L+1)th sees L >= L);
//   for bytes Linux sends the packet that crosses the hard limit and drops the next, the
//   contract drops the crossing one, and so does this model. When two limits would be passed
//   by one packet, both events are raised, bytes first.
// - A hard event (hard bytes, hard packets or seq exhausted) ends the SA: every later packet
//   of it is dropped (TX enc_drop, RX dec_drop) until DEL_SA_V2 removes it, as Linux expires
//   the state on the hard limit. After exhaustion those drops also count in seq_exhausted
//   (P3: "every later packet for it is dropped likewise").
#pragma once

#include <bitset>
#include <cstdint>
#include <vector>

#include "packet_contract.h"

namespace ipsec::model {

// What ADD_SA_PKT configured (P2).
struct PacketSaConfig {
  bool tunnel = false;
  uint32_t replay_words = 0;  // RX: the window is replay_words * 32 bits; 0: no replay check
  uint64_t soft_bytes = pkt::kNoLimit, hard_bytes = pkt::kNoLimit;
  uint64_t soft_packets = pkt::kNoLimit, hard_packets = pkt::kNoLimit;
  uint8_t ttl = 0;           // tunnel, TX
  uint8_t dscp_ecn = 0;      // tunnel, TX
  uint8_t tunnel_flags = 0;  // tunnel, TX: pkt::kTunnelCopyDscp, pkt::kTunnelCopyDf
  uint32_t flow_label = 0;   // tunnel, TX, IPv6 outer

  uint32_t window_bits() const { return replay_words * 32; }
};

// The per-SA counters of P5, all 64 bits, cleared when the SA is added.
struct PacketSaCounters {
  uint64_t packets = 0;           // TX sent, RX delivered
  uint64_t bytes = 0;             // TX: the IP packet as the host sent it; RX: as delivered
  uint64_t replay_window = 0;     // RX: drops left of the window
  uint64_t replay = 0;            // RX: drops of a number seen before
  uint64_t integrity_failed = 0;  // RX: ICV failures
  uint64_t seq_exhausted = 0;     // TX: drops at exhaustion
};

// The outcome of a replay check (RFC 4303 section 3.4.3).
enum class ReplayVerdict { kOk, kTooOld, kDuplicate, kZero };

struct PacketSa {
  uint16_t index = 0;  // the SA's table index (ADD_SA_PKT response word 2)
  PacketSaConfig cfg;
  // TX: the sequence number of the next packet (64 bits; without ESN it stays below 2^32
  // while the SA sends). RX: the highest sequence number received, the window's right edge.
  uint64_t seq = 0;
  bool seq_wrapped = false;  // TX with ESN: the counter passed 2^64 - 1
  std::bitset<pkt::kMaxReplayBits> window;  // RX: bit i is right edge - i, received
  PacketSaCounters counters;
  uint8_t fired = 0;  // bit k: event kind k has been raised
  bool dead = false;  // a hard event fired: every later packet is dropped

  bool has_fired(pkt::EventKind k) const { return fired >> static_cast<unsigned>(k) & 1u; }
  // Marks `k` fired; true the first time only.
  bool fire(pkt::EventKind k);

  // P3, P4 (the limits above): whether one more packet of `len` bytes would pass a hard limit.
  // When it would, appends to `raised` the hard events of the limits it passes (bytes first,
  // each the first time only) and ends the SA.
  bool hard_limit(uint64_t len, std::vector<pkt::EventKind>& raised);
  // Counts a packet sent or delivered and appends the soft events it crosses (bytes first,
  // each the first time only).
  void count(uint64_t len, std::vector<pkt::EventKind>& raised);

  // RX: the full sequence number of a received low half (RFC 4303 Appendix A2.2 with ESN;
  // the low half itself without).
  uint64_t infer(uint32_t sn_lo, bool esn) const;
  // RX: the check made before the ICV and again after it (P4 steps 1 and 3).
  ReplayVerdict check(uint64_t sn) const;
  // RX: records `sn` as received, moving the right edge when it is ahead (P4 step 3).
  void advance(uint64_t sn);
};

}  // namespace ipsec::model
