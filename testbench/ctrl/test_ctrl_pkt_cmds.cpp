// Packet offload's commands on the control plane built with PktOffload 1 (test_ctrl_pkt),
// in lockstep with the reference model configured with packet_offload (sim/model/
// ctrl_model.*, the judge): ADD_SA_PKT's every refusal and its successes with the index in
// response word 2, MOD_SA_V2 and DEL of packet SAs, the indices after deletes and re-adds,
// the lookup ports' packet mark and index, and the records the executor offers the packet
// units on pkt_sa (docs/packet_offload.md, packet sections P2 and P8). The harness's
// stand-in for the units (PktSaSink) holds ready low for random stretches.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_lockstep.h"
#include "ctrl_model.h"
#include "ctrl_test_helpers.h"
#include "ipsec_device.h"
#include "test_seed.h"
#include "xfrm_state.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;

model::CtrlModelConfig pkt_model() {
  model::CtrlModelConfig c = rtl_like_model();
  c.packet_offload = true;
  return c;
}

uint32_t be32_at(const Bytes& b, size_t off) {
  return uint32_t{b[off]} << 24 | uint32_t{b[off + 1]} << 16 | uint32_t{b[off + 2]} << 8 | b[off + 3];
}
uint64_t be64_at(const Bytes& b, size_t off) {
  return uint64_t{be32_at(b, off)} << 32 | be32_at(b, off + 4);
}

// The record the units must be offered for an ADD_SA_PKT of `image` that the model put at
// `index`: every field read from the image, as packet section P2 lays it out.
PktSaRecord record_of(const Bytes& image, uint16_t index) {
  PktSaRecord r;
  const uint8_t flags = image[0x81];
  r.add = true;
  r.index = index;
  r.tx = flags & contract::kDirSx;
  r.esn = flags & contract::kEsnEn;
  r.ipv6 = flags & contract::kIpv6;
  r.tunnel = image[0x94] == 1;
  r.replay_words = image[0x95];
  r.seq = be64_at(image, 0x98);
  r.handle = be32_at(image, 0x78);
  r.spi = be32_at(image, 0x74);
  const size_t from = r.ipv6 ? 0 : 12;  // IPv4: the last word of the field, the rest 0
  for (size_t i = from; i < 16; ++i) {
    r.sip[i] = image[0x44 + i];
    r.dip[i] = image[0x54 + i];
  }
  r.ttl = image[0xC0];
  r.tos = image[0xC1];
  r.tun_flags = image[0xC2] & 0x3;
  r.flow = be32_at(image, 0xC4) & 0xFFFFF;
  r.soft_bytes = be64_at(image, 0xA0);
  r.hard_bytes = be64_at(image, 0xA8);
  r.soft_packets = be64_at(image, 0xB0);
  r.hard_packets = be64_at(image, 0xB8);
  return r;
}

// A delete's record: its add bit, the index and the direction; the rest 0.
PktSaRecord delete_record(uint16_t index, bool tx) {
  PktSaRecord r;
  r.index = index;
  r.tx = tx;
  return r;
}

