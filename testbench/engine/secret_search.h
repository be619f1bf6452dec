// Looking for secrets in raw memory: a key, or a round key of its AES key schedule, in
// every byte order a simulator or the RTL may hold it in, at any bit offset, whole or any
// 8 contiguous bytes of it. The key hygiene tests (test_engine_keys.cpp) search the whole
// state of the Verilated engine with it (EngineSim::state_bytes).
//
// Why these orders. The RTL holds a key as a vector with byte 0 in the top bits (sa_ctx_t,
// gcm_ctx_t, the command image), some copies byte-swapped into stream order (byte 0 in bits
// 7:0), and the command window as big-endian 32-bit words. Verilator stores a vector of more
// than 64 bits as 32-bit words, least significant first, each little-endian on the host: a
// vector's bytes lie in memory least significant first, so a key with byte 0 on top appears
// reversed, one in stream order forward, a window word's four bytes reversed within the
// word. A field of a packed struct starts at any bit, not only at a byte: sa_ctx_t's key
// begins at bit 99 of the record. So every order below is looked for at each of the eight
// bit offsets within a byte:
//   forward; reversed; and for groups of 2, 4, 8 and 16 bytes: the bytes reversed within
//   each group (the group order kept), and the groups in reverse order (their bytes kept).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipsec::tb {

using SecretBytes = std::vector<uint8_t>;

// FIPS-197 section 5.2: the round keys of a 16- or 32-byte AES key, rk[0] .. rk[Nr] (Nr = 10
// or 14), each the 16 bytes of words w[4r] .. w[4r+3] in the standard's byte order.
std::vector<SecretBytes> aes_round_keys(const SecretBytes& key);

// One place a secret was found: at least 8 contiguous bytes of one of its byte orders.
struct SecretFinding {
  std::string what;    // "TX key, reversed", "RX rk[10], forward", ...
  int64_t bit = 0;     // where the order's byte 0 is (or would be), in bits from the start
  size_t bytes = 0;    // how many of the order's bytes are there, each at its place
  size_t first = 0;    // the first of them (an index into the order's bytes)
  size_t length = 0;   // of the secret
  bool whole() const { return bytes == length; }
  // Where the first byte found is, in bits from the start.
  size_t first_bit() const { return static_cast<size_t>(bit + static_cast<int64_t>(8 * first)); }
  // "TX key, reversed: 16 of 16 bytes from its byte 0 on, at byte 1234 bit 3"
  std::string describe() const;
};

class SecretSearch {
 public:
  static constexpr size_t kWindow = 8;  // the shortest run that counts

  // A secret (at least kWindow bytes) to look for, in every order.
  void add(const std::string& what, const SecretBytes& secret);
  // Every place in `data` that holds kWindow or more contiguous bytes of an order of a
  // secret, at any bit offset; one finding per place and order, with the longest run.
  std::vector<SecretFinding> find(const uint8_t* data, size_t size) const;

 private:
  struct Order {
    std::string what;
    SecretBytes bytes;
  };
  struct Window {
    size_t order;
    size_t start;  // of the window in the order's bytes
  };
  std::vector<Order> orders_;
  std::unordered_map<uint64_t, std::vector<Window>> windows_;
  std::vector<bool> first_pairs_ = std::vector<bool>(1 << 16);  // the first two bytes of a window
};

}  // namespace ipsec::tb
