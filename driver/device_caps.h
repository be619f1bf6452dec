// What the device says about itself at probe: identity and the 32 bytes of IPsec extended
// capabilities (contract section 2; mlx5_ifc_ipsec_extended_cap_bits).
#pragma once

#include <array>
#include <cstdint>

#include "contract.h"

namespace ipsec::driver {

struct DeviceIdentity {
  uint32_t vendor_id = 0;
  uint32_t product_id = 0;
  uint32_t product_version = 0;
  uint32_t image_version = 0;
  uint32_t shell_version = 0;
};

struct DeviceCaps {
  std::array<uint8_t, kCapBytes> raw{};  // big-endian words, as read

  // Flags word, byte 0x04.
  bool esp = false;
  bool lso = false;
  bool esn = false;
  bool ipv6 = false;
  bool rx_no_trailer = false;
  bool udp_encap = false;
  bool v2_command = false;
  uint16_t num_sa = 0;                    // byte 0x10
  uint16_t number_of_ipsec_counters = 0;  // byte 0x14
  uint64_t counters_addr = 0;             // bytes 0x18 (low) and 0x1C (high)

  // Packet offload (packet section P1): flags bit 16, and CAP_PKT's largest replay window
  // in bits, which probe reads only when the bit is set (0 otherwise).
  bool pkt_offload = false;
  uint32_t pkt_max_replay_window = 0;

  static DeviceCaps parse(const std::array<uint8_t, kCapBytes>& raw);

  // Everything the contract describes offered, 14 counters at 0x200: for tests and tools
  // that need capabilities without a device. `raw` is left zero. No packet offload: that
  // is beyond the Innova (with_packet_offload).
  static DeviceCaps full();
  // full() with packet offload and the given largest replay window.
  static DeviceCaps with_packet_offload(uint32_t max_replay_window = 1024);
};

}  // namespace ipsec::driver