// The model's table index of the SA with `key`, or -1.
int model_index(const model::CtrlModel& m, const SaKey& key) {
  for (uint32_t i = 0; i < kNumSa; ++i) {
    const model::SaEntry* e = m.sa_at(i);
    if (!e) continue;
    if (e->key.tx == key.tx && e->key.ipv6 == key.ipv6 && e->key.sip == key.sip &&
        e->key.dip == key.dip && e->key.spi == key.spi) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Both run one command: the window written word by word, the doorbell rung (Lockstep waits
// for both to finish), the response words 0..2 read on both and compared, then popped.
Response lock_command(Lockstep& lock, const Bytes& image, uint32_t length) {
  for (size_t off = 0; off < image.size(); off += 4) {
    uint32_t word = 0;
    for (size_t i = 0; i < 4; ++i) word = word << 8 | (off + i < image.size() ? image[off + i] : 0u);
    lock.write(reg::kCmdWindow + static_cast<uint32_t>(off), word);
  }
  lock.write(reg::kCmdDoorbell, length);
  Response r;
  r.syndrome = lock.read(reg::kRspWord0).data;
  r.echo = lock.read(reg::kRspWord0 + 4).data;
  r.word2 = lock.read(reg::kRspWord0 + 8).data;
  lock.write(reg::kRspPop, 1);
  return r;
}

// The model alone runs one command and answers its response words 0..2.
Response model_command(model::CtrlModel& m, const Bytes& image, uint32_t length) {
  for (size_t off = 0; off < image.size(); off += 4) {
    uint32_t word = 0;
    for (size_t i = 0; i < 4; ++i) word = word << 8 | (off + i < image.size() ? image[off + i] : 0u);
    REQUIRE(m.write32(reg::kCmdWindow + static_cast<uint32_t>(off), word) == BusStatus::kOk);
  }
  REQUIRE(m.write32(reg::kCmdDoorbell, length) == BusStatus::kOk);
  m.wait_cycles(256);
  Response r;
  REQUIRE(m.read32(reg::kRspWord0, r.syndrome) == BusStatus::kOk);
  REQUIRE(m.read32(reg::kRspWord0 + 4, r.echo) == BusStatus::kOk);
  REQUIRE(m.read32(reg::kRspWord0 + 8, r.word2) == BusStatus::kOk);
  REQUIRE(m.write32(reg::kRspPop, 1) == BusStatus::kOk);
  return r;
}

// The four SA counters read on both (Lockstep compares them).
void lock_counters(Lockstep& lock) {
  for (Counter c : {Counter::kAddSaSuccess, Counter::kAddSaFail, Counter::kDelSaSuccess,
                    Counter::kDelSaFail}) {
    lock.read(counter_addr(c));
    lock.read(counter_addr(c) + 4);
  }
}

SaSpec tx_sa(uint32_t n, bool ipv6 = false) { return example_sa(n, /*tx=*/true, ipv6); }
SaSpec rx_sa(uint32_t n, bool ipv6 = false) { return example_sa(n, /*tx=*/false, ipv6); }

PktParams rx_params(uint8_t words = 4) {
  PktParams p;
  p.replay_words = words;
  p.seq = 0;
  return p;
}

// Every lookup checked: each of the model's SAs hits with the model's mark and index on
// both ports, by key, but for a packet SA on the TX port: by its index there, and its key
// misses (the TX port finds packet SAs for encapsulated frames only); a deleted key misses
// with zeros.
void check_lookups(CtrlHarness& h, const model::CtrlModel& m, const std::vector<SaKey>& gone) {
  for (uint32_t i = 0; i < kNumSa; ++i) {
    const model::SaEntry* e = m.sa_at(i);
    if (!e) continue;
    SaKey key;
    key.tx = e->key.tx;
    key.ipv6 = e->key.ipv6;
    key.sip = e->key.sip;
    key.dip = e->key.dip;
    key.spi = e->key.spi;
    for (int port = 0; port < 2; ++port) {
      SaCtx ctx;
      LookupMark mark;
      INFO("SA " << key.str() << " port " << port);
      if (port == 0 && e->pkt) {
        CHECK_FALSE(h.lookup(port, key, ctx, mark));
        CHECK(ctx == SaCtx{});
        CHECK_FALSE(mark.pkt);
        REQUIRE(h.lookup_index(static_cast<uint16_t>(i), ctx, mark));
      } else {
        REQUIRE(h.lookup(port, key, ctx, mark));
      }
      CHECK(mark.pkt == e->pkt.has_value());
      CHECK(mark.index == i);
      CHECK(ctx.handle == e->sw_sa_handle);
      CHECK(ctx.esn_en == e->esn_en);
      CHECK(ctx.esn_overlap == e->esn_overlap);
      CHECK(ctx.esn_hi == e->esn);
    }
  }
  for (const SaKey& key : gone) {
    if (model_index(m, key) >= 0) continue;
    for (int port = 0; port < 2; ++port) {
      SaCtx ctx;
      LookupMark mark;
      CHECK_FALSE(h.lookup(port, key, ctx, mark));
      CHECK_FALSE(mark.pkt);
      CHECK(mark.index == 0);
    }
  }
}

TEST_CASE("ADD_SA_PKT: every image the model refuses is ILLEGAL_REQUEST, word 2 0, an add_sa_fail") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  model::CtrlModel m(pkt_model());
  Lockstep lock(h, m);
  struct Case {
    std::string name;
    SaSpec sa;
    PktParams p;
    std::function<void(Bytes&)> edit;
    uint32_t length = contract::kLenPkt;
  };
  const auto none = [](Bytes&) {};
  auto byte = [](size_t off, uint8_t v) { return [off, v](Bytes& b) { b[off] = v; }; };
  PktParams tun;
  tun.mode = 1;
  tun.ttl = 64;
  tun.tos = 0x28;
  tun.tun_flags = 3;
  tun.flow = 0xFFFFF;
  PktParams rx_esn_none = rx_params(0);
  SaSpec rx_esn = rx_sa(3);
  rx_esn.esn = true;
  SaSpec tx_esn = tx_sa(4);
  tx_esn.esn = true;
  std::vector<Case> cases = {
      {"length 148", tx_sa(1), {}, none, contract::kLenV2},
      {"length 207", tx_sa(1), {}, none, 207},
      {"length 209", tx_sa(1), {}, none, 209},
      {"length 0", tx_sa(1), {}, none, 0},
      {"enc_mode 2", tx_sa(1), {}, byte(0x7E, 2)},
      {"no SA_VALID", tx_sa(1), {}, byte(0x81, 0x18 | 0x40)},
      {"mode 2", tx_sa(1), {}, byte(0x94, 2)},
      {"mode 0x81", tx_sa(1), {}, byte(0x94, 0x81)},
      {"replay_words 33", rx_sa(1), rx_params(33), none},
      {"replay_words 255", rx_sa(1), rx_params(255), none},
      {"replay_words 64", rx_sa(1), rx_params(64), none},
      {"replay_words on a TX SA", tx_sa(1), [] { PktParams p; p.replay_words = 1; return p; }(), none},
      {"RX ESN with no window", rx_esn, rx_esn_none, none},
      {"seq high bits without ESN, TX", tx_sa(1), [] { PktParams p; p.seq = 1ull << 32; return p; }(), none},
      {"seq bit 63 without ESN, RX", rx_sa(1), [] { PktParams p = rx_params(); p.seq = 1ull << 63; return p; }(), none},
      {"TX seq 0", tx_sa(1), [] { PktParams p; p.seq = 0; return p; }(), none},
      {"TX ESN seq 0", tx_esn, [] { PktParams p; p.seq = 0; return p; }(), none},
      {"soft bytes above hard, high half", tx_sa(1), [] { PktParams p; p.soft_bytes = 2ull << 32, p.hard_bytes = (1ull << 32) | 0xFFFFFFFF; return p; }(), none},
      {"soft bytes above hard, low half", tx_sa(1), [] { PktParams p; p.soft_bytes = 11, p.hard_bytes = 10; return p; }(), none},
      {"soft packets above hard, high half", rx_sa(1), [] { PktParams p = rx_params(); p.soft_packets = ~0ull, p.hard_packets = 0xFFFFFFFEFFFFFFFFull; return p; }(), none},
      {"soft packets above hard, low half", rx_sa(1), [] { PktParams p = rx_params(); p.soft_packets = 3, p.hard_packets = 2; return p; }(), none},
      {"TTL on a TX transport SA", tx_sa(1), [] { PktParams p; p.ttl = 64; return p; }(), none},
      {"TOS on an RX tunnel SA", rx_sa(1), [] { PktParams p = rx_params(); p.mode = 1, p.tos = 1; return p; }(), none},
      {"tunnel flags on a TX transport SA", tx_sa(1), [] { PktParams p; p.tun_flags = 1; return p; }(), none},
      {"flow label on an RX tunnel SA", rx_sa(1), [] { PktParams p = rx_params(); p.mode = 1, p.flow = 1; return p; }(), none},
      {"byte 0xC4 on a TX transport SA", tx_sa(1), {}, byte(0xC4, 0x80)},
      {"tunnel flags bit 2", tx_sa(1), [&] { PktParams p = tun; p.tun_flags = 4; return p; }(), none},
      {"tunnel flags bit 7", tx_sa(1), [&] { PktParams p = tun; p.tun_flags = 0x83; return p; }(), none},
      {"flow label bit 20", tx_sa(1, true), [&] { PktParams p = tun; p.flow = 1u << 20; return p; }(), none},
      {"flow label bit 31", tx_sa(1, true), [&] { PktParams p = tun; p.flow = 0x80000001u; return p; }(), none},
      {"opcode 0x106", tx_sa(1), {}, byte(0x2, 0x01)},
      {"opcode 7", tx_sa(1), {}, byte(0x3, 0x07)},
  };
  for (size_t off : {0x96, 0x97, 0xC3, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF}) {
    cases.push_back({"reserved byte " + std::to_string(off), tx_sa(1), tun, byte(off, 0x01)});
    cases.push_back({"reserved byte " + std::to_string(off) + " bit 7", rx_sa(2), rx_params(), byte(off, 0x80)});
  }
  for (const Case& c : cases) {
    INFO("case: " << c.name);
    Bytes image = pkt_sa_image(c.sa, c.p);
    c.edit(image);
    const size_t records = h.pkt_sink().taken.size();
    const Response r = lock_command(lock, image, c.length);
    CHECK(r.syndrome == contract::kIllegalRequest);  // the model's verdict, for the case's intent
    CHECK(r.word2 == 0);
    CHECK(h.pkt_sink().taken.size() == records);
    lock_counters(lock);
  }
  CHECK(m.sa_count() == 0);
  lock.check_state();
  // The opcodes that are not ADD_SA_PKT counted in neither counter; every other case once.
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == cases.size() - 2);
}

TEST_CASE("ADD_SA_PKT: the images on the edge of each rule are taken, word 2 the model's index") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  model::CtrlModel m(pkt_model());
  Lockstep lock(h, m);
  h.pkt_sink().stall_percent = 10;
  h.pkt_sink().max_stretch = 40;
  struct Case {
    std::string name;
    SaSpec sa;
    PktParams p;
  };
  SaSpec rx_esn = rx_sa(3);
  rx_esn.esn = true;
  rx_esn.esn_overlap = true;
  rx_esn.esn_hi = 0x1234;  // ignored for a packet SA (packet section P8)
  SaSpec tx_esn = tx_sa(4, true);
  tx_esn.esn = true;
  PktParams tun;
  tun.mode = 1;
  tun.ttl = 255;
  tun.tos = 0xFF;
  tun.tun_flags = 3;
  tun.flow = 0xFFFFF;
  const std::vector<Case> cases = {
      {"TX transport", tx_sa(1), {}},
      {"TX tunnel IPv4, every tunnel field", tx_sa(2), tun},
      {"TX tunnel IPv6", tx_sa(5, true), [&] { PktParams p = tun; p.ttl = 1, p.tos = 0, p.tun_flags = 1, p.flow = 0x12345; return p; }()},
      {"TX ESN, seq with a high half", tx_esn, [] { PktParams p; p.seq = 0xFFFFFFFF00000001ull; return p; }()},
      {"TX seq 0xFFFFFFFF without ESN", tx_sa(6), [] { PktParams p; p.seq = 0xFFFFFFFF; return p; }()},
      {"RX window 32", rx_sa(7), rx_params(32)},
      {"RX window 0, no ESN", rx_sa(8), rx_params(0)},
      {"RX ESN window 1, seq high half", rx_esn, [] { PktParams p = rx_params(1); p.seq = 0x500000007ull; return p; }()},
      {"RX tunnel IPv6", rx_sa(9, true), [] { PktParams p = rx_params(2); p.mode = 1; return p; }()},
      {"soft limits equal to hard", tx_sa(10), [] { PktParams p; p.soft_bytes = p.hard_bytes = 1000, p.soft_packets = p.hard_packets = 0; return p; }()},
      {"soft below hard by the high half", rx_sa(11), [] { PktParams p = rx_params(); p.soft_bytes = 0xFFFFFFFF, p.hard_bytes = 1ull << 32, p.soft_packets = 0x00000001FFFFFFFFull, p.hard_packets = 0x0000000200000000ull; return p; }()},
  };
  for (const Case& c : cases) {
    INFO("case: " << c.name);
    const Bytes image = pkt_sa_image(c.sa, c.p);
    const size_t records = h.pkt_sink().taken.size();
    const Response r = lock_command(lock, image, contract::kLenPkt);
    REQUIRE(r.syndrome == contract::kOk);
    const int index = model_index(m, c.sa.match_key());
    REQUIRE(index >= 0);
    CHECK(r.word2 == static_cast<uint32_t>(index));
    CHECK(r.echo == c.sa.handle);
    REQUIRE(h.pkt_sink().taken.size() == records + 1);
    const PktSaRecord want = record_of(image, static_cast<uint16_t>(index));
    const PktSaRecord& got = h.pkt_sink().taken.back();
    INFO("record " << got.str() << "\nwanted " << want.str());
    CHECK(got == want);
    h.learn_index(c.sa.match_key(), static_cast<uint16_t>(index));
  }
  lock_counters(lock);
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == cases.size());
  // Duplicates: a packet SA's key again (as packet or crypto SA), and a crypto SA's key as a
  // packet SA, are SADB_ISSUE and add_sa_fail, with word 2 0 and no record.
  const SaSpec crypto = rx_sa(20);
  CHECK(lock_command(lock, sa_image(contract::kAddSaV2, crypto), contract::kLenV2).syndrome == 0);
  const size_t records = h.pkt_sink().taken.size();
  for (const Bytes& image : {pkt_sa_image(cases[0].sa, cases[0].p),
                             sa_image(contract::kAddSaV2, cases[5].sa),
                             pkt_sa_image(crypto, rx_params())}) {
    const Response r = lock_command(lock, image, static_cast<uint32_t>(image.size()));
    CHECK(r.syndrome == contract::kSadbIssue);
    CHECK(r.word2 == 0);
  }
  CHECK(h.pkt_sink().taken.size() == records);
  lock_counters(lock);
  lock.check_state();
  check_lookups(h, m, {});
  check_no_lookup_errors(h);
  CHECK(h.pkt_sink().response_while_offered == 0);
}

