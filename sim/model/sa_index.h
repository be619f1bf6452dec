// The SA table's hashed index, computed from its specification in docs/architecture.md
// ("The SA index: hash, buckets and the full-pair refusal"), not from the RTL: which two
// buckets an SA key may go to, how loaded they are, and so whether an ADD fits. The control
// model (ctrl_model.*) asks it before installing an SA, so it predicts exactly which ADD the
// engine refuses because both buckets of the key's pair are full.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "sa_key.h"

namespace ipsec::model {

// The index has two halves; a key has one bucket in each.
enum class IndexHalf { kA = 0, kB = 1 };

struct IndexPlace {
  IndexHalf half = IndexHalf::kA;
  uint32_t bucket = 0;
  bool operator==(const IndexPlace& o) const { return half == o.half && bucket == o.bucket; }
};

// Slots per bucket.
inline constexpr uint32_t kIndexWays = 8;

// Buckets per half for a table of `num_sa` SAs: 2^b with b = max(ceil(log2(num_sa)) - 2, 1)
// (ceil(log2(1)) taken as 1), so 256 for 1,024 SAs.
uint32_t index_buckets(uint32_t num_sa);

// The 32-bit fold of the key for one half: the XOR of its ten words, each rotated left by
// that half's amount for it.
uint32_t index_fold(const SaKey& key, IndexHalf half);
// fold(x) * x^32 mod P(x) over GF(2): P = 0x1EDC6F41 (CRC-32C) for half A, 0x741B8CD7
// (CRC-32K) for half B. Bit i of the result is the coefficient of x^i.
uint32_t index_crc(uint32_t fold, IndexHalf half);
// The key's bucket in one half: the low bits of index_crc(index_fold(key)).
uint32_t index_bucket(const SaKey& key, IndexHalf half, uint32_t num_sa);

class SaIndex {
 public:
  explicit SaIndex(uint32_t num_sa);

  uint32_t buckets() const { return buckets_; }
  // SAs in a bucket.
  uint32_t load(IndexHalf half, uint32_t bucket) const;
  // Where an insert of `key` (not in the index) goes: the less loaded of its two buckets, the
  // first half on a tie; nullopt when both hold kIndexWays SAs (the ADD is refused).
  std::optional<IndexPlace> place_for(const SaKey& key) const;
  // Records `key` at `place` (from place_for); erase() frees its slot.
  void insert(const SaKey& key, IndexPlace place);
  void erase(const SaKey& key);
  std::optional<IndexPlace> place_of(const SaKey& key) const;
  void clear();

 private:
  uint32_t num_sa_;
  uint32_t buckets_;
  std::vector<uint32_t> load_[2];
  std::map<SaKey, IndexPlace> placed_;
};

}  // namespace ipsec::model
