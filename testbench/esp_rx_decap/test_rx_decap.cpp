// esp_rx_decap (rtl/esp/), the packet-offload decapsulation after the RX pipeline's host
// output, alone on the checking build (its assertions on), against a reference written here
// from docs/packet_offload.md P4 item 4.
//
// Input frames are real: an IP packet is put into ESP by the stimulus library as a peer does
// (wire_esp_frame: trailer, AES-GCM, ICV), and the reference model's rx() in no-trailer mode
// decrypts it into exactly the layout the RX pipeline hands the host (contract sections 5, 7).
// Only the tunnel frames whose inner packet is shorter than an IP header are built directly
// from such a frame, cut. Every run drives the stage with random source pauses, sink
// back-pressure and record timing (the seed printed; IPSEC_SEED and IPSEC_STALL rerun it),
// but the tests of rate and latency, which measure an unstalled stage.
#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "Vesp_rx_decap.h"
#include "axis.h"
#include "esp_model.h"
#include "frames.h"
#include "test_seed.h"
#include "verilated.h"
#include "vl_bytes.h"

namespace {

using ipsec::tb::Bytes;
using ipsec::tb::EspMode;
using ipsec::tb::EspSpec;
using ipsec::tb::PacketSpec;
using ipsec::tb::seed_hint;
using ipsec::tb::stall_percent;
using ipsec::tb::test_seed;
namespace model = ipsec::model;
namespace tb = ipsec::tb;

constexpr uint8_t kSyndPktDecap = 0x13;  // P4: PKT_DECAP
constexpr size_t kPrefix = 22;           // MACs, metadata, EtherType (contract section 5)

// ---- Stimulus --------------------------------------------------------------------------------

// The per-frame record (esp_rx_pkg::rx_decap_rec_t).
struct Rec {
  bool pkt = false, tunnel = false, ipv6 = false, drop = false;
  uint8_t next_hdr = 0;
  uint16_t sa_index = 0;
  uint32_t bits() const {
    return uint32_t{pkt} << 27 | uint32_t{tunnel} << 26 | uint32_t{ipv6} << 25 |
           uint32_t{drop} << 24 | uint32_t{next_hdr} << 16 | sa_index;
  }
};

model::SaContext test_sa(uint32_t handle) {
  model::SaContext sa;
  for (size_t i = 0; i < sa.key.size(); ++i) sa.key[i] = static_cast<uint8_t>(0x40 + i);
  sa.salt = 0x0badcafe;
  sa.handle = handle;
  return sa;
}

// A peer's ESP frame for `ip_pkt`, decrypted by the reference model in no-trailer mode: the
// stage's input for a good frame of an RX SA.
Bytes decrypted_frame(const Bytes& ip_pkt, const EspSpec& esp, uint32_t handle, size_t extra_pad = 0) {
  const model::SaContext sa = test_sa(handle);
  tb::WireOptions opts;
  opts.extra_pad = extra_pad;
  const Bytes wire = tb::wire_esp_frame(ip_pkt, esp, sa, opts);
  model::DatapathControl ctl;
  ctl.no_trailer = true;
  ctl.max_frame = 65535;
  model::DatapathCounters counters;
  const model::FrameResult r =
      model::rx(wire, false, [&sa](const model::SaKey&) { return std::optional<model::SaContext>(sa); },
                ctl, counters);
  REQUIRE_MESSAGE(r.fate == model::Fate::kOut, r.why);
  REQUIRE(r.out.has_value());
  REQUIRE((*r.out)[14] == model::kSyndRxDecrypted);
  return *r.out;
}

uint16_t be16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// RFC 791 header checksum over the header with its checksum field as zero, recomputed.
uint16_t ipv4_checksum(const Bytes& b, size_t at) {
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) {
    if (i != 10) sum += be16(b, at + i);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// ---- The reference: P4 item 4 on the no-trailer layout ----------------------------------------
// Transport: the ESP header and IV go; protocol / next header from the metadata's next header
// (byte 15); total / payload length 16 less; IPv4 checksum recomputed. Tunnel: everything
// from the IP header to the end of the IV goes; the EtherType the inner family's; next
// headers other than 4 and 41 are dropped (the stage's decision). Syndrome 0x13 in both.
std::optional<Bytes> reference(const Bytes& in, bool tunnel, bool ipv6) {
  const uint8_t next_hdr = in[15];
  const size_t ip_hdr = ipv6 ? 40 : 20;
  Bytes out(in.begin(), in.begin() + kPrefix);
  out[14] = kSyndPktDecap;
  if (tunnel) {
    if (next_hdr != 4 && next_hdr != 41) return std::nullopt;
    put16(out, 20, next_hdr == 4 ? 0x0800 : 0x86DD);
    out.insert(out.end(), in.begin() + static_cast<long>(kPrefix + ip_hdr + 16), in.end());
    return out;
  }
  out.insert(out.end(), in.begin() + kPrefix, in.begin() + static_cast<long>(kPrefix + ip_hdr));
  out.insert(out.end(), in.begin() + static_cast<long>(kPrefix + ip_hdr + 16), in.end());
  if (ipv6) {
    out[kPrefix + 6] = next_hdr;
    put16(out, kPrefix + 4, static_cast<uint16_t>(be16(out, kPrefix + 4) - 16));
  } else {
    out[kPrefix + 9] = next_hdr;
    put16(out, kPrefix + 2, static_cast<uint16_t>(be16(out, kPrefix + 2) - 16));
    put16(out, kPrefix + 10, ipv4_checksum(out, kPrefix));
  }
  return out;
}

// One frame to send and what must come of it.
struct Case {
  Bytes in;
  Rec rec;
  std::optional<Bytes> want;   // the output frame, if any
  bool bad_inner = false;      // dropped for its next header, reported
  std::string what;
};

// A frame of a packet SA: `ip_pkt` in ESP, decrypted; the expected output is checked against
// the original packet as well as the reference (the restored packet, or the inner one, is
// the packet the peer sent).
Case packet_case(const Bytes& ip_pkt, EspMode mode, bool outer_ipv6, uint16_t sa_index,
                 size_t extra_pad = 0) {
  EspSpec esp;
  esp.mode = mode;
  esp.spi = 0x2000u + sa_index;
  esp.seq = 7 + sa_index;
  const bool tunnel = mode == EspMode::kTunnel;
  const bool pkt_ipv6 = (ip_pkt[0] >> 4) == 6;
  const bool ipv6 = tunnel ? outer_ipv6 : pkt_ipv6;
  if (tunnel && outer_ipv6) {
    esp.outer_ipv6 = true;
    esp.outer_src = tb::ipv6("2001:db8:ff::1");
    esp.outer_dst = tb::ipv6("2001:db8:ff::2");
  }
  Case c;
  c.in = decrypted_frame(ip_pkt, esp, 0x51000000u + sa_index, extra_pad);
  c.rec = {true, tunnel, ipv6, false, c.in[15], sa_index};
  c.want = reference(c.in, tunnel, ipv6);
  REQUIRE(c.want.has_value());
  const Bytes restored(c.want->begin() + kPrefix, c.want->end());
  CHECK_MESSAGE(restored == ip_pkt, "the reference does not restore the packet sent");
  if (!ipv6 && !tunnel) {
    // RFC 791: the checksum over the whole header, checksum field included, sums to 0xFFFF.
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2) sum += be16(*c.want, kPrefix + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(sum == 0xffff);
  }
  c.what = std::string(tunnel ? "tunnel" : "transport") + (ipv6 ? " outer IPv6" : " IPv4") +
           ", packet of " + std::to_string(ip_pkt.size()) + " bytes";
  return c;
}

Case pass_case(const Bytes& frame, const std::string& what) {
  Case c;
  c.in = frame;
  c.rec = {};
  c.want = frame;
  c.what = what;
  return c;
}

PacketSpec spec_v4(uint8_t proto, size_t payload) {
  PacketSpec s;
  s.proto = proto;
  s.payload = tb::pattern(payload, static_cast<uint8_t>(payload));
  return s;
}
PacketSpec spec_v6(uint8_t proto, size_t payload) {
  PacketSpec s = spec_v4(proto, payload);
  s.ipv6 = true;
  s.src = tb::ipv6("2001:db8::1");
  s.dst = tb::ipv6("2001:db8::2");
  return s;
}

// Any protocol number, but for IPv6 those the stimulus library would take for an extension
// header (hop-by-hop, routing, destination options): the packet's own next header.
uint8_t random_proto(std::mt19937_64& rng, bool ipv6) {
  const auto p = static_cast<uint8_t>(rng());
  return ipv6 && (p == 0 || p == 43 || p == tb::kIpv6DestOptions) ? tb::kIpProtoUdp : p;
}

// ---- The harness -----------------------------------------------------------------------------

struct Stalls {
  int source = 0, sink = 0, record = 0;  // percent of clocks
};

class Rig {
 public:
  Rig(uint64_t seed, Stalls stalls)
      : src_(seed * 3 + 1, stalls.source), sink_(seed * 5 + 2, stalls.sink),
        rec_stall_(seed * 7 + 3, stalls.record), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->randReset(2);
    m_ = std::make_unique<Vesp_rx_decap>(ctx_.get());
    m_->clk_i = 0;
    m_->rst_ni = 0;
    m_->s_axis_tvalid_i = 0;
    m_->m_axis_tready_i = 0;
    m_->rec_valid_i = 0;
    m_->eval();
    for (int i = 0; i < 2; ++i) clock_edge();
    m_->rst_ni = 1;
    m_->eval();
  }
  ~Rig() { m_->final(); }

  void send(const Case& c, uint32_t gap = 0) {
    src_.push(c.in, false, gap);
    recs_.push_back(c.rec);
    if (c.want) {
      want_.push_back(*c.want);
      what_out_.push_back(c.what);
    }
    if (c.want && c.rec.pkt) life_want_.push_back({c.rec.sa_index, c.want->size() - kPrefix});
    if (c.bad_inner) bad_want_.push_back(c.rec.sa_index);
  }

  // Clocks until every frame has left (or `limit` clocks), then a few more to see that
  // nothing else leaves.
  void run(uint64_t limit = 2000000) {
    uint64_t n = 0;
    while ((!src_.idle() || got_.size() < want_.size() || life_got_.size() < life_want_.size() ||
            bad_got_.size() < bad_want_.size()) && n < limit) {
      tick();
      ++n;
    }
    for (int i = 0; i < 8; ++i) tick();
    REQUIRE_MESSAGE(n < limit, "the stage stopped moving " << seed_hint());
  }

  // Clocks with the source held back: the records queue ahead of their frames.
  void prime(int clocks) {
    for (int i = 0; i < clocks; ++i) tick(false);
  }

  // One clock; `source_on` false: the source presents nothing.
  void tick(bool source_on = true) {
    // Drive the inputs.
    const bool s_valid = source_on && src_.valid();
    m_->s_axis_tvalid_i = s_valid;
    if (s_valid) {
      const tb::Beat& b = src_.beat();
      ipsec::sim::set_le(m_->s_axis_tdata_i, b.data.data(), 16);
      m_->s_axis_tkeep_i = b.keep;
      m_->s_axis_tlast_i = b.last;
      m_->s_axis_tuser_i = b.user;
    }
    if (!rec_presenting_ && !recs_.empty()) rec_presenting_ = rec_stall_.go();
    m_->rec_valid_i = rec_presenting_;
    if (rec_presenting_) m_->rec_i = recs_.front().bits();
    const bool ready = sink_.ready();
    m_->m_axis_tready_i = ready;
    m_->eval();

    // The handshakes of this clock.
    const bool in_fire = s_valid && m_->s_axis_tready_o;
    const bool rec_fire = rec_presenting_ && m_->rec_ready_o;
    const bool out_valid = m_->m_axis_tvalid_o;
    tb::Beat out;
    if (out_valid) {
      ipsec::sim::get_le(m_->m_axis_tdata_o, out.data.data(), 16);
      out.keep = m_->m_axis_tkeep_o;
      out.last = m_->m_axis_tlast_o;
      out.user = m_->m_axis_tuser_o;
    }
    // AXI4-Stream: a beat offered stays, unchanged, until it is taken.
    if (held_) {
      REQUIRE_MESSAGE(out_valid, "valid dropped before the beat was taken " << seed_hint());
      REQUIRE_MESSAGE((out.data == held_beat_.data && out.keep == held_beat_.keep &&
                       out.last == held_beat_.last),
                      "a beat changed before it was taken " << seed_hint());
    }
    if (in_fire) ++beats_in_;
    if (s_valid && !m_->s_axis_tready_o) ++in_held_;
    if (in_fire && !in_mid_) first_in_clock_.push_back(clock_);
    if (in_fire && src_.beat().last) last_in_clock_.push_back(clock_);
    if (in_fire) in_mid_ = !src_.beat().last;

    if (m_->life_valid_o) life_got_.push_back({m_->life_sa_index_o, m_->life_bytes_o});
    if (m_->bad_inner_o) bad_got_.push_back(m_->life_sa_index_o);

    if (out_valid && ready) {
      REQUIRE_MESSAGE(out.keep != 0, "a beat without bytes " << seed_hint());
      REQUIRE_MESSAGE((out.keep & (out.keep + 1u)) == 0, "keep not contiguous " << seed_hint());
      REQUIRE_MESSAGE((out.last || out.keep == 0xffff), "a beat but the last not full " << seed_hint());
      if (!out_mid_) first_out_clock_.push_back(clock_);
      out_mid_ = !out.last;
      if (out.last) last_out_clock_.push_back(clock_);
      ++beats_out_;
      if (sink_.take(out)) check_frame();
    }
    held_ = out_valid && !ready;
    held_beat_ = out;

    clock_edge();
    if (in_fire) src_.taken();
    if (rec_fire) {
      recs_.pop_front();
      rec_presenting_ = false;
    }
    ++clock_;
  }

  size_t frames_out() const { return got_.size(); }
  uint64_t beats_in() const { return beats_in_; }
  uint64_t beats_out() const { return beats_out_; }
  uint64_t clocks_input_held() const { return in_held_; }
  const std::vector<uint64_t>& first_in_clocks() const { return first_in_clock_; }
  const std::vector<uint64_t>& first_out_clocks() const { return first_out_clock_; }
  const std::vector<uint64_t>& last_in_clocks() const { return last_in_clock_; }
  const std::vector<uint64_t>& last_out_clocks() const { return last_out_clock_; }

  void check_all() {
    CHECK_MESSAGE(got_.size() == want_.size(), "frames out " << got_.size() << ", expected "
                                                             << want_.size() << " " << seed_hint());
    CHECK_MESSAGE(life_got_ == life_want_, "lifetime records differ " << seed_hint());
    CHECK_MESSAGE(bad_got_ == bad_want_, "bad-inner reports differ " << seed_hint());
  }

 private:
  void clock_edge() {
    m_->clk_i = 1;
    m_->eval();
    m_->clk_i = 0;
    m_->eval();
  }

  // The frames that leave, in order: the cases with an output.
  std::string what_of(size_t out_index) const {
    return out_index < what_out_.size() ? what_out_[out_index] : "?";
  }

  void check_frame() {
    Bytes got = std::move(sink_.frames().front());
    sink_.frames().pop_front();
    const size_t i = got_.size();
    REQUIRE_MESSAGE(i < want_.size(), "a frame more than expected left " << seed_hint());
    const Bytes& want = want_[i];
    if (got != want) {
      size_t at = 0;
      while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
      FAIL("output frame " << i << " (" << what_of(i) << ") differs at byte " << at << " (" << got.size() << " bytes, expected "
                           << want.size() << ") " << seed_hint());
    }
    got_.push_back(std::move(got));
  }

  tb::FrameSource src_;
  tb::FrameSink sink_;
  tb::Staller rec_stall_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_rx_decap> m_;
  std::deque<Rec> recs_;
  bool rec_presenting_ = false;
  std::vector<Bytes> want_, got_;
  std::vector<std::string> what_out_;
  std::vector<std::pair<uint16_t, size_t>> life_want_, life_got_;
  std::vector<uint16_t> bad_want_, bad_got_;
  bool held_ = false;
  tb::Beat held_beat_;
  bool in_mid_ = false, out_mid_ = false;
  uint64_t clock_ = 0, beats_in_ = 0, beats_out_ = 0, in_held_ = 0;
  std::vector<uint64_t> first_in_clock_, first_out_clock_, last_in_clock_, last_out_clock_;
};

Stalls random_stalls() {
  const int p = stall_percent(25);
  return {p, p, p};
}

void run_cases(const std::vector<Case>& cases, Stalls stalls = random_stalls()) {
  Rig rig(test_seed(), stalls);
  for (const Case& c : cases) rig.send(c);
  rig.run();
  rig.check_all();
}

// The non-ESP traffic a host port carries: plain IP, ARP-like, crypto-offload frames (0x11).
Bytes plain_frame(std::mt19937_64& rng, size_t payload) {
  PacketSpec s = (rng() & 1) ? spec_v6(tb::kIpProtoUdp, payload) : spec_v4(tb::kIpProtoTcp, payload);
  return tb::pad_to_minimum(tb::ethernet_ip(tb::ip_packet(s)));
}

}  // namespace

