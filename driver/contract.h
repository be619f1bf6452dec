// The hardware/software contract of the Innova IPsec adapter, as the driver uses it: SA
// command opcodes and image layout, response syndromes, capability bits, in-band metadata
// and the ethtool counter names. Each constant appears here once, with the contract section
// it comes from ("contract section N", see docs/architecture.md) and the mlx5 name where
// there is one. Register addresses are not here: driver/generated/ipsec_regs.h has them.
// Full packet offload, beyond the Innova, has a contract of its own: docs/packet_offload.md
// ("packet section Pn"); its constants are the last part of this file, with its register
// addresses (the register description gains them with the RTL that implements them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ipsec::driver {

// ---- Section 3: SA commands ------------------------------------------------------------

// be32 at offset 0 of every command (mlx5_fpga_ipsec_cmd_op).
enum class SaOpcode : uint32_t {
  kAddSa = 0,    // 132-byte v1 image
  kDelSa = 1,    // 132-byte v1 image
  kAddSaV2 = 2,  // 148-byte image
  kDelSaV2 = 3,  // 148-byte image
  kModSaV2 = 4,  // 148-byte image
  kSetCap = 5,   // 32 bytes
  kAddSaPkt = 6,  // 208-byte image, packet offload (packet section P2)
};

// "ADD_SA_V2"; "OPCODE_0x00000009" for a value the contract does not name.
std::string opcode_name(uint32_t opcode);
inline std::string opcode_name(SaOpcode op) { return opcode_name(static_cast<uint32_t>(op)); }

// Command lengths in bytes (section 3).
inline constexpr size_t kSaImageV1Bytes = 132;
inline constexpr size_t kSaImageV2Bytes = 148;
inline constexpr size_t kSetCapBytes = 32;
inline constexpr size_t kResponseBytes = 32;

// The length a command with this opcode has; 0 for an opcode the contract does not name.
size_t command_length(SaOpcode op);

// SA image layout (section 3 table): byte offsets and sizes. All multi-byte fields are
// big-endian.
namespace sa_image {
inline constexpr size_t kCmd = 0x00;          // 4: opcode
inline constexpr size_t kKeyEnc = 0x04;       // 32: AES key; a 128-bit key is written twice
inline constexpr size_t kKeyEncBytes = 32;
inline constexpr size_t kKeyAuth = 0x24;      // 32: zero (GCM authenticates)
inline constexpr size_t kKeyAuthBytes = 32;
inline constexpr size_t kSip = 0x44;          // 16: IPv6, or IPv4 in the last word
inline constexpr size_t kDip = 0x54;          // 16: same rule
inline constexpr size_t kAddrBytes = 16;
inline constexpr size_t kIpv4InAddr = 12;     // IPv4 sits at byte 12 of the 16 (0x50, 0x60)
inline constexpr size_t kSaltIv = 0x68;       // 8: seqiv salt
inline constexpr size_t kSaltIvBytes = 8;
inline constexpr size_t kSalt = 0x70;         // 4: RFC 4106 salt
inline constexpr size_t kSaltBytes = 4;
inline constexpr size_t kSpi = 0x74;          // 4
inline constexpr size_t kSwSaHandle = 0x78;   // 4: echoed in the response, RX metadata
inline constexpr size_t kTfcLen = 0x7C;       // 2: 0
inline constexpr size_t kEncMode = 0x7E;      // 1: EncMode
inline constexpr size_t kFlags = 0x81;        // 1: kSaFlag*
inline constexpr size_t kUdpSp = 0x84;        // 2: 0 (V2 fields from here)
inline constexpr size_t kUdpDp = 0x86;        // 2: 0
inline constexpr size_t kEsn = 0x8C;          // 4: ESN high 32 bits when ESN_EN
inline constexpr size_t kVid = 0x90;          // 2: 0
// Reserved, zero.
inline constexpr size_t kReserved64 = 0x64;   // 4
inline constexpr size_t kReserved7F = 0x7F;   // 2
inline constexpr size_t kReserved82 = 0x82;   // 2
inline constexpr size_t kReserved88 = 0x88;   // 4
inline constexpr size_t kReserved92 = 0x92;   // 2
}  // namespace sa_image

