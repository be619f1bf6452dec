// esp_tx_pkt_encap (rtl/esp/), the TX packet-offload stage in front of esp_tx, alone on the
// checking build: every frame out is compared byte for byte with the reference of
// encap_ref.cpp (the crypto-offload frame the host would have built, packet section P3,
// contract sections 5 and 6), its tuser and the per-frame events too, under random source
// pauses and sink back-pressure (IPSEC_STALL, default 25%) unless a test measures timing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "Vesp_tx_pkt_encap.h"
#include "axis.h"
#include "encap_ref.h"
#include "frames.h"
#include "esp_model.h"
#include "esp_packet.h"
#include "test_seed.h"
#include "verilated.h"
#include "vl_bytes.h"

namespace {

using ipsec::tb::Beat;
using ipsec::tb::Bytes;
using ipsec::tb::FrameSink;
using ipsec::tb::FrameSource;
using ipsec::tb::first_difference;
using ipsec::tb::seed_hint;
using ipsec::tb::stall_percent;
using ipsec::tb::test_seed;
using ipsec::tb::encap::EncapRef;
using ipsec::tb::encap::Event;
using ipsec::tb::encap::Expect;
using ipsec::tb::encap::Fate;
using ipsec::tb::encap::PktSa;
using ipsec::tb::encap::pkt_frame;
namespace stim = ipsec::tb;

constexpr size_t kSas = 1024;  // the stage's default table
constexpr size_t kMaxFrame = 9216;

class Rig {
 public:
  Rig(uint64_t seed, int stall)
      : ctx_(std::make_unique<VerilatedContext>()),
        src_(seed, stall),
        sink_(seed ^ 0x5DEECE66DULL, stall),
        ref_(kSas, kMaxFrame) {
    ctx_->randReset(2);
    m_ = std::make_unique<Vesp_tx_pkt_encap>(ctx_.get());
    m_->clk_i = 0;
    m_->rst_ni = 0;
    m_->s_axis_tvalid_i = 0;
    m_->m_axis_tready_i = 0;
    m_->sw_valid_i = 0;
    m_->hx_valid_i = 0;
    m_->eval();
    m_->clk_i = 1;
    m_->eval();
    m_->clk_i = 0;
    m_->rst_ni = 1;
    m_->eval();
    // The stage clears its table after reset: ready once it is done.
    for (int i = 0; i < 2000 && !m_->sw_ready_o; ++i) tick();
    REQUIRE(m_->sw_ready_o);
  }
  ~Rig() { m_->final(); }

  EncapRef& ref() { return ref_; }

  void write_sa(uint16_t index, const PktSa& sa) { writes_.push_back({index, sa}); }
  void expire(uint16_t index, bool e) { marks_.push_back({index, e}); }
  void send(const Bytes& f, bool user = false, uint32_t gap = 0) {
    src_.push(f, user, gap);
    in_.push_back({f, user});
  }
  // Writes pending SA states before any frame (their own clocks).
  void settle() {
    while (!writes_.empty() || !marks_.empty()) tick();
  }

  void tick() {
    const bool sv = src_.valid();
    m_->s_axis_tvalid_i = sv;
    if (sv) {
      const Beat& b = src_.beat();
      stim::set_le(m_->s_axis_tdata_i, b.data.data(), 16);
      m_->s_axis_tkeep_i = b.keep;
      m_->s_axis_tlast_i = b.last;
      m_->s_axis_tuser_i = b.user;
    }
    const bool rdy = sink_.ready();
    m_->m_axis_tready_i = rdy;
    const bool swv = !writes_.empty();
    m_->sw_valid_i = swv;
    if (swv) drive_sa(writes_.front().first, writes_.front().second);
    const bool hxv = !marks_.empty();
    m_->hx_valid_i = hxv;
    if (hxv) {
      m_->hx_index_i = marks_.front().first;
      m_->hx_expired_i = marks_.front().second;
    }
    m_->clk_i = 0;
    m_->eval();
    const bool in_fire = sv && m_->s_axis_tready_o;
    const bool out_fire = m_->m_axis_tvalid_o && rdy;
    const bool sw_fire = swv && m_->sw_ready_o;
    if (out_fire) {
      Beat b;
      stim::get_le(m_->m_axis_tdata_o, b.data.data(), 16);
      b.keep = m_->m_axis_tkeep_o;
      b.last = m_->m_axis_tlast_o;
      b.user = m_->m_axis_tuser_o;
      if (out_beats_ == 0) first_out_ = cycle_;
      last_out_ = cycle_;
      ++out_beats_;
      if (sink_.take(b)) users_.push_back(b.user);
    }
    if (m_->ev_valid_o) {
      const uint64_t v = m_->ev_o;
      // esp_pkg::tx_pkt_event_t: index [36:21], ip_len [20:4], fate [3:0].
      events_.push_back(Event{static_cast<uint16_t>(v >> 21), static_cast<uint32_t>(v >> 4 & 0x1FFFF),
                              static_cast<Fate>(v & 15)});
    }
    if (in_fire) {
      if (in_frame_ == 0 && in_beat_ == 0) first_in_ = cycle_;
      const Beat& b = src_.beat();
      // The reference decides as the RTL reads the state: with beat 1 (beat 0 of a frame of
      // one beat), before this edge's state write.
      if (in_beat_ == 1 || (in_beat_ == 0 && b.last)) {
        const auto& f = in_[in_frame_];
        std::optional<uint16_t> written;
        if (sw_fire) written = writes_.front().first;
        expects_.push_back(ref_.process(f.first, f.second, written));
      }
      ++in_beat_;
      if (b.last) {
        ++in_frame_;
        in_beat_ = 0;
      }
      src_.taken();
    }
    if (sw_fire) {
      ref_.write(writes_.front().first, writes_.front().second);
      writes_.pop_front();
    }
    if (hxv) {
      ref_.set_expired(marks_.front().first, marks_.front().second);
      marks_.pop_front();
    }
    m_->clk_i = 1;
    m_->eval();
    ++cycle_;
  }

