#include "test_seed.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace ipsec::tb {

namespace {

uint64_t parse_env(const char* name, uint64_t max) {
  const char* text = std::getenv(name);
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 0);
  if (end == text || *end != '\0' || value > max) {
    throw std::invalid_argument(std::string(name) + "=" + text + ": not a number up to " +
                                std::to_string(max));
  }
  return value;
}

}  // namespace

uint64_t test_seed() {
  static const uint64_t seed = [] {
    uint64_t s;
    if (std::getenv("IPSEC_SEED")) {
      s = parse_env("IPSEC_SEED", UINT64_MAX);
    } else {
      std::random_device rd;
      s = (uint64_t{rd()} << 32) | rd();
    }
    std::printf("seed %llu (rerun with IPSEC_SEED=%llu)\n", static_cast<unsigned long long>(s),
                static_cast<unsigned long long>(s));
    std::fflush(stdout);
    return s;
  }();
  return seed;
}

int stall_percent(int fallback) {
  if (!std::getenv("IPSEC_STALL")) return fallback;
  return static_cast<int>(parse_env("IPSEC_STALL", 95));
}

std::vector<int> stall_levels(std::vector<int> levels) {
  if (std::getenv("IPSEC_STALL")) return {stall_percent()};
  return levels;
}

std::string seed_hint() { return "IPSEC_SEED=" + std::to_string(test_seed()); }

}  // namespace ipsec::tb
