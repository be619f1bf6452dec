// Random xfrm states for the engine's random tests: the parts every kind shares (direction,
// family, key length, SPI, addresses, ESN) and the random key material, in one order of
// draws from the test's generator, so that a seed gives the same states wherever they are
// made.
#pragma once

#include <cstdint>
#include <random>

#include "driver_fixture.h"

namespace ipsec::tb {

// Direction as asked; a third IPv6; AES-128 or -256; a random odd SPI and host; ESN one time
// in `esn_one_in`.
inline StateSpec random_spec(std::mt19937_64& rng, bool in, unsigned esn_one_in) {
  StateSpec s;
  s.dir = in ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
  s.family = rng() % 3 == 0 ? Family::kIpv6 : Family::kIpv4;
  s.key_bytes = rng() % 2 ? 32 : 16;
  s.spi = static_cast<uint32_t>(rng()) | 1u;
  s.host = static_cast<uint8_t>(rng());
  s.esn = rng() % esn_one_in == 0;
  return s;
}

// The offloadable state of `s` with random key material (the key, then 4 bytes of salt).
inline drv::XfrmState with_random_key(std::mt19937_64& rng, const StateSpec& s) {
  drv::XfrmState x = offloadable_state(s);
  drv::Bytes key;
  for (size_t i = 0; i < s.key_bytes + 4; ++i) key.push_back(static_cast<uint8_t>(rng()));
  (void)x.attach_aead({drv::kAeadRfc4106Gcm, key, 128});
  return x;
}

// A crypto state as the Innova takes it: ESN one time in 4, tunnel mode one in 3.
inline drv::XfrmState random_state(std::mt19937_64& rng, bool in) {
  drv::XfrmState x = with_random_key(rng, random_spec(rng, in, 4));
  if (rng() % 3 == 0) x.mode = drv::XfrmMode::kTunnel;
  return x;
}

}  // namespace ipsec::tb