TEST_CASE("ADD_SA_PKT: the response is posted only once the units have taken the record") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  model::CtrlModel m(pkt_model());
  PktSaSink& sink = h.pkt_sink();
  const SaSpec sa = tx_sa(1);
  PktParams p;
  p.seq = 77;
  const Bytes image = pkt_sa_image(sa, p);
  for (uint32_t hold : {1u, 17u, 600u}) {
    INFO("ready held low for " << hold << " clocks");
    sink.hold_low = true;
    h.write_window(image);
    h.ring_doorbell(contract::kLenPkt);
    // The record waits on the port; the command is outstanding and unanswered meanwhile.
    const uint64_t start = h.cycle();
    while (!h.dut().pkt_sa_valid_o) {
      h.tick();
      REQUIRE(h.cycle() - start < 100);
    }
    const uint64_t offered = h.cycle();
    while (h.cycle() - offered < hold) {
      const uint32_t status = h.read(reg::kCmdStatus);
      CHECK(reg::outstanding(status) == 1);
      CHECK_FALSE(reg::rsp_valid(status));
      CHECK(h.dut().pkt_sa_valid_o);
    }
    CHECK(sink.taken.empty());
    sink.hold_low = false;
    const Response r = h.take_response();
    REQUIRE(r.syndrome == contract::kOk);
    REQUIRE(sink.taken.size() == 1);
    // The model: the same command, the same index.
    const Response want = model_command(m, image, contract::kLenPkt);
    REQUIRE(want.syndrome == contract::kOk);
    CHECK(r.word2 == want.word2);
    CHECK(sink.taken[0].index == r.word2);
    CHECK(sink.taken[0] == record_of(image, static_cast<uint16_t>(r.word2)));
    CHECK(sink.response_while_offered == 0);
    CHECK(sink.waits >= hold);
    // Delete it: the delete's record waits likewise.
    sink.hold_low = true;
    h.write_window(sa_image(contract::kDelSaV2, sa));
    h.ring_doorbell(contract::kLenV2);
    while (!h.dut().pkt_sa_valid_o) h.tick();
    h.ticks(hold);
    CHECK_FALSE(reg::rsp_valid(h.read(reg::kCmdStatus)));
    sink.hold_low = false;
    CHECK(h.take_response().syndrome == contract::kOk);
    CHECK(model_command(m, sa_image(contract::kDelSaV2, sa), contract::kLenV2).syndrome ==
          contract::kOk);
    REQUIRE(sink.taken.size() == 2);
    CHECK(sink.taken[1] == delete_record(static_cast<uint16_t>(r.word2), true));
    sink.taken.clear();
  }
}

