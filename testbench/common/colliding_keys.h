// SA keys crafted to collide in the SA table's hashed index (docs/architecture.md, "The SA
// index"): the SPIs that put a key into a chosen bucket pair, found by trying SPIs one after
// another against the reference model's hash. The hash is linear, so about one SPI in
// NumBuckets^2 (65,536 for 1,024 SAs) lands in a given pair: a few million tries at most.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sa_index.h"

namespace ipsec::tb {

struct BucketPair {
  uint32_t a = 0, b = 0;
  bool operator==(const BucketPair& o) const { return a == o.a && b == o.b; }
};

inline BucketPair bucket_pair(const model::SaKey& key, uint32_t num_sa) {
  return {model::index_bucket(key, model::IndexHalf::kA, num_sa),
          model::index_bucket(key, model::IndexHalf::kB, num_sa)};
}

// The first `n` SPIs from `first` up that put `key` (its SPI replaced) into `pair`, skipping
// those in `avoid`. Throws if the 32-bit SPI space runs out first.
inline std::vector<uint32_t> spis_in_pair(model::SaKey key, uint32_t num_sa, BucketPair pair,
                                          size_t n, uint32_t first,
                                          const std::vector<uint32_t>& avoid = {}) {
  std::vector<uint32_t> found;
  for (uint64_t spi = first; spi <= 0xFFFFFFFFu && found.size() < n; ++spi) {
    key.spi = static_cast<uint32_t>(spi);
    if (!(bucket_pair(key, num_sa) == pair)) continue;
    bool skip = false;
    for (uint32_t a : avoid) skip = skip || a == key.spi;
    if (!skip) found.push_back(key.spi);
  }
  if (found.size() < n) {
    throw std::runtime_error("spis_in_pair: only " + std::to_string(found.size()) + " of " +
                             std::to_string(n) + " SPIs found");
  }
  return found;
}

}  // namespace ipsec::tb