  // Until every frame sent has left and its event is out.
  void run(uint64_t max_clocks = 2000000) {
    const uint64_t end = cycle_ + max_clocks;
    while (cycle_ < end && (!src_.idle() || sink_.frames().size() < in_.size() || !writes_.empty())) tick();
    for (int i = 0; i < 8; ++i) tick();
    REQUIRE_MESSAGE(sink_.frames().size() == in_.size(), "frames stuck, " << seed_hint());
  }

  // Frames, tuser and events against the reference; returns the frames checked.
  size_t check() {
    REQUIRE(expects_.size() == in_.size());
    REQUIRE(sink_.frames().size() == in_.size());
    std::vector<Event> want_events;
    for (size_t i = 0; i < in_.size(); ++i) {
      const Expect& e = expects_[i];
      const Bytes& got = sink_.frames()[i];
      const size_t in_size = in_[i].first.size();
      INFO("frame " << i << " of " << in_size << " bytes, " << seed_hint());
      CHECK(users_[i] == e.user);
      if (e.check_bytes) CHECK(first_difference(got, e.frame) == "");
      if (e.event) want_events.push_back(*e.event);
    }
    REQUIRE(events_.size() == want_events.size());
    for (size_t i = 0; i < events_.size(); ++i) {
      const Event& g = events_[i];
      const Event& w = want_events[i];
      INFO("event " << i << ": index " << g.index << "/" << w.index << " length " << g.ip_len << "/"
                    << w.ip_len << " fate " << to_string(g.fate) << "/" << to_string(w.fate) << ", "
                    << seed_hint());
      CHECK(g == w);
    }
    return in_.size();
  }

  const std::vector<Expect>& expects() const { return expects_; }
  const std::vector<std::pair<Bytes, bool>>& inputs() const { return in_; }
  const std::deque<Bytes>& got() { return sink_.frames(); }
  const std::vector<bool>& users() const { return users_; }
  const std::vector<Event>& events() const { return events_; }
  uint64_t out_beats() const { return out_beats_; }
  uint64_t out_span() const { return last_out_ - first_out_ + 1; }
  uint64_t first_latency() const { return first_out_ - first_in_; }

 private:
  void drive_sa(uint16_t index, const PktSa& sa) {
    m_->sw_index_i = index;
    auto& w = m_->sw_sa_i;
    for (size_t i = 0; i < 13; ++i) w[i] = 0;
    // esp_pkg::tx_pkt_sa_t, packed: the first field most significant.
    stim::set_bits(w, 409, 1, sa.valid);
    stim::set_bits(w, 393, 16, sa.handle);
    stim::set_bits(w, 361, 32, sa.spi);
    stim::set_bits(w, 360, 1, sa.esn);
    stim::set_bits(w, 296, 64, sa.seq);
    stim::set_bits(w, 295, 1, sa.tunnel);
    stim::set_bits(w, 294, 1, sa.outer6);
    stim::set_bits_be(w, 166, sa.sip.data(), 16);
    stim::set_bits_be(w, 38, sa.dip.data(), 16);
    stim::set_bits(w, 30, 8, sa.ttl);
    stim::set_bits(w, 22, 8, sa.tos);
    stim::set_bits(w, 20, 2, sa.flags);
    stim::set_bits(w, 0, 20, sa.flow);
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_tx_pkt_encap> m_;
  FrameSource src_;
  FrameSink sink_;
  EncapRef ref_;
  std::deque<std::pair<uint16_t, PktSa>> writes_;
  std::deque<std::pair<uint16_t, bool>> marks_;
  std::vector<std::pair<Bytes, bool>> in_;
  std::vector<Expect> expects_;
  std::vector<bool> users_;
  std::vector<Event> events_;
  size_t in_frame_ = 0, in_beat_ = 0;
  uint64_t cycle_ = 0, out_beats_ = 0, first_out_ = 0, last_out_ = 0, first_in_ = 0;
};

// A UDP packet of `payload` bytes (IPv4 or IPv6).
Bytes udp(bool v6, size_t payload, uint8_t tos = 0, uint8_t first = 0) {
  stim::PacketSpec p;
  p.ipv6 = v6;
  if (v6) {
    p.src = stim::ipv6("2001:db8::1");
    p.dst = stim::ipv6("2001:db8::2");
  }
  p.payload = stim::pattern(payload, first);
  Bytes pkt = stim::ip_packet(p);
  if (v6) {
    pkt[0] = static_cast<uint8_t>(0x60 | tos >> 4);
    pkt[1] = static_cast<uint8_t>((tos & 15) << 4 | (pkt[1] & 15));
  } else if (tos != 0) {
    pkt[1] = tos;
    pkt[10] = pkt[11] = 0;
    const uint16_t c = ipsec::model::ipv4_header_checksum(pkt.data(), 20);
    pkt[10] = static_cast<uint8_t>(c >> 8);
    pkt[11] = static_cast<uint8_t>(c);
  }
  return pkt;
}

PktSa transport_sa(uint16_t handle, uint32_t spi, uint64_t seq = 1, bool v6 = false) {
  PktSa s;
  s.handle = handle;
  s.spi = spi;
  s.seq = seq;
  s.outer6 = v6;  // a transport SA's family
  return s;
}

PktSa tunnel_sa(uint16_t handle, uint32_t spi, bool outer6, uint8_t ttl = 64, uint8_t tos = 0,
                uint8_t flags = 0, uint32_t flow = 0) {
  PktSa s = transport_sa(handle, spi);
  s.tunnel = true;
  s.outer6 = outer6;
  if (outer6) {
    s.sip = stim::ipv6("2001:db8:100::1");
    s.dip = stim::ipv6("2001:db8:200::2");
  }
  s.ttl = ttl;
  s.tos = tos;
  s.flags = flags;
  s.flow = flow;
  return s;
}

// What esp_tx does with the stage's output, by the reference model of the datapath
// (sim/model/esp_model.h, contract section 6), with a TX SA for every key: each frame the
// stage sends with metadata 0x08 is encrypted (enc_in and enc_out), each it marks with tuser
// is dropped before classification (enc_drop, no enc_in), the others pass as they did.
void check_downstream(const std::deque<Bytes>& got, const std::vector<bool>& users,
                      const std::vector<std::pair<Bytes, bool>>& in) {
  namespace model = ipsec::model;
  const model::SaLookup any_tx = [](const model::SaKey& k) -> std::optional<model::SaContext> {
    if (!k.tx) return std::nullopt;
    model::SaContext c;
    c.key[0] = 0x42;
    c.salt = 0x01020304;
    return c;
  };
  const model::DatapathControl ctl;
  for (size_t i = 0; i < got.size(); ++i) {
    model::DatapathCounters n;
    const model::FrameResult res = model::tx(got[i], users[i], any_tx, ctl, n);
    const bool pkt = in[i].first.size() > 14 && in[i].first[12] == 0x8C && in[i].first[14] == 0x0A;
    INFO("frame " << i << ": " << res.why);
    if (users[i]) {
      CHECK(res.fate == model::Fate::kDrop);
      CHECK(n.enc_drop == 1);
      CHECK(n.enc_in == 0);
    } else if (pkt) {
      CHECK(res.fate == model::Fate::kOut);
      CHECK(n.enc_in == 1);
      CHECK(n.enc_out == 1);
    }
  }
}

// An Ethernet frame with no metadata, or with the crypto-offload metadata.
Bytes plain_frame(size_t size, uint8_t first) {
  Bytes ip = udp(false, size > 42 ? size - 42 : 0, 0, first);
  return stim::pad_to_minimum(stim::ethernet_ip(ip));
}

}  // namespace

TEST_CASE("frames without syndrome 0x0A pass byte for byte, 3 clocks later, one beat per clock") {
  // Timing with no stall: the first beat leaves three edges after it was taken, and frames
  // back to back keep one beat per clock.
  Rig r(test_seed(), 0);
  size_t beats = 0;
  for (size_t n = 0; n < 40; ++n) {
    Bytes f = plain_frame(60 + n * 37, static_cast<uint8_t>(n));
    if (n % 2) f = stim::insert_metadata(f, 0x08, {0, 0, 0, 0, 17});
    beats += (f.size() + 15) / 16;
    r.send(f);
  }
  r.run();
  CHECK(r.check() == 40);
  CHECK(r.first_latency() == 3);
  CHECK(r.out_beats() == beats);
  CHECK(r.out_span() == beats);
  for (bool u : r.users()) CHECK(!u);
}

TEST_CASE("transport IPv4 and IPv6: the crypto-offload frame the host builds") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(5, transport_sa(0x1234, 0x1000, 7));
  r.write_sa(6, transport_sa(0x4321, 0x2000, 100, true));
  r.settle();
  std::vector<Bytes> ips;
  for (size_t n = 0; n < 12; ++n) {
    const bool v6 = n % 2;
    ips.push_back(udp(v6, 20 + 53 * n));
    r.send(pkt_frame(ips.back(), v6 ? 6 : 5, v6 ? 0x4321 : 0x1234));
  }
  r.run();
  CHECK(r.check() == 12);
  // The reference against the stimulus library's host frame (frames.h, host_esp_frame).
  uint64_t sn4 = 7, sn6 = 100;
  for (size_t n = 0; n < ips.size(); ++n) {
    const bool v6 = n % 2;
    stim::EspSpec esp;
    esp.spi = v6 ? 0x2000 : 0x1000;
    esp.seq = v6 ? sn6++ : sn4++;
    INFO("frame " << n);
    CHECK(first_difference(r.got()[n], stim::host_esp_frame(ips[n], esp)) == "");
    CHECK(r.events()[n].fate == Fate::kSent);
  }
}