// ---- Directed ----------------------------------------------------------------------------------

TEST_CASE("transport IPv4: ESP header and IV removed, protocol, length and checksum restored") {
  std::vector<Case> cases;
  // Next headers across the byte (the checksum adjustment carries differently for each).
  const uint8_t protos[] = {tb::kIpProtoUdp, tb::kIpProtoTcp, tb::kIpProtoIcmp, tb::kIpProtoNoNext,
                            0, 50, 66, 67, 132, 255};
  uint16_t sa = 1;
  for (uint8_t p : protos) {
    for (size_t payload : {size_t{0}, size_t{1}, size_t{30}, size_t{200}}) {
      cases.push_back(packet_case(tb::ip_packet(spec_v4(p, payload)), EspMode::kTransport, false, sa++));
    }
  }
  // TTLs and identifiers that move the checksum to its edges.
  std::mt19937_64 rng(test_seed());
  for (int i = 0; i < 64; ++i) {
    PacketSpec s = spec_v4(random_proto(rng, false), rng() % 100);
    s.ttl = static_cast<uint8_t>(rng());
    s.ipv4_id = static_cast<uint16_t>(rng());
    cases.push_back(packet_case(tb::ip_packet(s), EspMode::kTransport, false, sa++));
  }
  run_cases(cases);
}

