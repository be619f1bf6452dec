#include "bytes.h"

#include <stdexcept>

namespace ipsec::tb {

Bytes from_hex(const std::string& hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit in \"" + hex + "\"");
  };
  if (hex.size() % 2) throw std::invalid_argument("odd number of hex digits in \"" + hex + "\"");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

std::string to_hex(const uint8_t* data, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) {
    s += digits[data[i] >> 4];
    s += digits[data[i] & 15];
  }
  return s;
}

std::string first_difference(const Bytes& got, const Bytes& want) {
  const size_t n = got.size() < want.size() ? got.size() : want.size();
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      return "byte " + std::to_string(i) + ": got 0x" + to_hex(&got[i], 1) + ", want 0x" +
             to_hex(&want[i], 1);
    }
  }
  if (got.size() != want.size()) {
    return "length: got " + std::to_string(got.size()) + ", want " + std::to_string(want.size());
  }
  return "";
}

}  // namespace ipsec::tb