TEST_CASE("tunnel: IPv4 and IPv6 in IPv4 and IPv6 outer headers") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(1, tunnel_sa(1, 0x101, false, 33, 0xB8));
  r.write_sa(2, tunnel_sa(2, 0x102, true, 17, 0x28, 0, 0xABCDE));
  r.settle();
  size_t n = 0;
  for (size_t size : {20, 21, 22, 23, 30, 100, 333, 1400}) {
    for (bool inner6 : {false, true}) {
      for (uint16_t idx : {1, 2}) {
        r.send(pkt_frame(udp(inner6, size, 0x03), idx, idx));
        ++n;
      }
    }
  }
  r.run();
  CHECK(r.check() == n);
  // The outer headers' fields as the SAs say (the reference builds the same).
  const Bytes& f4 = r.got()[0];
  CHECK(f4[20] == 0x08);
  CHECK(f4[30] == 33);          // TTL
  CHECK(f4[23] == 0xB8);        // DSCP and ECN from the SA
  CHECK(f4[28] == 0x40);        // DF set
  const Bytes& f6 = r.got()[1];
  CHECK(f6[20] == 0x86);
  CHECK(f6[29] == 17);  // hop limit
  for (bool u : r.users()) CHECK(!u);
}

TEST_CASE("tunnel: DSCP copied or not, ECN copied, DF copied or set") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(10, tunnel_sa(10, 0x10, false, 64, 0xA0, 0));  // DSCP from the SA, DF set
  r.write_sa(11, tunnel_sa(11, 0x11, false, 64, 0xA0, 1));  // DSCP copied
  r.write_sa(12, tunnel_sa(12, 0x12, false, 64, 0xA0, 2));  // DF from the inner header
  r.write_sa(13, tunnel_sa(13, 0x13, true, 64, 0xA0, 1));   // IPv6 outer, copied
  r.settle();
  size_t n = 0;
  for (uint8_t tos : {0x00, 0x01, 0x02, 0x03, 0x2E << 2 | 3, 0xFF}) {
    for (bool df : {false, true}) {
      for (uint16_t idx : {10, 11, 12, 13}) {
        Bytes ip = udp(false, 64, tos);
        if (df) {
          ip[6] |= 0x40;
          ip[10] = ip[11] = 0;
          const uint16_t c = ipsec::model::ipv4_header_checksum(ip.data(), 20);
          ip[10] = static_cast<uint8_t>(c >> 8);
          ip[11] = static_cast<uint8_t>(c);
        }
        r.send(pkt_frame(ip, idx, idx));
        ++n;
      }
      r.send(pkt_frame(udp(true, 64, tos), 12, 12));  // IPv6 inner: DF set
      ++n;
    }
  }
  r.run();
  CHECK(r.check() == n);
  // Spot checks beside the reference: copied DSCP, DF from the inner header.
  const Bytes& copied = r.got()[4 * 10 + 1];  // tos 0x2E << 2 | 3, no DF, SA 11
  CHECK(copied[23] == (0x2E << 2 | 3));
  const Bytes& from_sa = r.got()[4 * 10];  // the same, SA 10
  CHECK(from_sa[23] == 0xA0);
  const Bytes& df_clear = r.got()[2];  // SA 12, inner without DF
  CHECK(df_clear[28] == 0x00);
  const Bytes& df_copied = r.got()[5 + 2];  // SA 12, inner with DF
  CHECK(df_copied[28] == 0x40);
}