// enc_mode byte (section 3).
enum class EncMode : uint8_t {
  kNone = 0,
  kAesGcm128 = 1,  // AES-GCM-128, ICV 128
  kAesGcm256 = 3,  // AES-GCM-256, ICV 128
};

// flags byte (section 3, mlx5_fpga_ipsec_sa_flags).
inline constexpr uint8_t kSaFlagEsnEn = 0x01;
inline constexpr uint8_t kSaFlagEsnOverlap = 0x02;
inline constexpr uint8_t kSaFlagIpv6 = 0x04;
inline constexpr uint8_t kSaFlagDirSx = 0x08;  // set: TX (encrypt) SA
inline constexpr uint8_t kSaFlagSpiEn = 0x10;
inline constexpr uint8_t kSaFlagSaValid = 0x20;
inline constexpr uint8_t kSaFlagIpEsp = 0x40;
// SPI_EN, SA_VALID and IP_ESP are always set.
inline constexpr uint8_t kSaFlagsAlways = kSaFlagSpiEn | kSaFlagSaValid | kSaFlagIpEsp;

// SET_CAP (section 3; mlx5_ifc_fpga_ipsec_cmd_cap): opcode at 0, flags be32 at 4 (inferred:
// the contract names the flags but not their offset; mlx5 puts them right after the
// opcode), the rest zero.
inline constexpr size_t kSetCapFlagsOffset = 4;
inline constexpr uint32_t kSetCapNoTrailer = 0x1;  // bit 0

// Response (section 3): 32 bytes.
inline constexpr size_t kResponseSyndromeOffset = 0;  // be32
inline constexpr size_t kResponseEchoOffset = 4;      // be32: sw_sa_handle or granted flags

enum class Syndrome : uint32_t {
  kSuccess = 0,
  kIllegalRequest = 1,      // -> -EINVAL
  kSadbIssue = 2,           // duplicate SA, full table, unknown SA -> -EEXIST
  kWriteResponseIssue = 3,  // -> -EIO
};

// 0, -EINVAL, -EEXIST, -EIO; any other syndrome is -EIO (section 3, syndrome_to_errno).
int syndrome_to_errno(uint32_t syndrome);
// "SUCCESS", "ILLEGAL_REQUEST", ..., "SYNDROME_0x00000007".
std::string syndrome_name(uint32_t syndrome);

// ---- Section 2: identity and IPsec extended capabilities --------------------------------

inline constexpr uint32_t kVendorIdMellanox = 0x2c9;  // MLX5_FPGA_CAP_SANDBOX_VENDOR_ID_MLNX
inline constexpr uint32_t kProductIdIpsec = 2;        // MLX5_FPGA_CAP_SANDBOX_PRODUCT_ID_IPSEC

inline constexpr size_t kCapBytes = 32;
namespace cap {
inline constexpr size_t kFlagsWord = 0x04;  // byte offset of the flags word
inline constexpr unsigned kBitV2Command = 13;
inline constexpr unsigned kBitUdpEncap = 12;
inline constexpr unsigned kBitRxNoTrailer = 11;
inline constexpr unsigned kBitIpv6 = 9;
inline constexpr unsigned kBitEsn = 8;
inline constexpr unsigned kBitLso = 7;
inline constexpr unsigned kBitEsp = 2;
inline constexpr size_t kSaWord = 0x10;                 // 15:0 number of SA entries
inline constexpr size_t kCountersWord = 0x14;           // 15:0 number_of_ipsec_counters
inline constexpr size_t kCountersAddrLowWord = 0x18;    // ipsec_counters_addr_low
inline constexpr size_t kCountersAddrHighWord = 0x1C;   // ipsec_counters_addr_high
}  // namespace cap

