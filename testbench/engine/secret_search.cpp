#include "secret_search.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>

namespace ipsec::tb {

namespace {

// GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (FIPS-197 section 4.2).
uint8_t gf_mul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  while (b) {
    if (b & 1) p ^= a;
    a = static_cast<uint8_t>((a << 1) ^ (a & 0x80 ? 0x1b : 0));
    b >>= 1;
  }
  return p;
}

// The S-box (section 5.1.1): the multiplicative inverse, then the affine transformation.
uint8_t sbox(uint8_t x) {
  uint8_t inv = 0;
  for (int c = 1; c < 256 && x; ++c) {
    if (gf_mul(x, static_cast<uint8_t>(c)) == 1) {
      inv = static_cast<uint8_t>(c);
      break;
    }
  }
  auto rotl = [](uint8_t v, int n) { return static_cast<uint8_t>((v << n) | (v >> (8 - n))); };
  return static_cast<uint8_t>(inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63);
}

// The byte orders of a secret (secret_search.h says why these).
std::vector<std::pair<std::string, SecretBytes>> byte_orders(const SecretBytes& s) {
  std::vector<std::pair<std::string, SecretBytes>> out;
  auto add = [&](const std::string& name, const SecretBytes& b) {
    for (const auto& o : out) {
      if (o.second == b) return;  // the same bytes under another name
    }
    out.emplace_back(name, b);
  };
  add("forward", s);
  add("reversed", SecretBytes(s.rbegin(), s.rend()));
  for (size_t g : {2u, 4u, 8u, 16u}) {
    if (g >= s.size() || s.size() % g != 0) continue;
    SecretBytes within(s.size()), groups(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t group = i / g, at = i % g;
      within[i] = s[group * g + (g - 1 - at)];
      groups[i] = s[(s.size() / g - 1 - group) * g + at];
    }
    add("bytes reversed in each " + std::to_string(g) + "-byte group", within);
    add(std::to_string(g) + "-byte groups reversed", groups);
  }
  return out;
}

// The byte of `data` that starts at bit `bit` (bit 0 of byte 0 first, as a little-endian
// host lays out integers); bits beyond the end read as 0.
uint8_t byte_at_bit(const uint8_t* data, size_t size, size_t bit) {
  const size_t i = bit / 8, s = bit % 8;
  const unsigned lo = i < size ? data[i] : 0u;
  const unsigned hi = i + 1 < size ? data[i + 1] : 0u;
  return static_cast<uint8_t>(((hi << 8 | lo) >> s) & 0xff);
}

}  // namespace

std::vector<SecretBytes> aes_round_keys(const SecretBytes& key) {
  if (key.size() != 16 && key.size() != 32) throw std::invalid_argument("AES keys are 16 or 32 bytes");
  const size_t nk = key.size() / 4, nr = nk + 6, words = 4 * (nr + 1);
  std::vector<std::array<uint8_t, 4>> w(words);
  for (size_t i = 0; i < nk; ++i) std::memcpy(w[i].data(), &key[4 * i], 4);
  uint8_t rcon = 1;
  for (size_t i = nk; i < words; ++i) {
    std::array<uint8_t, 4> t = w[i - 1];
    if (i % nk == 0) {
      t = {static_cast<uint8_t>(sbox(t[1]) ^ rcon), sbox(t[2]), sbox(t[3]), sbox(t[0])};
      rcon = gf_mul(rcon, 2);
    } else if (nk > 6 && i % nk == 4) {
      for (uint8_t& b : t) b = sbox(b);
    }
    for (size_t b = 0; b < 4; ++b) w[i][b] = static_cast<uint8_t>(w[i - nk][b] ^ t[b]);
  }
  std::vector<SecretBytes> rk;
  for (size_t r = 0; r <= nr; ++r) {
    SecretBytes k;
    for (size_t j = 0; j < 4; ++j) k.insert(k.end(), w[4 * r + j].begin(), w[4 * r + j].end());
    rk.push_back(k);
  }
  return rk;
}

std::string SecretFinding::describe() const {
  return what + ": " + std::to_string(bytes) + " of " + std::to_string(length) + " bytes from its byte " +
         std::to_string(first) + " on, at byte " + std::to_string(first_bit() / 8) + " bit " +
         std::to_string(first_bit() % 8);
}

void SecretSearch::add(const std::string& what, const SecretBytes& secret) {
  if (secret.size() < kWindow) throw std::invalid_argument(what + ": shorter than a window");
  for (auto& [name, bytes] : byte_orders(secret)) {
    const size_t o = orders_.size();
    orders_.push_back({what + ", " + name, bytes});
    for (size_t start = 0; start + kWindow <= bytes.size(); ++start) {
      uint64_t v;
      std::memcpy(&v, &bytes[start], kWindow);
      windows_[v].push_back({o, start});
      first_pairs_[static_cast<size_t>(bytes[start]) << 8 | bytes[start + 1]] = true;
    }
  }
}

std::vector<SecretFinding> SecretSearch::find(const uint8_t* data, size_t size) const {
  // (order, bit of its byte 0) -> found; one finding however many windows it matched.
  std::map<std::pair<size_t, int64_t>, bool> places;
  std::vector<uint8_t> shifted(size);
  for (size_t s = 0; s < 8; ++s) {
    // The memory read from bit s of each byte on: a secret at bit offset s lies byte-aligned.
    for (size_t i = 0; i < size; ++i) {
      const unsigned next = i + 1 < size ? data[i + 1] : 0u;
      shifted[i] = static_cast<uint8_t>(((next << 8 | data[i]) >> s) & 0xff);
    }
    for (size_t i = 0; i + kWindow <= size; ++i) {
      // Most windows start with two bytes no secret's window starts with.
      if (!first_pairs_[static_cast<size_t>(shifted[i]) << 8 | shifted[i + 1]]) continue;
      uint64_t v;
      std::memcpy(&v, &shifted[i], kWindow);
      const auto it = windows_.find(v);
      if (it == windows_.end()) continue;
      for (const Window& w : it->second) {
        const int64_t bit = static_cast<int64_t>(8 * i + s) - static_cast<int64_t>(8 * w.start);
        places[{w.order, bit}] = true;
      }
    }
  }
  std::vector<SecretFinding> out;
  for (const auto& [place, unused] : places) {
    (void)unused;
    const Order& o = orders_[place.first];
    SecretFinding f;
    f.what = o.what;
    f.bit = place.second;
    f.length = o.bytes.size();
    for (size_t j = 0; j < o.bytes.size(); ++j) {
      const int64_t at = f.bit + static_cast<int64_t>(8 * j);
      if (at >= 0 && static_cast<size_t>(at) < 8 * size &&
          byte_at_bit(data, size, static_cast<size_t>(at)) == o.bytes[j]) {
        if (f.bytes++ == 0) f.first = j;
      }
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace ipsec::tb