TEST_CASE("sequence numbers advance per SA, independently, back to back") {
  // No stall: frames of one SA back to back, the shortest (4 beats) included, test the
  // read-modify-write of the sequence number.
  for (int stall : {0, stall_percent()}) {
    Rig r(test_seed() + static_cast<uint64_t>(stall), stall);
    r.write_sa(100, transport_sa(100, 0x100, 1));
    r.write_sa(101, transport_sa(101, 0x101, 5000));
    r.write_sa(102, tunnel_sa(102, 0x102, true));
    r.settle();
    size_t n = 0;
    for (size_t i = 0; i < 60; ++i) {
      const uint16_t idx = static_cast<uint16_t>(i < 20 ? 100 : 100 + i % 3);
      r.send(stim::pad_to_minimum(pkt_frame(udp(false, i % 5 == 0 ? 0 : i * 7), idx, idx)));
      ++n;
    }
    r.run();
    CHECK(r.check() == n);
    // The first 20 frames: SA 100's numbers 1..20, in the ESP header and the IV.
    for (size_t i = 0; i < 20; ++i) {
      const Bytes& f = r.got()[i];
      CHECK(f[46] == 0);
      CHECK(f[49] == i + 1);
      CHECK(f[57] == i + 1);
    }
    CHECK(r.ref().sa(100).seq == 1 + 20 + 13);
    CHECK(r.ref().sa(101).seq == 5000 + 13);
  }
}

TEST_CASE("exhaustion: without ESN 2^32 is never sent, with ESN the IV crosses 2^32") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(7, transport_sa(7, 0x77, 0xFFFFFFFEull));
  PktSa esn = tunnel_sa(8, 0x88, false);
  esn.esn = true;
  esn.seq = 0xFFFFFFFEull;
  r.write_sa(8, esn);
  r.settle();
  for (int i = 0; i < 5; ++i) {
    r.send(pkt_frame(udp(false, 100), 7, 7));
    r.send(pkt_frame(udp(true, 100), 8, 8));
  }
  r.run();
  CHECK(r.check() == 10);
  const std::vector<Fate> want7{Fate::kSent, Fate::kSent, Fate::kExhausted, Fate::kExhausted,
                                Fate::kExhausted};
  for (size_t i = 0; i < 5; ++i) {
    INFO("frame " << i);
    CHECK(r.events()[2 * i].fate == want7[i]);
    CHECK(r.users()[2 * i] == (want7[i] != Fate::kSent));
    CHECK(r.events()[2 * i + 1].fate == Fate::kSent);
  }
  // SA 7 sent 0xFFFFFFFE and 0xFFFFFFFF; SA 8's IV carries the high half past 2^32.
  CHECK(r.got()[2][49] == 0xFF);
  const Bytes& crossed = r.got()[2 * 4 + 1];  // SN 2^32 + 2
  CHECK(crossed[50 + 3] == 1);
  CHECK(crossed[50 + 7] == 2);
  CHECK(r.ref().sa(7).seq == 0x100000000ull);
}

TEST_CASE("ESN at 2^64 - 1: the last number is sent, then the SA is exhausted") {
  Rig r(test_seed(), stall_percent());
  PktSa s = transport_sa(9, 0x99, ~0ull, true);
  s.esn = true;
  r.write_sa(9, s);
  r.settle();
  for (int i = 0; i < 3; ++i) r.send(pkt_frame(udp(true, 64), 9, 9));
  r.run();
  CHECK(r.check() == 3);
  CHECK(r.events()[0].fate == Fate::kSent);
  CHECK(r.events()[1].fate == Fate::kExhausted);
  CHECK(r.events()[2].fate == Fate::kExhausted);
}

// The model's order of checks (sim/model/esp_packet.cpp, tx_packet), which the lifetime
// counts follow: an SA past a hard event first, then the packet's own faults (a datagram past
// the frame's end among them), then exhaustion. And an IPv6 transport packet with no payload
// in a frame of exactly 62 bytes ends at the insertion point: it is encapsulated.
TEST_CASE("fates in the model's order, and an IPv6 transport packet ending at the insertion point") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(5, transport_sa(5, 0x5, 0x100000000ull));  // exhausted
  r.write_sa(6, transport_sa(6, 0x6, 0x100000000ull));  // exhausted and hard-expired
  r.write_sa(7, transport_sa(7, 0x7, 1, true));
  r.settle();
  r.expire(6, true);
  r.settle();
  Bytes cut = pkt_frame(udp(false, 200), 5, 5);
  cut.resize(cut.size() - 30);
  r.send(pkt_frame(udp(true, 64), 5, 5));   // the other family
  r.send(cut);
  r.send(pkt_frame(udp(false, 64), 5, 5));
  r.send(pkt_frame(udp(true, 64), 6, 6));
  cut[16] = 6;  // to SA 6: index and handle
  cut[18] = 6;
  r.send(cut);
  const Bytes empty6 = pkt_frame(udp(true, 0), 7, 7);
  Bytes bare6(empty6.begin(), empty6.begin() + 62);  // the IPv6 header, no UDP header
  bare6[26] = bare6[27] = 0;
  r.send(bare6);
  r.send(pkt_frame(udp(true, 10), 7, 7));
  r.run();
  CHECK(r.check() == 7);
}