TEST_CASE("transport IPv6: ESP header and IV removed, next header and payload length restored") {
  std::vector<Case> cases;
  uint16_t sa = 100;
  for (uint8_t p : {tb::kIpProtoUdp, tb::kIpProtoTcp, tb::kIpProtoIcmpv6, tb::kIpProtoNoNext}) {
    for (size_t payload : {size_t{0}, size_t{1}, size_t{2}, size_t{17}, size_t{500}}) {
      cases.push_back(packet_case(tb::ip_packet(spec_v6(p, payload)), EspMode::kTransport, false, sa++));
    }
  }
  run_cases(cases);
}

TEST_CASE("tunnel: outer header, ESP header and IV removed, EtherType the inner family's") {
  struct Combo {
    bool inner_ipv6, outer_ipv6;
    const char* name;
  };
  const Combo combos[] = {{false, false, "IPv4 in IPv4"},
                          {true, false, "IPv6 in IPv4"},
                          {false, true, "IPv4 in IPv6"},
                          {true, true, "IPv6 in IPv6"}};
  for (const Combo& k : combos) {
    SUBCASE(k.name) {
      std::vector<Case> cases;
      uint16_t sa = 200;
      for (size_t payload : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{8}, size_t{13},
                             size_t{64}, size_t{301}}) {
        const PacketSpec s = k.inner_ipv6 ? spec_v6(tb::kIpProtoUdp, payload)
                                          : spec_v4(tb::kIpProtoTcp, payload);
        cases.push_back(packet_case(tb::ip_packet(s), EspMode::kTunnel, k.outer_ipv6, sa++));
      }
      run_cases(cases);
    }
  }
}