// ---- Section 5: in-band metadata between NIC and FPGA -----------------------------------

inline constexpr uint16_t kMetadataEthertype = 0x8CE4;
inline constexpr size_t kMetadataBytes = 8;       // inserted after the two MAC addresses
inline constexpr size_t kMetadataFrameOffset = 12;
namespace metadata {
// Offsets inside the 8 metadata bytes.
inline constexpr size_t kEthertype = 0;       // be16 0x8CE4
inline constexpr size_t kSyndrome = 2;        // 1 byte
inline constexpr size_t kContent = 3;         // 5 bytes
// TX content (host -> FPGA).
inline constexpr size_t kTxMssInv = 3;        // be16, LSO only: floor(65536 / mss)
inline constexpr size_t kTxSeq = 5;           // be16, LSO only: low 16 bits of the TCP seq
inline constexpr size_t kTxEspNextProto = 7;  // 1 byte: next header of the trailer
// RX content (FPGA -> host).
inline constexpr size_t kRxNextHdr = 3;       // 1 byte, valid with no-trailer and 0x11
inline constexpr size_t kRxSaHandle = 4;      // be32
}  // namespace metadata

inline constexpr uint8_t kTxSyndromeOffload = 0x08;         // MLX5E_IPSEC_TX_SYNDROME_OFFLOAD
inline constexpr uint8_t kTxSyndromeOffloadLso = 0x09;      // ..._OFFLOAD_WITH_LSO_TCP
inline constexpr uint8_t kRxSyndromeDecrypted = 0x11;       // MLX5E_IPSEC_RX_SYNDROME_DECRYPTED
inline constexpr uint8_t kRxSyndromeAuthFailed = 0x12;      // ..._AUTH_FAILED
inline constexpr uint8_t kRxSyndromeBadProto = 0x17;        // ..._BAD_PROTO

// ---- Section 4: counters ----------------------------------------------------------------

inline constexpr size_t kNumHwCounters = 14;
inline constexpr size_t kNumSwCounters = 8;

// The hardware counters in the device's order (64 bit each, low word first).
enum class HwCounter : size_t {
  kDecInPackets = 0,
  kDecOutPackets,
  kDecBypassPackets,
  kEncInPackets,
  kEncOutPackets,
  kEncBypassPackets,
  kDecDropPackets,
  kDecAuthFailPackets,
  kEncDropPackets,
  kAddSaSuccess,
  kAddSaFail,
  kDelSaSuccess,
  kDelSaFail,
  kCmdDrop,
};

inline constexpr std::array<const char*, kNumHwCounters> kHwCounterNames = {
    "ipsec_dec_in_packets",        "ipsec_dec_out_packets",
    "ipsec_dec_bypass_packets",    "ipsec_enc_in_packets",
    "ipsec_enc_out_packets",       "ipsec_enc_bypass_packets",
    "ipsec_dec_drop_packets",      "ipsec_dec_auth_fail_packets",
    "ipsec_enc_drop_packets",      "ipsec_add_sa_success",
    "ipsec_add_sa_fail",           "ipsec_del_sa_success",
    "ipsec_del_sa_fail",           "ipsec_cmd_drop",
};

// The driver's software counters, shown after the hardware ones.
inline constexpr std::array<const char*, kNumSwCounters> kSwCounterNames = {
    "ipsec_rx_drop_sp_alloc",  "ipsec_rx_drop_sadb_miss", "ipsec_rx_drop_syndrome",
    "ipsec_tx_drop_bundle",    "ipsec_tx_drop_no_state",  "ipsec_tx_drop_not_ip",
    "ipsec_tx_drop_trailer",   "ipsec_tx_drop_metadata",
};

