// Byte strings: hex conversion and first-difference reports for failure messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ipsec::tb {

using Bytes = std::vector<uint8_t>;

Bytes from_hex(const std::string& hex);  // throws std::invalid_argument
std::string to_hex(const uint8_t* data, size_t size);
inline std::string to_hex(const Bytes& b) { return to_hex(b.data(), b.size()); }

// "" when equal, else where and how `got` first differs from `want`.
std::string first_difference(const Bytes& got, const Bytes& want);

}  // namespace ipsec::tb