TEST_CASE("tunnel: an inner packet shorter than an IP header is delivered as it is") {
  // Built directly: a real tunnel frame cut to 0..24 inner bytes (the stage reads no length).
  std::vector<Case> cases;
  uint16_t sa = 300;
  for (bool outer6 : {false, true}) {
    for (size_t keep = 0; keep <= 24; ++keep) {
      Case c = packet_case(tb::ip_packet(spec_v4(tb::kIpProtoUdp, 40)), EspMode::kTunnel, outer6, sa++);
      const size_t inner_at = kPrefix + (outer6 ? 40 : 20) + 16;
      c.in.resize(inner_at + keep);
      c.want = reference(c.in, true, outer6);
      REQUIRE(c.want->size() == kPrefix + keep);
      cases.push_back(c);
    }
  }
  run_cases(cases);
}

TEST_CASE("tunnel: a next header other than 4 or 41 is dropped whole and reported") {
  std::mt19937_64 rng(test_seed());
  std::vector<Case> cases;
  uint16_t sa = 400;
  for (uint8_t nh : {uint8_t{tb::kIpProtoUdp}, uint8_t{tb::kIpProtoNoNext}, uint8_t{2}, uint8_t{5},
                     uint8_t{40}, uint8_t{42}, uint8_t{255}}) {
    for (bool outer6 : {false, true}) {
      // A tunnel SA's frame whose trailer names `nh`: the packet is put in ESP as transport
      // would (the next header is its protocol), the record says tunnel.
      PacketSpec s = outer6 ? spec_v6(nh, 50) : spec_v4(nh, 50);
      Case c = packet_case(tb::ip_packet(s), EspMode::kTransport, outer6, sa);
      c.rec.tunnel = true;
      c.want.reset();
      c.bad_inner = true;
      c.what = "tunnel, next header " + std::to_string(nh);
      cases.push_back(pass_case(plain_frame(rng, 80), "before"));
      cases.push_back(c);
      cases.push_back(packet_case(tb::ip_packet(spec_v4(tb::kIpProtoTcp, 20)), EspMode::kTunnel,
                                  outer6, static_cast<uint16_t>(sa + 1000)));
      ++sa;
    }
  }
  run_cases(cases);
}

