// What identifies an SA inside the engine (contract section 3, inferred): direction, SIP,
// DIP, SPI, IPv6. Addresses as in the SA image: IPv6, or IPv4 in bytes 12..15 with bytes
// 0..11 zero (docs/architecture.md, "The SA index").
#pragma once

#include <array>
#include <cstdint>

namespace ipsec::model {

struct SaKey {
  bool tx = false;
  std::array<uint8_t, 16> sip{};
  std::array<uint8_t, 16> dip{};
  uint32_t spi = 0;
  bool ipv6 = false;

  bool operator<(const SaKey& o) const;
  bool operator==(const SaKey& o) const;
};

}  // namespace ipsec::model