TEST_CASE("MOD_SA_V2 of a packet SA is ILLEGAL_REQUEST and an add_sa_fail, after the image and key checks") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  model::CtrlModel m(pkt_model());
  Lockstep lock(h, m);
  SaSpec pkt_rx = rx_sa(1);
  pkt_rx.esn = true;
  SaSpec crypto = rx_sa(2);
  REQUIRE(lock_command(lock, pkt_sa_image(pkt_rx, rx_params(2)), contract::kLenPkt).syndrome == 0);
  REQUIRE(lock_command(lock, sa_image(contract::kAddSaV2, crypto), contract::kLenV2).syndrome == 0);
  for (const SaSpec& s : {pkt_rx, crypto}) {
    h.learn_index(s.match_key(), static_cast<uint16_t>(model_index(m, s.match_key())));
  }
  SaSpec mod = pkt_rx;
  mod.esn_hi = 0x55;
  mod.esn_overlap = true;
  // A good image on the packet SA: refused, nothing changed.
  Response r = lock_command(lock, sa_image(contract::kModSaV2, mod), contract::kLenV2);
  CHECK(r.syndrome == contract::kIllegalRequest);
  CHECK(r.echo == mod.handle);
  CHECK(r.word2 == 0);
  // A bad image is refused for the image first (ILLEGAL_REQUEST too), an unknown key is
  // SADB_ISSUE, a wrong length ILLEGAL_REQUEST: all add_sa_fail.
  Bytes bad = sa_image(contract::kModSaV2, mod);
  bad[0x7E] = 2;
  CHECK(lock_command(lock, bad, contract::kLenV2).syndrome == contract::kIllegalRequest);
  SaSpec unknown = mod;
  unknown.spi ^= 0x8000;
  CHECK(lock_command(lock, sa_image(contract::kModSaV2, unknown), contract::kLenV2).syndrome ==
        contract::kSadbIssue);
  CHECK(lock_command(lock, sa_image(contract::kModSaV2, mod), contract::kLenPkt).syndrome ==
        contract::kIllegalRequest);
  // The crypto SA beside it is modified as ever.
  SaSpec crypto_mod = crypto;
  crypto_mod.esn = true;
  crypto_mod.esn_hi = 9;
  CHECK(lock_command(lock, sa_image(contract::kModSaV2, crypto_mod), contract::kLenV2).syndrome ==
        contract::kOk);
  lock_counters(lock);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 4);
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == 3);
  CHECK(h.pkt_sink().taken.size() == 1);  // the add only
  check_lookups(h, m, {});
  check_no_lookup_errors(h);
}