TEST_CASE("frames of no packet SA pass byte for byte, interleaved with packet frames") {
  std::mt19937_64 rng(test_seed());
  std::vector<Case> cases;
  for (int i = 0; i < 40; ++i) {
    // Plain frames of every length mod 16, and crypto-offload deliveries (0x11 frames).
    cases.push_back(pass_case(plain_frame(rng, rng() % 200), "plain"));
    Case crypto = packet_case(tb::ip_packet(spec_v4(tb::kIpProtoUdp, rng() % 100)), EspMode::kTransport,
                              false, static_cast<uint16_t>(i));
    cases.push_back(pass_case(crypto.in, "crypto offload 0x11"));
    cases.push_back(packet_case(tb::ip_packet(spec_v6(tb::kIpProtoTcp, rng() % 100)),
                                (i & 1) ? EspMode::kTunnel : EspMode::kTransport, i & 2,
                                static_cast<uint16_t>(500 + i)));
  }
  // A runt-sized frame and a one-beat frame pass too (the stage reads no header of them).
  cases.push_back(pass_case(Bytes(16, 0xa5), "one beat"));
  cases.push_back(pass_case(Bytes(17, 0x5a), "two beats"));
  cases.push_back(pass_case(Bytes(1, 0x11), "one byte"));
  run_cases(cases);
}

