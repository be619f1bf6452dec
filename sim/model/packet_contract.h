// The constants of full packet offload (docs/packet_offload.md, "packet section Pn"), restated
// here once for the reference model and nowhere else in it. They are read from the contract,
// not from the driver or the RTL, so a mistake in either cannot hide in both.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ipsec::model::pkt {

// ---- P1: capability -------------------------------------------------------------------------
inline constexpr uint32_t kCapFlagsPktOffload = 1u << 16;  // CAP_FLAGS bit 16, PKT_OFFLOAD
inline constexpr uint32_t kCapPktOffset = 0x018;           // CAP_PKT, ro
inline constexpr uint32_t kMaxReplayBits = 1024;           // CAP_PKT bits 15:0
inline constexpr uint32_t kMaxReplayWords = kMaxReplayBits / 32;

// ---- P2: ADD_SA_PKT -------------------------------------------------------------------------
inline constexpr uint32_t kOpAddSaPkt = 6;
inline constexpr size_t kLenAddSaPkt = 208;     // the doorbell's LEN, and the window's size
inline constexpr size_t kOffMode = 0x94;        // 0 transport, 1 tunnel
inline constexpr size_t kOffReplayWords = 0x95;  // RX window in 32-bit words, 0..32
inline constexpr size_t kOffSeq = 0x98;          // be64
inline constexpr size_t kOffSoftBytes = 0xA0;    // be64, all ones for none (XFRM_INF)
inline constexpr size_t kOffHardBytes = 0xA8;
inline constexpr size_t kOffSoftPackets = 0xB0;
inline constexpr size_t kOffHardPackets = 0xB8;
inline constexpr size_t kOffTtl = 0xC0;          // tunnel, TX: outer TTL / hop limit
inline constexpr size_t kOffDscpEcn = 0xC1;      // tunnel, TX: outer DSCP and ECN byte
inline constexpr size_t kOffTunnelFlags = 0xC2;  // tunnel, TX: bit 0 copy DSCP, bit 1 copy DF
inline constexpr size_t kOffFlowLabel = 0xC4;    // tunnel, TX, IPv6: be32, bits 19:0
// Reserved bytes of the image: ILLEGAL_REQUEST when non-zero.
inline constexpr size_t kReservedBytes[] = {0x96, 0x97, 0xC3, 0xC8, 0xC9, 0xCA,
                                            0xCB, 0xCC, 0xCD, 0xCE, 0xCF};
inline constexpr uint8_t kModeTransport = 0;
inline constexpr uint8_t kModeTunnel = 1;
inline constexpr uint8_t kTunnelCopyDscp = 0x01;  // DSCP (and ECN, RFC 6040 normal mode)
inline constexpr uint8_t kTunnelCopyDf = 0x02;    // IPv4 outer: DF from the inner header
inline constexpr uint32_t kFlowLabelMask = 0xFFFFF;
inline constexpr uint64_t kNoLimit = ~uint64_t{0};  // XFRM_INF
// Response word 2, bits 15:0: the SA's table index.
inline constexpr uint32_t kRspIndexMask = 0xFFFF;

// ---- P3, P4: metadata syndromes ---------------------------------------------------------------
inline constexpr uint8_t kSyndTxPktOffload = 0x0A;  // bytes 3-4 index, 5-6 handle low 16 bits
inline constexpr uint8_t kSyndRxPktDecap = 0x13;    // byte 3 next header, bytes 4-7 handle

// ---- P5: per-SA counters ----------------------------------------------------------------------
inline constexpr uint32_t kPktStatsIndexOffset = 0x080;  // wo: bits 15:0 the SA's index
inline constexpr uint32_t kPktStatsWord0Offset = 0x0A0;  // ro, PKT_STATS_WORD0..9
inline constexpr size_t kPktStatsWords = 10;

// ---- P6: events -------------------------------------------------------------------------------
inline constexpr uint32_t kIntrEventReadyMask = 1u << 1;  // INTR_STATUS / INTR_ENABLE bit 1
inline constexpr uint32_t kEvtWord0Offset = 0x084;        // ro: 7:0 kind, 31:16 SA index
inline constexpr uint32_t kEvtWord1Offset = 0x088;        // ro: the SA's handle
inline constexpr uint32_t kEvtPopOffset = 0x08C;          // wo: drops the head
inline constexpr uint32_t kEvtDropOffset = 0x278;         // ro, 64 bits, low word first
inline constexpr size_t kEventQueueDepth = 16;

enum class EventKind : uint8_t {
  kSoftBytes = 1,
  kSoftPackets = 2,
  kHardBytes = 3,
  kHardPackets = 4,
  kSeqExhausted = 5,
};

}  // namespace ipsec::model::pkt