TEST_CASE("dropped with tuser: wrong handle, no SA, beyond the table, malformed, expired") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(3, transport_sa(0xAAAA, 0x3));
  r.write_sa(4, tunnel_sa(4, 0x4, false));
  r.settle();
  r.expire(4, true);
  r.settle();
  Bytes opts = udp(false, 64);
  {
    stim::PacketSpec p;
    p.ipv4_options = {1, 1, 1, 1};
    opts = stim::ip_packet(p);
  }
  stim::PacketSpec e6;
  e6.ipv6 = true;
  e6.src = stim::ipv6("2001:db8::1");
  e6.dst = stim::ipv6("2001:db8::2");
  e6.ipv6_ext_header = true;
  Bytes bad_version = pkt_frame(udp(false, 64), 3, 0xAAAA);
  bad_version[22] = 0x65;  // EtherType IPv4, version 6
  r.send(pkt_frame(udp(false, 64), 3, 0xAAAB));  // wrong handle
  r.send(pkt_frame(udp(false, 64), 2, 0));       // no SA there
  r.send(pkt_frame(udp(false, 64), 1024, 0));    // beyond the table
  r.send(pkt_frame(udp(false, 64), 0xFFFF, 0));
  r.send(pkt_frame(opts, 3, 0xAAAA));            // IPv4 options, transport
  r.send(pkt_frame(stim::ip_packet(e6), 3, 0xAAAA));  // IPv6 extension header, transport
  r.send(bad_version);
  r.send(pkt_frame(udp(false, 64), 4, 4));       // hard-expired
  stim::PacketSpec frag;
  frag.more_fragments = true;
  r.send(pkt_frame(stim::ip_packet(frag), 3, 0xAAAA));  // an IPv4 fragment, transport
  frag.more_fragments = false;
  frag.fragment_offset = 100;
  r.send(pkt_frame(stim::ip_packet(frag), 3, 0xAAAA));
  r.send(pkt_frame(udp(true, 64), 3, 0xAAAA));   // IPv6 on an IPv4 transport SA
  r.send(pkt_frame(udp(false, 64), 3, 0xAAAA));  // sent: the drops took no number
  r.run();
  CHECK(r.check() == 12);
  const std::vector<Fate> want{Fate::kHandle,    Fate::kNoSa,      Fate::kNoSa,      Fate::kNoSa,
                               Fate::kMalformed, Fate::kMalformed, Fate::kMalformed, Fate::kExpired,
                               Fate::kMalformed, Fate::kMalformed, Fate::kMalformed, Fate::kSent};
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("frame " << i);
    CHECK(r.events()[i].fate == want[i]);
    CHECK(r.users()[i] == (want[i] != Fate::kSent));
  }
  CHECK(r.got()[11][49] == 1);  // sequence number 1
}

TEST_CASE("tunnel takes IPv4 options, fragments and IPv6 extension headers inside") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(20, tunnel_sa(20, 0x20, false));
  r.write_sa(21, tunnel_sa(21, 0x21, true));
  r.settle();
  stim::PacketSpec p;
  p.ipv4_options = {1, 1, 1, 1, 1, 1, 1, 1};
  stim::PacketSpec e6;
  e6.ipv6 = true;
  e6.src = stim::ipv6("2001:db8::1");
  e6.dst = stim::ipv6("2001:db8::2");
  e6.ipv6_ext_header = true;
  stim::PacketSpec frag;
  frag.more_fragments = true;
  for (uint16_t idx : {20, 21}) {
    r.send(pkt_frame(stim::ip_packet(p), idx, idx));
    r.send(pkt_frame(stim::ip_packet(e6), idx, idx));
    r.send(pkt_frame(stim::ip_packet(frag), idx, idx));
  }
  r.run();
  CHECK(r.check() == 6);
  for (const Event& e : r.events()) CHECK(e.fate == Fate::kSent);
}

TEST_CASE("runts, short frames, MAC errors and datagrams past the frame: tuser") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(30, transport_sa(30, 0x30));
  r.write_sa(31, tunnel_sa(31, 0x31, true));
  r.write_sa(32, transport_sa(32, 0x32, 1, true));
  r.settle();
  size_t n = 0;
  for (uint16_t idx : {30, 31, 32}) {
    const Bytes f = pkt_frame(udp(idx == 32, 200), idx, idx);
    for (size_t cut : {1, 10, 15, 16, 17, 20, 31, 32, 33, 40, 42, 43, 48, 59, 60, 61, 62, 63, 100}) {
      r.send(Bytes(f.begin(), f.begin() + static_cast<long>(cut)));
      ++n;
    }
    r.send(f, true);  // a MAC error
    r.send(stim::pad_to_minimum(pkt_frame(udp(false, 0), idx, idx)));  // short datagram, padded
    r.send(pkt_frame(udp(true, 40), idx, idx));
    n += 3;
  }
  r.run();
  CHECK(r.check() == n);
  // Runts and MAC errors (dropped before classification) apart from datagrams cut short.
  size_t runts = 0, cuts = 0;
  for (const Event& e : r.events()) {
    runts += e.fate == Fate::kTruncated;
    cuts += e.fate == Fate::kCut;
  }
  // Per SA: 12 cuts of 15 to 59 bytes and the MAC error are runts (the cuts of 1 and 10
  // bytes carry no syndrome), the cuts of 60 to 100 bytes are cut datagrams.
  CHECK(runts == 3 * 13);
  CHECK(cuts == 3 * 5);
  // None of them took a number: SA 30 sent the padded short datagram alone (the IPv6
  // packet is not of its family).
  CHECK(r.ref().sa(30).seq == 2);

}