TEST_CASE("a dropped frame leaves nothing, and the frames before and after it are intact") {
  std::mt19937_64 rng(test_seed());
  std::vector<Case> cases;
  for (int i = 0; i < 24; ++i) {
    const EspMode mode = (i & 1) ? EspMode::kTunnel : EspMode::kTransport;
    cases.push_back(packet_case(tb::ip_packet(spec_v4(tb::kIpProtoUdp, rng() % 64)), mode, i & 2,
                                static_cast<uint16_t>(i)));
    Case d = (i % 3 == 0) ? pass_case(plain_frame(rng, rng() % 120), "plain, dropped")
                          : packet_case(tb::ip_packet(spec_v6(tb::kIpProtoTcp, rng() % 64)), mode,
                                        i & 4, static_cast<uint16_t>(100 + i));
    d.rec.drop = true;
    d.want.reset();
    cases.push_back(d);
    if (i % 4 == 0) cases.push_back(d);  // two in a row
    cases.push_back(pass_case(plain_frame(rng, rng() % 120), "plain"));
  }
  run_cases(cases);
}

TEST_CASE("frame sizes from the smallest ESP frame to 1518 bytes and a jumbo") {
  // Every length mod 16 near the smallest frames of each kind, then the largest Ethernet
  // frame and a 9000-byte jumbo. The smallest: a transport IPv4 packet of no payload, whose
  // input frame is 58 bytes (22 + 20 + 16).
  std::vector<Case> cases;
  uint16_t sa = 0;
  for (int kind = 0; kind < 6; ++kind) {
    const EspMode mode = kind < 2 ? EspMode::kTransport : EspMode::kTunnel;
    const bool outer6 = kind >= 4;
    const bool v6 = kind == 1 || kind == 3 || kind == 5;
    for (size_t payload = 0; payload < 34; ++payload) {
      const PacketSpec s = v6 ? spec_v6(tb::kIpProtoNoNext, payload) : spec_v4(tb::kIpProtoNoNext, payload);
      cases.push_back(packet_case(tb::ip_packet(s), mode, outer6, sa++));
    }
    // 1518 bytes on the wire with FCS: 1514 without, a datagram of 1500. What ESP carries
    // (the packet's L4 part, or the whole inner packet) plus the 2 trailer bytes fills what
    // the datagram leaves, a multiple of 4, so no pad.
    const size_t ip_hdr = v6 ? 40 : 20;
    const bool tunnel = mode == EspMode::kTunnel;
    const size_t room = 1500 - (tunnel ? (outer6 ? 40 : 20) : ip_hdr) - 32;  // ESP hdr, IV, ICV
    const size_t payload = room - 2 - 8 - (tunnel ? ip_hdr : 0);            // less the UDP header
    const PacketSpec big = v6 ? spec_v6(tb::kIpProtoUdp, payload) : spec_v4(tb::kIpProtoUdp, payload);
    cases.push_back(packet_case(tb::ip_packet(big), mode, outer6, sa++));
    // The input of the largest: 1514 less trailer and ICV (18), plus the metadata (8).
    CHECK(cases.back().in.size() == 1514 - 18 + 8);
    const PacketSpec jumbo = v6 ? spec_v6(tb::kIpProtoUdp, 8900) : spec_v4(tb::kIpProtoUdp, 8900);
    cases.push_back(packet_case(tb::ip_packet(jumbo), mode, outer6, sa++));
  }
  CHECK(cases.front().in.size() == 58);
  run_cases(cases);
}