// ---- Packet offload, beyond the Innova (docs/packet_offload.md) -------------------------
namespace packet {

// P1: CAP_FLAGS (capability word 0x04) bit 16; CAP_PKT, a register of its own, read at probe
// only when the bit is set: bits 15:0 the largest replay window in bits.
inline constexpr unsigned kCapBitPktOffload = 16;
inline constexpr uint32_t kRegCapPkt = 0x018;
inline constexpr uint32_t kCapPktMaxWindowMask = 0xFFFF;

// P2: the ADD_SA_PKT image, the V2 image's 148 bytes and then these (big-endian).
inline constexpr size_t kSaImageBytes = 208;  // the command window grows to 0x100..0x1CF
namespace image {
inline constexpr size_t kMode = 0x94;         // 1: PktMode
inline constexpr size_t kReplayWords = 0x95;  // 1: RX window in 32-bit words, 0..32
inline constexpr size_t kReserved96 = 0x96;   // 2
inline constexpr size_t kSeq = 0x98;          // 8: TX next SN; RX the window's right edge
inline constexpr size_t kSoftBytes = 0xA0;    // 8: all ones for none (XFRM_INF)
inline constexpr size_t kHardBytes = 0xA8;    // 8
inline constexpr size_t kSoftPackets = 0xB0;  // 8
inline constexpr size_t kHardPackets = 0xB8;  // 8
inline constexpr size_t kTtl = 0xC0;          // 1: tunnel TX, outer TTL / hop limit
inline constexpr size_t kTclass = 0xC1;       // 1: tunnel TX, outer DSCP and ECN
inline constexpr size_t kTunnelFlags = 0xC2;  // 1: kTunnelFlag*
inline constexpr size_t kReservedC3 = 0xC3;   // 1
inline constexpr size_t kFlowLabel = 0xC4;    // 4: tunnel TX, IPv6 outer flow label 19:0
inline constexpr size_t kReservedC8 = 0xC8;   // 8
}  // namespace image

enum class PktMode : uint8_t { kTransport = 0, kTunnel = 1 };
inline constexpr uint8_t kTunnelFlagCopyDscp = 0x01;  // DSCP from the inner header
inline constexpr uint8_t kTunnelFlagCopyDf = 0x02;    // IPv4 DF from the inner header
inline constexpr unsigned kMaxReplayWords = 32;       // 1,024 bits
inline constexpr uint64_t kNoLimit = ~uint64_t{0};    // XFRM_INF

// P2: the response's word 2, bits 15:0, the SA's table index.
inline constexpr size_t kResponseIndexOffset = 8;

// P3 / P4: metadata syndromes and the TX content.
inline constexpr uint8_t kTxSyndromePktOffload = 0x0A;
inline constexpr uint8_t kRxSyndromePktDecap = 0x13;
inline constexpr size_t kTxMetaIndex = 3;   // be16: the SA's table index
inline constexpr size_t kTxMetaHandle = 5;  // be16: the low 16 bits of its handle

// P5 / P6: registers.
inline constexpr uint32_t kRegStatsIndex = 0x080;  // wo: snapshot an SA's counters
inline constexpr uint32_t kRegEvtWord0 = 0x084;    // ro: 7:0 kind, 31:16 SA index
inline constexpr uint32_t kRegEvtWord1 = 0x088;    // ro: the SA's handle
inline constexpr uint32_t kRegEvtPop = 0x08C;      // wo: drops the head
inline constexpr uint32_t kRegStatsWord0 = 0x0A0;  // ro: 10 words, each counter low word first
inline constexpr size_t kStatsWords = 10;
inline constexpr uint32_t kRegEvtDrop = 0x278;     // 64 bit: events lost to a full queue
inline constexpr uint32_t kIntrEventReady = 0x2;   // INTR_STATUS / INTR_ENABLE bit 1
inline constexpr size_t kEventQueueDepth = 16;

// P6: event kinds.
enum class EventKind : uint8_t {
  kSoftBytes = 1,
  kSoftPackets = 2,
  kHardBytes = 3,
  kHardPackets = 4,
  kSeqExhausted = 5,
};

}  // namespace packet

}  // namespace ipsec::driver
