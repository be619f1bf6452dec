// Small named helpers shared by the control-plane tests: example SAs and counter checks.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include "ctrl_harness.h"

namespace ipsec::tb {

// A distinct, deterministic SA for each `n`: IPv4 or IPv6, TX or RX, AES-GCM-128 or -256.
inline SaSpec example_sa(uint32_t n, bool tx = false, bool ipv6 = false, bool key256 = false) {
  SaSpec sa;
  sa.tx = tx;
  sa.ipv6 = ipv6;
  if (ipv6) {
    sa.sip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    sa.dip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 0, 0, 0, 0,
              static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
              static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  } else {
    sa.sip = ipv4(10, 0, 0, 1);
    sa.dip = ipv4(0x0a800000u + n);
  }
  sa.spi = 0x100 + n;
  sa.salt = 0x5a000000u ^ (n * 0x9e3779b1u);
  sa.handle = tx ? 0 : n + 1;
  sa.key = Bytes(key256 ? 32 : 16);
  for (size_t i = 0; i < sa.key.size(); ++i) {
    sa.key[i] = static_cast<uint8_t>(0x11 * (i + 1) + 7 * n + (n >> 8));
  }
  return sa;
}

// An SA with random addresses, SPI, salt, handle and key.
template <class Rng>
SaSpec random_sa(Rng& rng) {
  SaSpec sa;
  sa.tx = rng() & 1;
  sa.ipv6 = (rng() % 4) == 0;
  for (auto& b : sa.sip) b = static_cast<uint8_t>(rng());
  for (auto& b : sa.dip) b = static_cast<uint8_t>(rng());
  if (!sa.ipv6) {
    std::fill(sa.sip.begin(), sa.sip.begin() + 12, 0);
    std::fill(sa.dip.begin(), sa.dip.begin() + 12, 0);
  }
  sa.spi = static_cast<uint32_t>(rng());
  sa.salt = static_cast<uint32_t>(rng());
  sa.handle = sa.tx ? 0 : static_cast<uint32_t>(rng());
  sa.key = Bytes((rng() & 1) ? 32 : 16);
  for (auto& b : sa.key) b = static_cast<uint8_t>(rng());
  return sa;
}

struct SaCounters {
  uint64_t add_success = 0, add_fail = 0, del_success = 0, del_fail = 0;
};

inline void check_sa_counters(CtrlHarness& h, const SaCounters& want) {
  CHECK(h.read_counter(Counter::kAddSaSuccess) == want.add_success);
  CHECK(h.read_counter(Counter::kAddSaFail) == want.add_fail);
  CHECK(h.read_counter(Counter::kDelSaSuccess) == want.del_success);
  CHECK(h.read_counter(Counter::kDelSaFail) == want.del_fail);
}

inline void check_no_lookup_errors(const CtrlHarness& h) {
  for (const auto& e : h.lookup_errors()) FAIL_CHECK(e);
  CHECK(h.lookup_errors().empty());
}

}  // namespace ipsec::tb
