#include "sa_index.h"

#include <stdexcept>

namespace ipsec::model {

namespace {

// docs/architecture.md, "The SA index": the rotation of key word k, per half.
constexpr unsigned kRotation[2][10] = {
    {0, 5, 12, 19, 26, 3, 10, 17, 24, 29},   // half A
    {0, 21, 14, 7, 30, 11, 4, 27, 20, 13},   // half B
};
// The CRC polynomials without their x^32 term: CRC-32C (Castagnoli), CRC-32K (Koopman).
constexpr uint32_t kPolynomial[2] = {0x1EDC6F41u, 0x741B8CD7u};

uint32_t rotl(uint32_t x, unsigned r) { return r == 0 ? x : (x << r) | (x >> (32 - r)); }

// Word j (0: the last four bytes) of a 16-byte address field, big-endian.
uint32_t address_word(const std::array<uint8_t, 16>& a, unsigned j) {
  const size_t at = 12 - 4 * j;
  return uint32_t{a[at]} << 24 | uint32_t{a[at + 1]} << 16 | uint32_t{a[at + 2]} << 8 | a[at + 3];
}

size_t half_index(IndexHalf h) { return static_cast<size_t>(h); }

}  // namespace

uint32_t index_buckets(uint32_t num_sa) {
  if (num_sa == 0 || num_sa > 65535) throw std::invalid_argument("NumSa must be 1 .. 65535");
  unsigned ptr_bits = 0;
  while ((uint32_t{1} << ptr_bits) < num_sa) ++ptr_bits;  // ceil(log2(num_sa))
  if (ptr_bits == 0) ptr_bits = 1;
  const unsigned bucket_bits = ptr_bits > 3 ? ptr_bits - 2 : 1;
  return uint32_t{1} << bucket_bits;
}

uint32_t index_fold(const SaKey& key, IndexHalf half) {
  uint32_t words[10];
  words[0] = key.spi;
  for (unsigned j = 0; j < 4; ++j) {
    // An IPv4 SA's addresses are their last word; the other bytes count as zero.
    const bool used = key.ipv6 || j == 0;
    words[1 + j] = used ? address_word(key.sip, j) : 0;
    words[5 + j] = used ? address_word(key.dip, j) : 0;
  }
  words[9] = (key.tx ? 2u : 0u) | (key.ipv6 ? 1u : 0u);
  uint32_t fold = 0;
  for (unsigned k = 0; k < 10; ++k) fold ^= rotl(words[k], kRotation[half_index(half)][k]);
  return fold;
}

uint32_t index_crc(uint32_t fold, IndexHalf half) {
  // Multiply by x^32 one power at a time, reducing modulo P whenever x^32 appears.
  uint32_t r = fold;
  for (int i = 0; i < 32; ++i) {
    const bool carry = (r & 0x80000000u) != 0;
    r <<= 1;
    if (carry) r ^= kPolynomial[half_index(half)];
  }
  return r;
}

uint32_t index_bucket(const SaKey& key, IndexHalf half, uint32_t num_sa) {
  return index_crc(index_fold(key, half), half) & (index_buckets(num_sa) - 1);
}

SaIndex::SaIndex(uint32_t num_sa) : num_sa_(num_sa), buckets_(index_buckets(num_sa)) { clear(); }

uint32_t SaIndex::load(IndexHalf half, uint32_t bucket) const {
  return load_[half_index(half)].at(bucket);
}

std::optional<IndexPlace> SaIndex::place_for(const SaKey& key) const {
  const IndexPlace a{IndexHalf::kA, index_bucket(key, IndexHalf::kA, num_sa_)};
  const IndexPlace b{IndexHalf::kB, index_bucket(key, IndexHalf::kB, num_sa_)};
  const uint32_t load_a = load(a.half, a.bucket), load_b = load(b.half, b.bucket);
  if (load_a >= kIndexWays && load_b >= kIndexWays) return std::nullopt;
  return load_a <= load_b ? a : b;
}

void SaIndex::insert(const SaKey& key, IndexPlace place) {
  uint32_t& n = load_[half_index(place.half)].at(place.bucket);
  if (n >= kIndexWays) throw std::logic_error("SaIndex: insert into a full bucket");
  if (!placed_.emplace(key, place).second) throw std::logic_error("SaIndex: key inserted twice");
  ++n;
}

void SaIndex::erase(const SaKey& key) {
  const auto it = placed_.find(key);
  if (it == placed_.end()) return;
  --load_[half_index(it->second.half)].at(it->second.bucket);
  placed_.erase(it);
}

std::optional<IndexPlace> SaIndex::place_of(const SaKey& key) const {
  const auto it = placed_.find(key);
  if (it == placed_.end()) return std::nullopt;
  return it->second;
}

void SaIndex::clear() {
  for (auto& l : load_) l.assign(buckets_, 0);
  placed_.clear();
}

}  // namespace ipsec::model
