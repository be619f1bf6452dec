// Independent checks of what the ESP model produces: plain OpenSSL EVP calls and the RFCs'
// arithmetic, sharing no code with the model, plus the host stack's part of RX (contract
// section 7) to get the original packet back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bytes.h"
#include "esp_model.h"
#include "frames.h"

namespace ipsec::tb {

// A matching pair of SAs for one ESP flow: the TX SA the engine encrypts with and the RX SA
// a peer engine decrypts with (same key, salt, addresses, SPI).
struct SaPair {
  model::SaKey tx_key, rx_key;
  model::SaContext ctx;  // handle: the RX SA's
};
SaPair make_sa_pair(std::mt19937_64& rng, const Bytes& ip_pkt, const EspSpec& esp, bool aes256,
                    bool esn = false, uint32_t handle = 7);
// A table holding both.
model::SaTable table_of(const SaPair& p);

// AES-GCM decryption with EVP: the plaintext, or nothing when the tag does not verify.
std::optional<Bytes> evp_gcm_open(const Bytes& key, const uint8_t nonce[12], const Bytes& aad,
                                  const uint8_t* ct, size_t ct_len, const uint8_t tag[16]);

// True when the IPv4 header at `at` has a valid RFC 791 checksum.
bool ipv4_checksum_ok(const Bytes& frame, size_t at);

// "" when `out`, the engine's wire frame for `host_frame`, is exactly right: MACs and
// EtherType restored, IP header unchanged but for the length (and a valid IPv4 checksum),
// SPI, the low 32 bits of `sn64` in the ESP header and all 64 in the IV, and a ciphertext
// and ICV that EVP decrypts into the host frame's payload followed by the RFC 4303 trailer
// with the minimal pad and `next_proto`. Otherwise the first thing that is wrong.
std::string verify_wire_frame(const Bytes& host_frame, const Bytes& out, const model::SaContext& sa,
                              uint64_t sn64, uint8_t next_proto);

// The host stack's work on a frame the engine delivered with syndrome 0x11: the Ethernet
// frame of the packet inside (transport: ESP header, IV and, in default mode, trailer and ICV
// removed, the protocol restored from the metadata's next header; tunnel: the inner packet).
// Throws std::invalid_argument on a frame that does not parse.
Bytes decapsulate(const Bytes& host_frame, bool no_trailer, EspMode mode);

// "" when equal, else the first difference and both frames described.
std::string frame_difference(const Bytes& got, const Bytes& want);

}  // namespace ipsec::tb