TEST_CASE("short datagrams padded to the Ethernet minimum: the padding's whole beats not carried, a MAC error on them kept") {
  // The beat of the datagram's last byte takes the later beats' end and MAC error, in S1 as
  // they come or from S2 while it waits there (host pauses decide which): every IP packet of
  // 20 to 45 bytes (UDP from 28; below that a bare header), transport IPv4 and IPv6, tunnel
  // over IPv4 and IPv6, every third frame with a MAC error on its last (padding) beat, at
  // no stall and at 50 %.
  for (int stall : {0, 50}) {
    Rig r(test_seed(), stall);
    r.write_sa(50, transport_sa(50, 0x50));
    r.write_sa(51, transport_sa(51, 0x51, 1, true));
    r.write_sa(52, tunnel_sa(52, 0x52, false));
    r.write_sa(53, tunnel_sa(53, 0x53, true));
    r.settle();
    size_t n = 0, errors = 0;
    for (uint16_t idx : {50, 51, 52, 53}) {
      const bool v6 = idx == 51;
      for (size_t ip = v6 ? 40 : 20; ip <= 45; ++ip) {
        Bytes f;
        if (ip >= (v6 ? 48u : 28u)) {
          f = pkt_frame(udp(v6, ip - (v6 ? 48 : 28)), idx, idx);
        } else {
          stim::PacketSpec p;
          p.ipv6 = v6;
          if (v6) {
            p.src = stim::ipv6("2001:db8::1");
            p.dst = stim::ipv6("2001:db8::2");
          }
          p.proto = 59;  // no next header (RFC 8200): a packet of bare payload bytes
          p.payload = Bytes(ip - (v6 ? 40 : 20), 0xA5);
          f = pkt_frame(stim::ip_packet(p), idx, idx);
        }
        f = stim::pad_to_minimum(f);
        const bool mac_error = n % 3 == 2;
        r.send(f, mac_error);
        errors += mac_error;
        ++n;
      }
    }
    r.run();
    CHECK(r.check() == n);
    size_t runts = 0, sent = 0;
    for (const Event& e : r.events()) {
      runts += e.fate == Fate::kTruncated;
      sent += e.fate == Fate::kSent;
    }
    CHECK(runts == errors);
    CHECK(sent == n - errors);
  }
}

TEST_CASE("frame sizes 60 to 1518 and a jumbo frame, every mode") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(40, transport_sa(40, 0x40));
  r.write_sa(41, tunnel_sa(41, 0x41, false));
  r.write_sa(42, tunnel_sa(42, 0x42, true));
  r.write_sa(43, transport_sa(43, 0x43, 1, true));
  r.settle();
  std::mt19937_64 rng(test_seed());
  size_t n = 0;
  for (size_t size = 60; size <= 1518; size += 1 + rng() % 23) {
    const bool v6 = rng() & 1;
    const size_t payload = size - 22 - (v6 ? 48 : 28);
    const uint64_t pick = rng() % 3;
    const uint16_t idx = static_cast<uint16_t>(pick == 0 ? (v6 ? 43 : 40) : 40 + pick);
    r.send(stim::pad_to_minimum(pkt_frame(udp(v6, size < 22 + (v6 ? 48 : 28) ? 0 : payload), idx, idx)));
    ++n;
  }
  for (uint16_t idx : {40, 41, 42, 43}) {
    r.send(pkt_frame(udp(idx == 43, 9000), idx, idx));
    if (idx != 40 && idx != 43) {
      r.send(pkt_frame(udp(true, 9000), idx, idx));
      ++n;
    }
    ++n;
  }
  r.run();
  CHECK(r.check() == n);
  check_downstream(r.got(), r.users(), r.inputs());
}

TEST_CASE("random traffic: mixed frames and SAs, SAs rewritten while frames flow, stalls") {
  const uint64_t seed = test_seed();
  Rig r(seed, stall_percent());
  std::mt19937_64 rng(seed);
  constexpr uint16_t kUsed = 12;
  std::vector<PktSa> sas(kUsed);
  auto random_sa = [&rng](uint16_t handle) {
    PktSa s;
    s.handle = handle;
    s.spi = static_cast<uint32_t>(rng());
    s.esn = rng() & 1;
    const uint64_t r4 = rng() % 4;
    s.seq = r4 == 0 ? 1 : r4 == 1 ? 0xFFFFFFF0ull + rng() % 16 : r4 == 2 ? ~0ull - rng() % 8 : rng() % 100000;
    s.tunnel = rng() & 1;
    s.outer6 = rng() & 1;
    s.sip = s.outer6 ? stim::ipv6("2001:db8:1::1") : stim::ipv4("198.18.0.1");
    s.dip = s.outer6 ? stim::ipv6("2001:db8:2::2") : stim::ipv4("198.18.0.2");
    for (size_t i = 12; i < 16; ++i) s.dip[i] = static_cast<uint8_t>(rng());
    s.ttl = static_cast<uint8_t>(rng());
    s.tos = static_cast<uint8_t>(rng());
    s.flags = static_cast<uint8_t>(rng() & 3);
    s.flow = static_cast<uint32_t>(rng() & 0xFFFFF);
    s.valid = rng() % 8 != 0;
    return s;
  };
  for (uint16_t i = 0; i < kUsed; ++i) {
    sas[i] = random_sa(static_cast<uint16_t>(rng()));
    r.write_sa(i, sas[i]);
  }
  r.settle();
  size_t n = 0;
  for (int i = 0; i < 600; ++i) {
    const uint64_t kind = rng() % 10;
    const uint16_t idx = static_cast<uint16_t>(rng() % (kUsed + 1));
    const bool v6 = rng() & 1;
    const size_t size = stim::random_frame_size(rng, 1600);
    const size_t payload = size > 22 + 48 + 16 ? size - 22 - 48 : 16;
    Bytes f;
    if (kind == 0) {
      f = plain_frame(size, static_cast<uint8_t>(i));
    } else if (kind == 1) {
      f = stim::insert_metadata(plain_frame(size, static_cast<uint8_t>(i)), 0x08, {0, 0, 0, 0, 17});
    } else {
      const uint16_t handle = idx < kUsed && rng() % 16 != 0 ? sas[idx].handle : static_cast<uint16_t>(rng());
      f = stim::pad_to_minimum(pkt_frame(udp(v6, payload, static_cast<uint8_t>(rng())), idx, handle));
      if (rng() % 40 == 0) f.resize(17 + rng() % 60);  // cut short
    }
    r.send(f, rng() % 50 == 0, rng() % 8 == 0 ? static_cast<uint32_t>(rng() % 5) : 0);
    ++n;
    if (rng() % 25 == 0) {  // an SA deleted or added again while frames flow
      const uint16_t w = static_cast<uint16_t>(rng() % kUsed);
      sas[w] = random_sa(static_cast<uint16_t>(rng()));
      r.write_sa(w, sas[w]);
    }
    if (rng() % 60 == 0) r.expire(static_cast<uint16_t>(rng() % kUsed), rng() & 1);
    for (int t = 0; t < 3; ++t) r.tick();
  }
  r.run();
  CHECK(r.check() == n);
  check_downstream(r.got(), r.users(), r.inputs());
}