// ---- Rate and latency (no stalls: the stage's own figures) -------------------------------------

TEST_CASE("passing frames: one beat per clock without a bubble, one clock through") {
  std::mt19937_64 rng(test_seed());
  Rig rig(test_seed(), {0, 0, 0});
  uint64_t beats = 0;
  for (int i = 0; i < 50; ++i) {
    Case c = pass_case(plain_frame(rng, rng() % 300), "plain");
    beats += (c.in.size() + 15) / 16;
    rig.send(c);
  }
  rig.prime(4);
  rig.run();
  rig.check_all();
  CHECK(rig.clocks_input_held() == 0);
  // Every output beat on consecutive clocks: the first frame's first beat at clock f, the
  // last beat at f + beats - 1, and each frame one clock after its input.
  const auto& in = rig.first_in_clocks();
  const auto& out = rig.first_out_clocks();
  REQUIRE(in.size() == out.size());
  for (size_t i = 0; i < in.size(); ++i) CHECK(out[i] - in[i] == 1);
  CHECK(rig.beats_out() == beats);
}

TEST_CASE("packet frames: the input is never held while the output takes every beat") {
  std::mt19937_64 rng(test_seed());
  Rig rig(test_seed(), {0, 0, 0});
  for (int i = 0; i < 120; ++i) {
    const EspMode mode = (rng() & 1) ? EspMode::kTunnel : EspMode::kTransport;
    const PacketSpec s = (rng() & 1) ? spec_v6(tb::kIpProtoUdp, rng() % 200) : spec_v4(tb::kIpProtoUdp, rng() % 200);
    Case c = (rng() % 4 == 0) ? pass_case(plain_frame(rng, rng() % 100), "plain")
                              : packet_case(tb::ip_packet(s), mode, rng() & 1, static_cast<uint16_t>(i));
    rig.send(c);
  }
  rig.prime(4);
  rig.run();
  rig.check_all();
  CHECK(rig.clocks_input_held() == 0);
  CHECK(rig.beats_out() < rig.beats_in());
}