TEST_CASE("DEL_SA and DEL_SA_V2 of a packet SA offer a delete record, of a crypto SA none") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  model::CtrlModel m(pkt_model());
  Lockstep lock(h, m);
  h.pkt_sink().stall_percent = 20;
  h.pkt_sink().max_stretch = 30;
  const SaSpec a = tx_sa(1), b = rx_sa(2, true), c = rx_sa(3);
  REQUIRE(lock_command(lock, pkt_sa_image(a, {}), contract::kLenPkt).syndrome == 0);
  REQUIRE(lock_command(lock, pkt_sa_image(b, rx_params()), contract::kLenPkt).syndrome == 0);
  REQUIRE(lock_command(lock, sa_image(contract::kAddSaV2, c), contract::kLenV2).syndrome == 0);
  const int ia = model_index(m, a.match_key()), ib = model_index(m, b.match_key());
  auto& taken = h.pkt_sink().taken;
  REQUIRE(taken.size() == 2);
  taken.clear();
  CHECK(lock_command(lock, sa_image(contract::kDelSa, a), contract::kLenV1).syndrome == 0);
  CHECK(lock_command(lock, sa_image(contract::kDelSaV2, b), contract::kLenV2).syndrome == 0);
  CHECK(lock_command(lock, sa_image(contract::kDelSaV2, c), contract::kLenV2).syndrome == 0);
  // Again: unknown now, SADB_ISSUE, no record.
  CHECK(lock_command(lock, sa_image(contract::kDelSaV2, b), contract::kLenV2).syndrome ==
        contract::kSadbIssue);
  REQUIRE(taken.size() == 2);
  CHECK(taken[0] == delete_record(static_cast<uint16_t>(ia), true));
  CHECK(taken[1] == delete_record(static_cast<uint16_t>(ib), false));
  lock_counters(lock);
  lock.check_state();
  check_lookups(h, m, {a.match_key(), b.match_key(), c.match_key()});
  check_no_lookup_errors(h);
}

