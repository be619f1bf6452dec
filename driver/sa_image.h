// The SA command image, byte-exact with the contract's section 3 table
// (mlx5_fpga_ipsec_build_hw_xfrm / mlx5_fpga_ipsec_build_hw_sa), and its decoder.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "accel_attrs.h"
#include "contract.h"

namespace ipsec::driver {

// The 148 bytes describing one SA, opcode field zero: what a command carries after its
// opcode. V1 commands send the first 132 bytes.
class SaImage {
 public:
  using Array = std::array<uint8_t, kSaImageV2Bytes>;

  SaImage() = default;
  explicit SaImage(const Array& bytes);

  const Array& bytes() const { return bytes_; }

  // The command carrying this image: `op` at offset 0, command_length(op) bytes.
  std::vector<uint8_t> command(SaOpcode op) const;

  bool operator==(const SaImage& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const SaImage& o) const { return bytes_ != o.bytes_; }
  bool operator<(const SaImage& o) const { return bytes_ < o.bytes_; }

 private:
  Array bytes_{};
};

// The image of an SA: key (a 128-bit key twice), addresses (IPv4 in the last word), seqiv
// salt, salt, SPI, sw_sa_handle, enc_mode, flags (SPI_EN | SA_VALID | IP_ESP, DIR_SX for TX,
// IPV6, ESN_EN, ESN_OVERLAP), esn; everything else zero.
SaImage build_sa_image(const AccelAttrs& attrs);

// What ADD_SA_PKT carries after the V2 image (packet section P2).
struct PktSaParams {
  packet::PktMode mode = packet::PktMode::kTransport;
  uint8_t replay_words = 0;  // RX: the window in 32-bit words; TX: 0
  uint64_t seq = 0;          // TX: the next packet's; RX: the window's right edge
  uint64_t soft_bytes = packet::kNoLimit;
  uint64_t hard_bytes = packet::kNoLimit;
  uint64_t soft_packets = packet::kNoLimit;
  uint64_t hard_packets = packet::kNoLimit;
  uint8_t ttl = 0;           // tunnel TX: the outer TTL / hop limit
  uint8_t tclass = 0;        // tunnel TX: the outer DSCP and ECN, unless copied
  uint8_t tunnel_flags = 0;  // packet::kTunnelFlag*
  uint32_t flow_label = 0;   // tunnel TX, IPv6: 19:0
};

// The packet parameters of an xfrm state: its mode, RX window, sequence number (TX: replay
// oseq + 1; RX: the replay state's seq, with the high halves when ESN), lifetime limits; a
// tunnel's outer header as Linux builds it for a state without flags: TTL 64 (the default
// ip_default_ttl / hop limit), DSCP copied from the inner header with ECN as RFC 6040's
// normal mode, DF copied (xfrm4_mode_tunnel_output without XFRM_STATE_NOPMTUDISC), flow
// label 0.
PktSaParams pkt_sa_params(const XfrmState& state);

// ADD_SA_PKT: the V2 image with opcode 6, then the packet parameters, 208 bytes.
std::vector<uint8_t> build_add_sa_pkt_command(const SaImage& image, const PktSaParams& params);

// SET_CAP: opcode, flags at kSetCapFlagsOffset, 32 bytes.
std::vector<uint8_t> build_set_cap_command(uint32_t flags);

// Every field of an SA command, as the table names them.
struct SaImageFields {
  uint32_t cmd = 0;
  std::array<uint8_t, 32> key_enc{};
  std::array<uint8_t, 32> key_auth{};
  std::array<uint8_t, 16> sip{};
  std::array<uint8_t, 16> dip{};
  uint32_t reserved_64 = 0;
  std::array<uint8_t, 8> salt_iv{};
  uint32_t salt = 0;
  uint32_t spi = 0;
  uint32_t sw_sa_handle = 0;
  uint16_t tfclen = 0;
  uint8_t enc_mode = 0;
  uint16_t reserved_7f = 0;
  uint8_t flags = 0;
  uint16_t reserved_82 = 0;
  // V2 only (zero in a 132-byte command):
  uint16_t udp_sp = 0;
  uint16_t udp_dp = 0;
  uint32_t reserved_88 = 0;
  uint32_t esn = 0;
  uint16_t vid = 0;
  uint16_t reserved_92 = 0;
  bool v2 = false;  // decoded from 148 bytes
};

// Decode a 132- or 148-byte command (fewer bytes: the missing fields read zero).
SaImageFields decode_sa_image(const uint8_t* bytes, size_t size);
inline SaImageFields decode_sa_image(const std::vector<uint8_t>& bytes) {
  return decode_sa_image(bytes.data(), bytes.size());
}

// One line for logs, without key material:
// "ADD_SA_V2 spi 0x00001000 sip 10.0.0.1 dip 10.0.0.2 tx handle 0 enc_mode 1 flags 0x78 esn 0"
std::string describe(const SaImageFields& fields);

}  // namespace ipsec::driver
