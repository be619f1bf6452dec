// The reference of esp_tx_pkt_encap, written from docs/packet_offload.md (packet section P3)
// and contract sections 5 and 6: for each frame the host sends, the crypto-offload frame the
// host would have built for it (or the frame unchanged), whether it leaves marked for drop
// (tuser), and the per-frame event, with the packet SAs' state as the stage keeps it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "frames.h"

namespace ipsec::tb::encap {

using tb::Address;

// One packet SA's TX state (the stage's state write port, packet section P2).
struct PktSa {
  bool valid = true;
  uint16_t handle = 0;
  uint32_t spi = 0x1000;
  bool esn = false;
  uint64_t seq = 1;  // the next packet's sequence number
  bool tunnel = false;
  bool outer6 = false;  // the SA's family: tunnel, the outer header's; transport, the packets'
  Address sip = tb::ipv4("203.0.113.1");
  Address dip = tb::ipv4("203.0.113.2");
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint8_t flags = 0;  // bit 0: DSCP from the inner header; bit 1: DF from it
  uint32_t flow = 0;  // 20 bits
};

// esp_pkg::tx_pkt_fate_e.
enum class Fate : uint8_t {
  kSent, kTruncated, kNoSa, kHandle, kStale, kMalformed, kExhausted, kExpired, kCut
};
const char* to_string(Fate f);

struct Event {
  uint16_t index = 0;
  uint32_t ip_len = 0;
  Fate fate = Fate::kSent;
  bool operator==(const Event& o) const {
    return index == o.index && ip_len == o.ip_len && fate == o.fate;
  }
};

// What leaves for one frame.
struct Expect {
  Bytes frame;
  bool user = false;
  bool check_bytes = true;  // false: a frame dropped downstream whose content is left open
  std::optional<Event> event;
};

inline constexpr uint8_t kSyndPkt = 0x0A;

// The frame the host sends for a packet SA: the IP packet in Ethernet, metadata 0x0A naming
// the SA's index and handle.
Bytes pkt_frame(const Bytes& ip_pkt, uint16_t index, uint16_t handle);

class EncapRef {
 public:
  EncapRef(size_t sas, size_t max_frame) : table_(sas), expired_(sas, false), max_frame_(max_frame) {
    for (PktSa& s : table_) s.valid = false;
  }

  void write(uint16_t index, const PktSa& sa) { table_.at(index) = sa; }
  void set_expired(uint16_t index, bool e) { expired_.at(index) = e; }
  const PktSa& sa(uint16_t index) const { return table_.at(index); }

  // The frame's fate, decided when its beat 1 is taken (its beat 0 if it has one beat);
  // `written`: the index the state port wrote on that same edge.
  Expect process(const Bytes& in, bool in_user, std::optional<uint16_t> written = std::nullopt);

 private:
  std::vector<PktSa> table_;
  std::vector<bool> expired_;
  size_t max_frame_;
};

}  // namespace ipsec::tb::encap