TEST_CASE("packet frames: first beat one clock through, last beat one or two after the input's") {
  // Frames apart (a gap after each), so that each frame's figures are its own.
  std::mt19937_64 rng(test_seed());
  Rig rig(test_seed(), {0, 0, 0});
  std::vector<uint64_t> want_last;  // the expected clocks from last beat in to last beat out
  for (int i = 0; i < 60; ++i) {
    const EspMode mode = (i & 1) ? EspMode::kTunnel : EspMode::kTransport;
    const bool v6 = i & 2, outer6 = i & 4;
    const PacketSpec s = v6 ? spec_v6(tb::kIpProtoUdp, rng() % 120) : spec_v4(tb::kIpProtoUdp, rng() % 120);
    Case c = packet_case(tb::ip_packet(s), mode, outer6, static_cast<uint16_t>(i));
    // One clock when the last input beat completes a beat that takes bytes from it (the
    // transport cut, or a tunnel beat without a tail left), else two (from the hold
    // register): the last beat in is beat n, the output's last beat is m.
    const size_t n = (c.in.size() - 1) / 16, m = (c.want->size() - 1) / 16;
    const bool ipv6_hdr = mode == EspMode::kTunnel ? outer6 : v6;
    const size_t cut = ipv6_hdr ? 3 : 2;
    const bool from_next = mode == EspMode::kTransport ? m == cut : m + (ipv6_hdr ? 4 : 3) == n;
    want_last.push_back(from_next ? 1 : 2);
    rig.send(c, 6);
  }
  rig.prime(4);
  rig.run();
  rig.check_all();
  const auto& fi = rig.first_in_clocks();
  const auto& fo = rig.first_out_clocks();
  const auto& li = rig.last_in_clocks();
  const auto& lo = rig.last_out_clocks();
  REQUIRE(fo.size() == fi.size());
  REQUIRE(lo.size() == li.size());
  for (size_t i = 0; i < fi.size(); ++i) {
    CAPTURE(i);
    CHECK(fo[i] - fi[i] == 1);
    CHECK(lo[i] - li[i] == want_last[i]);
  }
}

// ---- Random ------------------------------------------------------------------------------------

TEST_CASE("random mixed traffic with source pauses, sink back-pressure and late records") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 8; ++round) {
    const Stalls stalls{static_cast<int>(rng() % 60), static_cast<int>(rng() % 60), static_cast<int>(rng() % 60)};
    INFO("round " << round << ": stalls " << stalls.source << "/" << stalls.sink << "/" << stalls.record << " "
                  << seed_hint());
    Rig rig(seed + round, stalls);
    for (int i = 0; i < 250; ++i) {
      const size_t payload = (rng() % 8 == 0) ? rng() % 1400 : rng() % 120;
      const bool v6 = rng() & 1;
      const EspMode mode = (rng() & 1) ? EspMode::kTunnel : EspMode::kTransport;
      const uint8_t proto = random_proto(rng, v6);
      PacketSpec s = v6 ? spec_v6(proto, payload) : spec_v4(proto, payload);
      if (mode == EspMode::kTunnel) s.proto = tb::kIpProtoTcp;
      s.ttl = static_cast<uint8_t>(rng());
      Case c;
      switch (rng() % 6) {
        case 0: c = pass_case(plain_frame(rng, payload), "plain"); break;
        case 1: {
          c = packet_case(tb::ip_packet(s), mode, rng() & 1, static_cast<uint16_t>(rng()), 4 * (rng() % 4));
          c.rec.drop = rng() % 2;
          if (c.rec.drop) c.want.reset();
          break;
        }
        default:
          c = packet_case(tb::ip_packet(s), mode, rng() & 1, static_cast<uint16_t>(rng()), 4 * (rng() % 4));
      }
      rig.send(c, (rng() % 5 == 0) ? static_cast<uint32_t>(rng() % 4) : 0);
    }
    rig.run();
    rig.check_all();
  }
}