TEST_CASE("wire utilization: packet-SA frames of 64 to 1500 bytes back to back") {
  // No pause, no back-pressure: output beats per clock from the first beat out to the last.
  // The output is longer than the input, so it sets the pace: it must not lose a clock.
  {
  Rig r(test_seed(), 0);
  r.write_sa(50, transport_sa(50, 0x50));
  r.write_sa(51, tunnel_sa(51, 0x51, false));
  r.write_sa(52, tunnel_sa(52, 0x52, true));
  r.write_sa(53, transport_sa(53, 0x53, 1, true));
  r.settle();
  std::mt19937_64 rng(test_seed());
  size_t n = 0;
  for (int i = 0; i < 400; ++i) {
    const size_t size = 64 + rng() % (1500 - 64 + 1);
    const bool v6 = rng() & 1;
    const uint16_t idx = static_cast<uint16_t>(i % 3 == 0 ? (v6 ? 53 : 50) : 50 + i % 3);
    const size_t hdrs = 22 + (v6 ? 48 : 28);
    r.send(pkt_frame(udp(v6, size > hdrs ? size - hdrs : 0), idx, idx));
    ++n;
  }
  r.run();
  CHECK(r.check() == n);
  const double util = static_cast<double>(r.out_beats()) / static_cast<double>(r.out_span());
  MESSAGE("output beats per clock, 400 frames of 64..1500 bytes: " << r.out_beats() << " beats in "
          << r.out_span() << " clocks = " << util);
  CHECK(util >= 0.99);
  for (const Event& e : r.events()) CHECK(e.fate == Fate::kSent);
  }
  // And the shortest frames alone.
  Rig s(test_seed(), 0);
  s.write_sa(50, transport_sa(50, 0x50));
  s.settle();
  for (int i = 0; i < 200; ++i) s.send(pkt_frame(udp(false, 64 - 22 - 28), 50, 50));
  s.run();
  CHECK(s.check() == 200);
  const double util64 = static_cast<double>(s.out_beats()) / static_cast<double>(s.out_span());
  MESSAGE("output beats per clock, 64-byte frames, transport IPv4: " << s.out_beats() << " beats in "
          << s.out_span() << " clocks = " << util64);
  CHECK(util64 >= 0.99);
}

TEST_CASE("an SA written on the edge its state is read: that frame is dropped as stale") {
  // The write is offered at each clock in turn around the first frame: before its read the
  // frame takes the old state, on its read's edge it is stale (dropped, nothing written back
  // over the new state); after it the port waits until the frame's write-back is done.
  int stale = 0, old_state = 0, new_state = 0;
  for (int offset = 0; offset < 10; ++offset) {
    Rig r(test_seed() + static_cast<uint64_t>(offset), 0);
    r.write_sa(60, transport_sa(60, 0x60, 1));
    r.settle();
    r.send(pkt_frame(udp(false, 100), 60, 60));
    r.send(pkt_frame(udp(false, 100), 60, 60));
    for (int i = 0; i < offset; ++i) r.tick();
    r.write_sa(60, transport_sa(60, 0x61, 1000));
    r.run();
    CHECK(r.check() == 2);
    const Fate f = r.events()[0].fate;
    if (f == Fate::kStale) ++stale;
    if (f == Fate::kSent && r.got()[0][45] == 0x60) ++old_state;
    if (f == Fate::kSent && r.got()[0][45] == 0x61) ++new_state;
    // The second frame sees the new SA, or (the write waited for the first frame's
    // write-back and landed on the second one's read) is stale.
    const Fate f2 = r.events()[1].fate;
    CHECK((f2 == Fate::kStale || (f2 == Fate::kSent && r.got()[1][45] == 0x61)));
    if (f2 == Fate::kStale) ++stale;
  }
  MESSAGE("first frame: old state " << old_state << ", stale " << stale << ", new state " << new_state);
  CHECK(stale >= 1);
  CHECK(old_state >= 1);
  CHECK(new_state >= 1);
}

TEST_CASE("frames without syndrome 0x0A between 0x0A ones leave untouched") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(70, tunnel_sa(70, 0x70, true));
  r.write_sa(71, transport_sa(71, 0x71));
  r.settle();
  std::vector<size_t> plain;
  for (size_t i = 0; i < 60; ++i) {
    Bytes f;
    if (i % 3 == 0) {
      f = plain_frame(60 + 29 * i, static_cast<uint8_t>(i));
      if (i % 2) f = stim::insert_metadata(f, 0x08, {0, 0, 0, 0, 17});
      plain.push_back(i);
    } else {
      const uint16_t idx = static_cast<uint16_t>(i % 3 == 1 ? 70 : 71);
      f = stim::pad_to_minimum(pkt_frame(udp(idx == 70 && i % 2, 11 * i), idx, idx));
    }
    r.send(f, i % 3 == 0 && i % 9 == 0);  // some with a MAC error, passed on
  }
  r.run();
  CHECK(r.check() == 60);
  for (size_t i : plain) {
    INFO("frame " << i);
    CHECK(first_difference(r.got()[i], r.inputs()[i].first) == "");
    CHECK(r.users()[i] == r.inputs()[i].second);
  }
  CHECK(r.events().size() == 40);
}

