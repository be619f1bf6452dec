// The hardware/software contract of the Innova IPsec adapter, as the driver uses it: SA
// command opcodes and image layout, response syndromes, capability bits, in-band metadata
// and the ethtool counter names. Each constant appears here once, with the contract section
// it comes from ("contract section N", see docs/architecture.md) and the mlx5 name where
// there is one. Register addresses are not here: driver/generated/ipsec_regs.h has them.
// Full packet offload, beyond the Innova, has a contract of its own, written ahead of its
// code: docs/packet_offload.md ("packet section Pn"); its constants join this file with it.
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

}  // namespace ipsec::driver