// The RTL through the harness's own commands (so its random lookups on both ports, on every
// clock, know each SA's state before and after a command in flight) and the model apart;
// their answers compared response by response, their counters every few commands.
TEST_CASE("SA indices after deletes and re-adds: random ADD_SA_PKT, ADD_SA(_V2), DEL and MOD against the model") {
  INFO(seed_hint());
  const uint64_t seed = test_seed();
  CtrlHarness h(seed, 20);
  model::CtrlModel m(pkt_model());
  std::mt19937_64 rng(seed);
  h.enable_lookups(true);
  h.pkt_sink().stall_percent = 3;
  h.pkt_sink().max_stretch = 200;
  // A pool of SAs small enough that adds meet duplicates and deletes meet live SAs.
  std::vector<SaSpec> pool;
  std::vector<SaKey> keys;
  for (uint32_t i = 0; i < 24; ++i) {
    SaSpec s = random_sa(rng);
    s.handle = static_cast<uint32_t>(rng());
    pool.push_back(s);
    keys.push_back(s.match_key());
    h.remember_key(s.match_key());
  }
  auto random_pkt = [&](const SaSpec& s) {
    PktParams p;
    if (s.tx) {
      p.seq = 1 + rng() % 1000;
      if (rng() % 3 == 0) {
        p.mode = 1;
        p.ttl = static_cast<uint8_t>(rng());
        p.tos = static_cast<uint8_t>(rng());
        p.tun_flags = static_cast<uint8_t>(rng() & 3);
        p.flow = static_cast<uint32_t>(rng() & 0xFFFFF);
      }
    } else {
      p.seq = rng() % 100000;
      p.replay_words = static_cast<uint8_t>(1 + rng() % 32);
      p.mode = static_cast<uint8_t>(rng() & 1);
    }
    p.hard_bytes = rng() % 4 ? ~0ull : rng();
    p.soft_bytes = p.hard_bytes == ~0ull ? p.hard_bytes : p.hard_bytes / 2;
    p.hard_packets = rng();
    p.soft_packets = p.hard_packets - rng() % 5;
    return p;
  };
  auto check_counters = [&] {
    CHECK(h.read_counter(Counter::kAddSaSuccess) == m.counter(model::CtrlCounter::kAddSaSuccess));
    CHECK(h.read_counter(Counter::kAddSaFail) == m.counter(model::CtrlCounter::kAddSaFail));
    CHECK(h.read_counter(Counter::kDelSaSuccess) == m.counter(model::CtrlCounter::kDelSaSuccess));
    CHECK(h.read_counter(Counter::kDelSaFail) == m.counter(model::CtrlCounter::kDelSaFail));
  };
  size_t records_expected = 0;
  const int steps = 300;
  for (int step = 0; step < steps; ++step) {
    SaSpec s = pool[rng() % pool.size()];
    const int op = static_cast<int>(rng() % 100);
    const int before = model_index(m, s.match_key());
    const bool was_pkt = before >= 0 && m.packet_sa(static_cast<size_t>(before)) != nullptr;
    const size_t records = h.pkt_sink().taken.size();
    Response r, want;
    Bytes image;
    bool pkt_add = false;
    if (op < 35) {
      s.esn = rng() % 3 == 0;
      image = pkt_sa_image(s, random_pkt(s));
      // Now and then a bit flipped in the packet bytes: refused, or (a limit, the sequence
      // number) taken, as the model says.
      if (rng() % 6 == 0) image[0x94 + rng() % 0x3C] ^= static_cast<uint8_t>(1u << (rng() % 8));
      pkt_add = true;
      want = model_command(m, image, contract::kLenPkt);
      r = h.add_sa_pkt(s, image);
    } else if (op < 55) {
      const bool v2 = op < 50;
      s.esn = v2 && rng() % 3 == 0;
      image = sa_image(v2 ? contract::kAddSaV2 : contract::kAddSa, s);
      want = model_command(m, image, static_cast<uint32_t>(image.size()));
      r = h.add_sa(s, v2);
    } else if (op < 88) {
      const bool v2 = op < 80;
      image = sa_image(v2 ? contract::kDelSaV2 : contract::kDelSa, s);
      want = model_command(m, image, static_cast<uint32_t>(image.size()));
      r = h.del_sa(s, v2);
    } else {
      s.esn = rng() & 1;
      s.esn_overlap = rng() & 1;
      s.esn_hi = static_cast<uint32_t>(rng());
      image = sa_image(contract::kModSaV2, s);
      want = model_command(m, image, contract::kLenV2);
      r = h.mod_sa(s);
    }
    INFO("step " << step << " opcode " << be32_at(image, 0) << " SA " << s.match_key().str());
    CHECK(r.syndrome == want.syndrome);
    CHECK(r.echo == want.echo);
    CHECK(r.word2 == want.word2);
    const int after = model_index(m, s.match_key());
    if (r.syndrome == contract::kOk && pkt_add) {
      REQUIRE(after >= 0);
      CHECK(r.word2 == static_cast<uint32_t>(after));
      REQUIRE(h.pkt_sink().taken.size() == records + 1);
      CHECK(h.pkt_sink().taken.back() == record_of(image, static_cast<uint16_t>(after)));
      ++records_expected;
    } else if (r.syndrome == contract::kOk && before >= 0 && after < 0 && was_pkt) {
      REQUIRE(h.pkt_sink().taken.size() == records + 1);
      CHECK(h.pkt_sink().taken.back() == delete_record(static_cast<uint16_t>(before), s.tx));
      ++records_expected;
    } else {
      CHECK(h.pkt_sink().taken.size() == records);
    }
    if (after >= 0) h.learn_index(s.match_key(), static_cast<uint16_t>(after));
    if (step % 10 == 0) check_counters();
  }
  check_counters();
  CHECK(h.pkt_sink().taken.size() == records_expected);
  CHECK(h.pkt_sink().response_while_offered == 0);
  check_lookups(h, m, keys);
  check_no_lookup_errors(h);
  CHECK(h.lookup_hits() > 0);
  MESSAGE("records " << records_expected << ", ready low on " << h.pkt_sink().waits << " of "
                     << h.pkt_sink().offered_clocks << " offered clocks, lookups " << h.lookup_hits()
                     << " hits " << h.lookup_misses() << " misses");
}