TEST_CASE("a hard-expired mark drops the SA's frames until it is cleared") {
  Rig r(test_seed(), stall_percent());
  r.write_sa(80, transport_sa(80, 0x80, 10));
  r.write_sa(81, transport_sa(81, 0x81, 20));
  r.settle();
  r.expire(80, true);
  r.settle();
  for (int i = 0; i < 3; ++i) {
    r.send(pkt_frame(udp(false, 64), 80, 80));
    r.send(pkt_frame(udp(false, 64), 81, 81));
  }
  r.run();
  r.expire(80, false);
  r.settle();
  r.send(pkt_frame(udp(false, 64), 80, 80));
  r.run();
  CHECK(r.check() == 7);
  for (int i = 0; i < 3; ++i) {
    CHECK(r.events()[2 * i].fate == Fate::kExpired);
    CHECK(r.events()[2 * i + 1].fate == Fate::kSent);
  }
  CHECK(r.events()[6].fate == Fate::kSent);
  CHECK(r.got()[6][49] == 10);  // the expired frames took no number
}

TEST_CASE("the stage then esp_tx send what the packet-offload model sends") {
  // Two readings of packet section P3 side by side: the stage's output through the crypto
  // path of the datapath model (esp_model.h: what esp_tx does with it) against the model's
  // own packet-offload TX (esp_packet.h, tx_packet, written from the contract apart from
  // the RTL), frame by frame: the same fate and, for frames sent, the same wire bytes.
  namespace model = ipsec::model;
  const uint64_t seed = test_seed();
  Rig r(seed, stall_percent());
  std::mt19937_64 rng(seed ^ 0xE5CA9ull);
  constexpr uint16_t kUsed = 8;
  std::vector<model::SaEntry> entries(kUsed);
  for (uint16_t i = 0; i < kUsed; ++i) {
    PktSa s;
    s.handle = static_cast<uint16_t>(rng());
    s.spi = 0x5000 + i;  // unique: the crypto path finds the SA by its SPI below
    s.esn = rng() & 1;
    const uint64_t r4 = rng() % 4;
    // Near the end of the numbers (2^32 without ESN, 2^64 with it) now and then.
    s.seq = r4 == 0 ? (s.esn ? ~0ull - 1 : 0xFFFFFFFEull) : 1 + rng() % 1000;
    s.tunnel = rng() & 1;
    s.outer6 = rng() & 1;
    s.sip = s.outer6 ? stim::ipv6("2001:db8:1::1") : stim::ipv4("198.18.0.1");
    s.dip = s.outer6 ? stim::ipv6("2001:db8:2::2") : stim::ipv4("198.18.0.2");
    s.ttl = static_cast<uint8_t>(rng());
    s.tos = static_cast<uint8_t>(rng());
    s.flags = static_cast<uint8_t>(rng() & 3);
    s.flow = static_cast<uint32_t>(rng() & 0xFFFFF);
    r.write_sa(i, s);
    model::SaEntry& e = entries[i];
    e.key.tx = true;
    e.key.ipv6 = s.outer6;
    e.key.sip = s.sip;
    e.key.dip = s.dip;
    e.key.spi = s.spi;
    for (auto& b : e.key_enc) b = static_cast<uint8_t>(rng());
    for (auto& b : e.salt) b = static_cast<uint8_t>(rng());
    e.sw_sa_handle = static_cast<uint32_t>(rng() << 16) | s.handle;
    e.enc_mode = 1;  // AES-GCM-128
    e.esn_en = s.esn;
    model::PacketSa p;
    p.index = i;
    p.cfg.tunnel = s.tunnel;
    p.cfg.ttl = s.ttl;
    p.cfg.dscp_ecn = s.tos;
    p.cfg.tunnel_flags = s.flags;
    p.cfg.flow_label = s.flow;
    p.seq = s.seq;
    e.pkt = p;
  }
  r.settle();
  for (int i = 0; i < 300; ++i) {
    const uint16_t idx = static_cast<uint16_t>(rng() % (kUsed + 1));
    const uint16_t handle = idx < kUsed && rng() % 12 != 0 ? static_cast<uint16_t>(entries[idx].sw_sa_handle)
                                                          : static_cast<uint16_t>(rng());
    // Mostly the family a transport SA takes, now and then the other.
    const bool transport = idx < kUsed && !entries[idx].pkt->cfg.tunnel;
    const bool v6 = transport && rng() % 8 != 0 ? entries[idx].key.ipv6 : (rng() & 1) != 0;
    const size_t size = stim::random_frame_size(rng, 1600);
    Bytes f = pkt_frame(udp(v6, size > 22 + 48 ? size - 22 - 48 : 0), idx, handle);
    if (rng() % 3 == 0) f = stim::pad_to_minimum(f);
    if (rng() % 30 == 0) f.resize(40 + rng() % 40);
    r.send(f, rng() % 40 == 0);
  }
  r.run();
  CHECK(r.check() == 300);

  const model::SaLookup by_spi = [&entries](const model::SaKey& k) -> std::optional<model::SaContext> {
    for (const model::SaEntry& e : entries) {
      if (!k.tx || e.key.spi != k.spi) continue;
      model::SaContext c;
      c.key = e.key_enc;
      c.salt = uint32_t{e.salt[0]} << 24 | uint32_t{e.salt[1]} << 16 | uint32_t{e.salt[2]} << 8 | e.salt[3];
      c.esn_en = e.esn_en;
      return c;
    }
    return std::nullopt;
  };
  const model::SaByIndex sa_at = [&entries](uint16_t index) -> model::SaEntry* {
    return index < entries.size() ? &entries[index] : nullptr;
  };
  const model::DatapathControl ctl;
  model::DatapathCounters n_pkt, n_stage;
  size_t sent = 0;
  for (size_t i = 0; i < r.got().size(); ++i) {
    const model::FrameResult want = model::tx_packet(r.inputs()[i].first, r.inputs()[i].second, sa_at, ctl, n_pkt);
    const model::FrameResult got = model::tx(r.got()[i], r.users()[i], by_spi, ctl, n_stage);
    INFO("frame " << i << " of " << r.inputs()[i].first.size() << " bytes: model " << want.why << ", stage "
                  << got.why << ", " << seed_hint());
    REQUIRE(got.fate == want.fate);
    if (want.out) {
      ++sent;
      CHECK(first_difference(*got.out, *want.out) == "");
    }
  }
  CHECK(n_stage.enc_out == n_pkt.enc_out);
  CHECK(n_stage.enc_drop == n_pkt.enc_drop);
  MESSAGE("frames sent by both: " << sent << " of 300");
  CHECK(sent > 50);
}
