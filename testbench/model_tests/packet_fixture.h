// Helpers for the packet-offload tests of the reference model (docs/packet_offload.md):
// an EngineModel with packet offload driven through its registers, ADD_SA_PKT images,
// host frames with 0x0A metadata, and ESP frames built and opened by hand with AES-GCM, apart
// from the model's packet datapath, so a test checks the model against the contract.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "driver/register_bus.h"
#include "engine_model.h"

namespace ipsec::tb::pkt {

using Bytes = std::vector<uint8_t>;
using Address = std::array<uint8_t, 16>;

Address v4addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
Address v6addr(uint16_t first, uint16_t last);  // first:...:last

// What a test asks of a packet SA; add_image() turns it into the 208-byte ADD_SA_PKT image.
struct SaSpec {
  bool tx = true;
  bool ipv6 = false;
  bool tunnel = false;
  bool esn = false;
  bool aes256 = false;
  Address sip = v4addr(10, 0, 0, 1);
  Address dip = v4addr(10, 0, 0, 2);
  uint32_t spi = 0x1000;
  uint32_t handle = 0xA5A50001;
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 4> salt{{0xCA, 0xFE, 0xBA, 0xBE}};
  uint8_t replay_words = 0;
  uint64_t seq = 1;  // TX: next to send; RX: the right edge
  uint64_t soft_bytes = ~uint64_t{0}, hard_bytes = ~uint64_t{0};
  uint64_t soft_packets = ~uint64_t{0}, hard_packets = ~uint64_t{0};
  uint8_t ttl = 0, dscp_ecn = 0, tunnel_flags = 0;
  uint32_t flow_label = 0;

  SaSpec();
  // The RX SA of the peer: the same key, salt, SPI, addresses and mode.
  SaSpec peer_rx(uint8_t replay_words_, uint32_t handle_) const;
};

Bytes add_image(const SaSpec& s);
// DEL_SA_V2 (148 bytes) and MOD_SA_V2 of the same key.
Bytes del_image(const SaSpec& s);
Bytes mod_image(const SaSpec& s);

struct Response {
  uint32_t syndrome = 0, handle = 0, word2 = 0;
};

// An EngineModel with packet offload on (or off), reached through its registers only.
class PacketEngine {
 public:
  explicit PacketEngine(bool packet_offload = true);
  model::EngineModel& model() { return m_; }

  uint32_t read(uint32_t addr);
  void write(uint32_t addr, uint32_t data);
  driver::BusStatus read_status(uint32_t addr);
  driver::BusStatus write_status(uint32_t addr, uint32_t data, uint8_t strb = 0xF);

  // Writes `image` into the command window, rings with `len`, returns the response.
  Response command(const Bytes& image, uint32_t len);
  Response command(const Bytes& image) { return command(image, static_cast<uint32_t>(image.size())); }
  // ADD_SA_PKT that must succeed: the SA's index.
  uint16_t add(const SaSpec& s);

  // The P5 snapshot of `index`: the ten words as five 64-bit counters.
  std::array<uint64_t, 5> stats(uint16_t index);
  // Every queued event through EVT_WORD0/1 and EVT_POP, head first.
  struct Event {
    uint8_t kind = 0;
    uint16_t index = 0;
    uint32_t handle = 0;
  };
  std::vector<Event> pop_events();
  // EVT_DROP, low word first.
  uint64_t evt_drop();
  uint64_t counter(model::CtrlCounter c) { return m_.ctrl().counter(c); }

 private:
  model::EngineModel m_;
};

// IP packets as a host stack would send them (checksum computed here, RFC 1071).
struct Ipv4Opts {
  uint8_t tos = 0;
  bool df = false;
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  uint16_t frag = 0;  // the flags-and-offset field below DF
  size_t ihl = 5;
};
Bytes ipv4_packet(const Address& src, const Address& dst, uint8_t proto, const Bytes& payload,
                  const Ipv4Opts& o = {});
Bytes ipv6_packet(const Address& src, const Address& dst, uint8_t next_header, const Bytes& payload,
                  uint8_t traffic_class = 0, uint32_t flow = 0, uint8_t hop_limit = 64);
uint16_t checksum(const uint8_t* p, size_t len);  // RFC 1071 over `len` bytes
Bytes payload_of(size_t n, uint8_t first = 0);

// {MACs, 0x8CE4 0x0A index handle_lo 0, EtherType, ip}.
Bytes host_frame(const Bytes& ip, uint16_t index, uint16_t handle_lo);
// {MACs, EtherType, ip}: a wire frame.
Bytes wire_frame(const Bytes& ip);
uint16_t ethertype_of(const Bytes& ip);

// What an ESP packet opened with the SA's key holds.
struct Opened {
  uint32_t spi = 0, sn_lo = 0;
  uint64_t iv = 0;
  Bytes payload;  // before the padding
  Bytes pad;
  uint8_t pad_length = 0, next_header = 0;
};
// Opens the ESP packet that starts at `esp` of `frame` with the SA's key, the AAD built with
// `sn_hi` when the SA has ESN. Nothing when the ICV fails.
std::optional<Opened> open_esp(const SaSpec& sa, const Bytes& frame, size_t esp, uint32_t sn_hi);
// The same with the driver's software ESP (driver/esp_sw.h), a second opinion.
std::optional<Bytes> open_esp_with_driver(const SaSpec& sa, const Bytes& frame, size_t esp,
                                          uint32_t sn_hi);

// An ESP packet of `sa` with sequence number `sn` carrying `inner` (tunnel: an IP packet,
// next header 4 or 41; transport: a payload with `next_header`), in an outer header built
// from the SA's addresses, as a peer would send it. `tfc` bytes of zeros follow the inner
// packet (tunnel, RFC 4303 section 2.7); `corrupt_icv` flips a bit of the ICV.
Bytes esp_frame(const SaSpec& sa, uint64_t sn, const Bytes& inner, uint8_t next_header,
                bool corrupt_icv = false, size_t tfc = 0, std::optional<uint8_t> bad_pad = {});

}  // namespace ipsec::tb::pkt