TEST_CASE("SA indices: a deleted SA's index comes back only after every free index before it") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 0);
  model::CtrlModel m(pkt_model());
  Lockstep lock(h, m);
  // 8 adds take 0..7; delete 2 and 5; the next adds take 8, 9, ... as the model gives them.
  std::vector<SaSpec> sas;
  for (uint32_t i = 0; i < 8; ++i) {
    sas.push_back(tx_sa(100 + i));
    const Response r = lock_command(lock, pkt_sa_image(sas.back(), {}), contract::kLenPkt);
    REQUIRE(r.syndrome == 0);
    CHECK(r.word2 == static_cast<uint32_t>(model_index(m, sas.back().match_key())));
  }
  for (size_t i : {2u, 5u}) {
    CHECK(lock_command(lock, sa_image(contract::kDelSaV2, sas[i]), contract::kLenV2).syndrome == 0);
  }
  for (uint32_t i = 0; i < 4; ++i) {
    const SaSpec s = rx_sa(200 + i);
    const Response r = lock_command(lock, pkt_sa_image(s, rx_params()), contract::kLenPkt);
    REQUIRE(r.syndrome == 0);
    CHECK(r.word2 == static_cast<uint32_t>(model_index(m, s.match_key())));
    CHECK(r.word2 != 2);
    CHECK(r.word2 != 5);
  }
  lock_counters(lock);
}

TEST_CASE("ADD_SA_PKT on a full table is SADB_ISSUE, and the one index a delete frees is the next one given") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 0);
  model::CtrlModel m(pkt_model());
  h.pkt_sink().stall_percent = 10;
  h.pkt_sink().max_stretch = 20;
  // NumSa SAs, crypto and packet alternately, each answered as the model answers it.
  std::vector<SaSpec> sas;
  for (uint32_t i = 0; i < kNumSa; ++i) {
    const SaSpec s = example_sa(1000 + i, i % 2 == 0);
    const Bytes image = i % 3 == 0 ? pkt_sa_image(s, s.tx ? PktParams{} : rx_params())
                                   : sa_image(contract::kAddSaV2, s);
    const Response want = model_command(m, image, static_cast<uint32_t>(image.size()));
    const Response r = image.size() == contract::kLenPkt ? h.add_sa_pkt(s, image) : h.add_sa(s, true);
    INFO("SA " << i);
    REQUIRE(want.syndrome == contract::kOk);
    REQUIRE(r.syndrome == want.syndrome);
    CHECK(r.word2 == want.word2);
    sas.push_back(s);
  }
  const SaSpec extra = tx_sa(5000);
  const Bytes extra_image = pkt_sa_image(extra, {});
  const size_t records = h.pkt_sink().taken.size();
  Response want = model_command(m, extra_image, contract::kLenPkt);
  Response r = h.add_sa_pkt(extra, extra_image);
  CHECK(want.syndrome == contract::kSadbIssue);
  CHECK(r.syndrome == want.syndrome);
  CHECK(r.word2 == 0);
  CHECK(h.pkt_sink().taken.size() == records);
  // One delete frees one index: the next add, packet SA or not, takes that one.
  const SaSpec& victim = sas[517];
  const int freed = model_index(m, victim.match_key());
  REQUIRE(freed >= 0);
  CHECK(model_command(m, sa_image(contract::kDelSaV2, victim), contract::kLenV2).syndrome == 0);
  CHECK(h.del_sa(victim, true).syndrome == 0);
  want = model_command(m, extra_image, contract::kLenPkt);
  r = h.add_sa_pkt(extra, extra_image);
  REQUIRE(want.syndrome == contract::kOk);
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.word2 == want.word2);
  CHECK(r.word2 == static_cast<uint32_t>(freed));
  REQUIRE(h.pkt_sink().taken.size() == records + 1);
  CHECK(h.pkt_sink().taken.back() == record_of(extra_image, static_cast<uint16_t>(freed)));
  CHECK(h.read_counter(Counter::kAddSaSuccess) == m.counter(model::CtrlCounter::kAddSaSuccess));
  CHECK(h.read_counter(Counter::kAddSaFail) == m.counter(model::CtrlCounter::kAddSaFail));
  CHECK(h.pkt_sink().response_while_offered == 0);
  SaCtx ctx;
  LookupMark mark;
  // A TX packet SA: not found by its key on the TX port, found by its index.
  CHECK_FALSE(h.lookup(0, extra.match_key(), ctx, mark));
  REQUIRE(h.lookup_index(static_cast<uint16_t>(freed), ctx, mark));
  CHECK(mark.pkt);
  CHECK(mark.index == freed);
}

// What `ip xfrm state add ... aead 'rfc4106(gcm(aes))' ... offload packet dev eth0 dir ...`
// builds: an AES-GCM-ICV16 transport state for packet offload (the RX one with a 64-bit window).
driver::XfrmState packet_state(bool inbound, uint32_t spi, uint8_t host) {
  driver::XfrmState x;
  x.saddr = driver::IpAddress::v4(std::array<uint8_t, 4>{10, 0, 0, host});
  x.daddr = driver::IpAddress::v4(std::array<uint8_t, 4>{10, 0, 1, host});
  x.proto = driver::XfrmProto::kEsp;
  x.spi = spi;
  x.reqid = 7;
  x.mode = driver::XfrmMode::kTransport;
  driver::Bytes keymat;
  for (uint8_t i = 0; i < 20; ++i) keymat.push_back(static_cast<uint8_t>(0x10 + i + host));
  REQUIRE(x.attach_aead({driver::kAeadRfc4106Gcm, keymat, 128}).ok());
  x.replay_window = inbound ? 64 : 0;
  x.offload = driver::XfrmOffloadRequest{
      "eth0", inbound ? driver::OffloadDirection::kIn : driver::OffloadDirection::kOut};
  x.offload->type = driver::OffloadType::kPacket;
  return x;
}

TEST_CASE("the driver's ADD_SA_PKT on the RTL control plane: the index it keeps is the model's") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.pkt_sink().stall_percent = 10;
  h.pkt_sink().max_stretch = 50;
  model::CtrlModel m(pkt_model());
  driver::IpsecDevice dev(h.bus());
  driver::IpsecDevice ref(m);
  REQUIRE(dev.probe().ok());
  REQUIRE(ref.probe().ok());
  REQUIRE(dev.caps().pkt_offload);
  // The same states added, deleted and added again on both: each packet SA's index, as the
  // driver took it from response word 2, is the model's, and the RTL's lookup answers it.
  std::vector<std::pair<driver::SaId, driver::SaId>> ids;  // (RTL's, model's)
  auto add = [&](bool inbound, uint32_t spi, uint8_t host) {
    const driver::XfrmState x = packet_state(inbound, spi, host);
    const auto a = dev.add_state(x);
    const auto b = ref.add_state(x);
    INFO(a.status().message() << " / " << b.status().message());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    ids.emplace_back(*a, *b);
  };
  for (uint8_t i = 0; i < 6; ++i) add(i % 2 == 1, 0x3000 + i, static_cast<uint8_t>(1 + i));
  for (size_t k : {1u, 4u}) {
    REQUIRE(dev.delete_state(ids[k].first).ok());
    REQUIRE(ref.delete_state(ids[k].second).ok());
  }
  for (uint8_t i = 6; i < 9; ++i) add(i % 2 == 1, 0x3000 + i, static_cast<uint8_t>(1 + i));
  size_t live = 0;
  for (const auto& [rtl_id, ref_id] : ids) {
    const driver::OffloadedSa* a = dev.find(rtl_id);
    const driver::OffloadedSa* b = ref.find(ref_id);
    REQUIRE((a == nullptr) == (b == nullptr));
    if (!a) continue;
    ++live;
    CHECK(a->packet);
    CHECK(b->packet);
    CHECK(a->pkt_index == b->pkt_index);
    const model::SaEntry* e = m.sa_at(b->pkt_index);
    REQUIRE(e != nullptr);
    REQUIRE(e->pkt.has_value());
    SaKey key;
    key.tx = e->key.tx;
    key.ipv6 = e->key.ipv6;
    key.sip = e->key.sip;
    key.dip = e->key.dip;
    key.spi = e->key.spi;
    SaCtx ctx;
    LookupMark mark;
    if (key.tx) {
      REQUIRE(h.lookup_index(static_cast<uint16_t>(a->pkt_index), ctx, mark));
    } else {
      REQUIRE(h.lookup(1, key, ctx, mark));
    }
    CHECK(mark.pkt);
    CHECK(mark.index == a->pkt_index);
  }
  CHECK(live == 7);
  // Every add and delete reached the units: 9 adds and 2 deletes.
  CHECK(h.pkt_sink().taken.size() == 11);
  CHECK(h.pkt_sink().response_while_offered == 0);
}

}  // namespace
}  // namespace ipsec::tb
