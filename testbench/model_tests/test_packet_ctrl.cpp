// The reference model's control plane of full packet offload (docs/packet_offload.md, packet
// sections P1, P2, P5, P6), through its registers: the switch, ADD_SA_PKT and its refusals,
// the response's index, MOD and DEL of packet SAs, the counters' snapshot and the event queue.
#include <doctest/doctest.h>

#include <string>

#include "driver/generated/ipsec_regs.h"
#include "packet_fixture.h"

namespace model = ipsec::model;
using ipsec::driver::BusStatus;
using ipsec::tb::pkt::add_image;
using ipsec::tb::pkt::Bytes;
using ipsec::tb::pkt::del_image;
using ipsec::tb::pkt::host_frame;
using ipsec::tb::pkt::ipv4_packet;
using ipsec::tb::pkt::mod_image;
using ipsec::tb::pkt::PacketEngine;
using ipsec::tb::pkt::payload_of;
using ipsec::tb::pkt::SaSpec;
using ipsec::tb::pkt::v4addr;

namespace {

constexpr uint32_t kIllegal = 1, kSadbIssue = 2;

// A host frame of `n` payload bytes for the TX SA `s` at `index`.
Bytes tx_frame(const SaSpec& s, uint16_t index, size_t n = 40) {
  return host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(n)), index,
                    static_cast<uint16_t>(s.handle));
}

}  // namespace

TEST_CASE("packet offload off: the registers, opcode 6 and the window are the Innova's") {
  PacketEngine e(false);
  CHECK(e.read(IPSEC_REGS_CAP_FLAGS_OFFSET) == 0x2BF4);
  CHECK(e.read(IPSEC_REGS_INTR_ENABLE_OFFSET) == 1);
  for (uint32_t addr : {0x018u, 0x084u, 0x088u, 0x0A0u, 0x0C4u, 0x278u, 0x27Cu}) {
    CAPTURE(addr);
    CHECK(e.read_status(addr) == BusStatus::kSlvErr);
  }
  for (uint32_t addr : {0x080u, 0x08Cu, 0x194u, 0x1CCu}) {
    CAPTURE(addr);
    CHECK(e.write_status(addr, 1) == BusStatus::kSlvErr);
  }
  // INTR_ENABLE bit 1 does not exist.
  e.write(IPSEC_REGS_INTR_ENABLE_OFFSET, 3);
  CHECK(e.read(IPSEC_REGS_INTR_ENABLE_OFFSET) == 1);
  // Opcode 6 is an unknown opcode: ILLEGAL_REQUEST, counted in neither add counter.
  SaSpec s;
  Bytes img = add_image(s);
  img.resize(148);
  const auto r = e.command(img, 148);
  CHECK(r.syndrome == kIllegal);
  CHECK(r.word2 == 0);
  CHECK(e.counter(model::CtrlCounter::kAddSaFail) == 0);
  CHECK(e.counter(model::CtrlCounter::kAddSaSuccess) == 0);
  CHECK(e.model().ctrl().sa_count() == 0);
  // A 0x0A frame is an unknown TX syndrome: enc_in and enc_drop.
  const model::FrameResult f = e.model().host_tx(tx_frame(s, 0));
  CHECK(f.fate == model::Fate::kDrop);
  CHECK(e.counter(model::CtrlCounter::kEncInPackets) == 1);
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 1);
}

TEST_CASE("packet offload on: PKT_OFFLOAD, CAP_PKT 1024 and a 208-byte window") {
  PacketEngine e;
  CHECK(e.read(IPSEC_REGS_CAP_FLAGS_OFFSET) == (0x2BF4u | 1u << 16));
  CHECK(e.read(0x018) == 1024);
  CHECK(e.write_status(0x018, 0) == BusStatus::kSlvErr);  // read-only
  CHECK(e.read(IPSEC_REGS_INTR_ENABLE_OFFSET) == 3);      // EVENT_READY enabled at reset
  CHECK(e.write_status(0x1CC, 0) == BusStatus::kOk);      // the window's last word
  CHECK(e.write_status(0x1D0, 0) == BusStatus::kSlvErr);
  // Write-only and read-only registers of P5 and P6.
  CHECK(e.read_status(0x080) == BusStatus::kSlvErr);
  CHECK(e.read_status(0x08C) == BusStatus::kSlvErr);
  for (uint32_t addr : {0x084u, 0x088u, 0x0A0u, 0x0C4u, 0x278u, 0x27Cu}) {
    CAPTURE(addr);
    CHECK(e.write_status(addr, 1) == BusStatus::kSlvErr);
    CHECK(e.read_status(addr) == BusStatus::kOk);
  }
  CHECK(e.read_status(0x0C8) == BusStatus::kSlvErr);  // past PKT_STATS_WORD9
  CHECK(e.read(0x084) == 0);                         // empty queue
  CHECK(e.read(IPSEC_REGS_INTR_STATUS_OFFSET) == 0);
}

TEST_CASE("ADD_SA_PKT answers the SA's table index in word 2 and the handle in word 1") {
  PacketEngine e;
  SaSpec a, b, c;
  b.spi = 0x2000, b.handle = 0x77;
  c.spi = 0x3000, c.handle = 0x78, c.tx = false, c.replay_words = 2, c.seq = 0;
  CHECK(e.add(a) == 0);
  CHECK(e.add(b) == 1);
  CHECK(e.add(c) == 2);
  CHECK(e.counter(model::CtrlCounter::kAddSaSuccess) == 3);
  // The index names the table entry: its state is there.
  REQUIRE(e.model().ctrl().packet_sa(1) != nullptr);
  CHECK(e.model().ctrl().sa_at(1)->sw_sa_handle == 0x77);
  CHECK(e.model().ctrl().packet_sa(2)->cfg.replay_words == 2);
  // A freed index is not given again at once: it goes to the free list's tail (packet
  // section P8, "SA indices"), behind every index never used yet.
  CHECK(e.command(del_image(a)).syndrome == 0);
  CHECK(e.counter(model::CtrlCounter::kDelSaSuccess) == 1);
  CHECK(e.model().ctrl().packet_sa(0) == nullptr);
  SaSpec d;
  d.spi = 0x4000, d.handle = 0x79;
  CHECK(e.add(d) == 3);
}

TEST_CASE("ADD_SA_PKT refuses every image P2 and the model's rules call illegal") {
  struct Case {
    std::string name;
    std::function<void(SaSpec&)> spec;
    std::function<void(Bytes&)> bytes;
  };
  auto none = [](Bytes&) {};
  auto keep = [](SaSpec&) {};
  std::vector<Case> cases = {
      {"mode 2", keep, [](Bytes& b) { b[0x94] = 2; }},
      {"replay_words 33", [](SaSpec& s) { s.tx = false, s.seq = 0, s.replay_words = 33; }, none},
      {"replay_words on a TX SA", [](SaSpec& s) { s.replay_words = 1; }, none},
      {"RX ESN with no window", [](SaSpec& s) { s.tx = false, s.seq = 0, s.esn = true; }, none},
      {"seq high bits without ESN", [](SaSpec& s) { s.seq = uint64_t{1} << 32; }, none},
      {"TX seq 0", [](SaSpec& s) { s.seq = 0; }, none},
      {"soft bytes above hard", [](SaSpec& s) { s.soft_bytes = 11, s.hard_bytes = 10; }, none},
      {"soft packets above hard", [](SaSpec& s) { s.soft_packets = 3, s.hard_packets = 2; }, none},
      {"TTL on a transport SA", [](SaSpec& s) { s.ttl = 64; }, none},
      {"flow label on an RX tunnel SA",
       [](SaSpec& s) { s.tx = false, s.seq = 0, s.tunnel = true, s.flow_label = 1; }, none},
      {"tunnel flags bit 2", [](SaSpec& s) { s.tunnel = true, s.tunnel_flags = 4; }, none},
      {"flow label bit 20", [](SaSpec& s) { s.tunnel = true, s.flow_label = 1u << 20; }, none},
      {"enc_mode 0", keep, [](Bytes& b) { b[0x7E] = 0; }},
      {"SA_VALID missing", keep, [](Bytes& b) { b[0x81] &= static_cast<uint8_t>(~0x20); }},
  };
  for (size_t off : {0x96, 0x97, 0xC3, 0xC8, 0xCB, 0xCF}) {
    cases.push_back({"reserved byte " + std::to_string(off), keep, [off](Bytes& b) { b[off] = 1; }});
  }
  for (const Case& c : cases) {
    CAPTURE(c.name);
    PacketEngine e;
    SaSpec s;
    c.spec(s);
    Bytes img = add_image(s);
    c.bytes(img);
    const auto r = e.command(img);
    CHECK(r.syndrome == kIllegal);
    CHECK(r.handle == s.handle);
    CHECK(r.word2 == 0);
    CHECK(e.counter(model::CtrlCounter::kAddSaFail) == 1);
    CHECK(e.model().ctrl().sa_count() == 0);
  }
  SUBCASE("a length other than 208") {
    PacketEngine e;
    CHECK(e.command(add_image(SaSpec{}), 148).syndrome == kIllegal);
    CHECK(e.command(add_image(SaSpec{}), 204).syndrome == kIllegal);
    CHECK(e.counter(model::CtrlCounter::kAddSaFail) == 2);
  }
  SUBCASE("the limits of each rule are taken") {
    PacketEngine e;
    SaSpec rx;
    rx.tx = false, rx.seq = 0, rx.replay_words = 32, rx.esn = true;
    rx.soft_bytes = rx.hard_bytes = 100;
    rx.soft_packets = rx.hard_packets = 0;
    CHECK(e.add(rx) == 0);
    SaSpec tx;
    tx.tunnel = true, tx.ttl = 1, tx.dscp_ecn = 0xFF, tx.tunnel_flags = 3, tx.flow_label = 0xFFFFF;
    tx.esn = true, tx.seq = ~uint64_t{0};
    CHECK(e.add(tx) == 1);
  }
}

TEST_CASE("a packet SA and a crypto SA with the same key do not coexist") {
  PacketEngine e;
  SaSpec s;
  e.add(s);
  Bytes v2 = del_image(s);
  v2[3] = 2;  // ADD_SA_V2 of the same key
  CHECK(e.command(v2).syndrome == kSadbIssue);
  CHECK(e.command(add_image(s)).syndrome == kSadbIssue);
}

TEST_CASE("MOD_SA_V2 of a packet SA is ILLEGAL_REQUEST, DEL_SA_V2 deletes it") {
  PacketEngine e;
  SaSpec s;
  const uint16_t i = e.add(s);
  CHECK(e.command(mod_image(s)).syndrome == kIllegal);
  CHECK(e.counter(model::CtrlCounter::kAddSaFail) == 1);
  CHECK(e.model().ctrl().packet_sa(i) != nullptr);
  CHECK(e.command(del_image(s)).syndrome == 0);
  CHECK(e.model().ctrl().sa_count() == 0);
  CHECK(e.command(del_image(s)).syndrome == kSadbIssue);
  // A frame for the deleted SA's index is dropped.
  CHECK(e.model().host_tx(tx_frame(s, i)).fate == model::Fate::kDrop);
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 1);
}

TEST_CASE("PKT_STATS_INDEX snapshots an SA's counters into PKT_STATS_WORD0..9") {
  PacketEngine e;
  SaSpec s;
  const uint16_t i = e.add(s);
  for (size_t n : {40, 41, 100}) REQUIRE(e.model().host_tx(tx_frame(s, i, n)).fate == model::Fate::kOut);
  // packets, bytes (the IP packets: 20 + 40, 20 + 41, 20 + 100), seq_exhausted, 0, 0.
  const std::array<uint64_t, 5> want = {3, 60 + 61 + 120, 0, 0, 0};
  CHECK(e.stats(i) == want);
  // A snapshot: the words keep their values while the SA sends more.
  REQUIRE(e.model().host_tx(tx_frame(s, i)).fate == model::Fate::kOut);
  CHECK(e.read(0x0A0) == 3);
  CHECK(e.read(0x0A8) == 241);
  SUBCASE("a write without both index lanes takes no snapshot") {
    CHECK(e.write_status(0x080, i, 0x1) == BusStatus::kOk);
    CHECK(e.read(0x0A0) == 3);
    CHECK(e.write_status(0x080, i, 0x3) == BusStatus::kOk);
    CHECK(e.read(0x0A0) == 4);
  }
  SUBCASE("an index with no packet SA reads zeros") {
    const std::array<uint64_t, 5> zero{};
    CHECK(e.stats(7) == zero);
    CHECK(e.stats(0xFFFF) == zero);
  }
}

TEST_CASE("events queue in order, pop one by one, raise EVENT_READY and overflow into EVT_DROP") {
  PacketEngine e;
  // 18 SAs whose hard packet limit is 0: each one's first packet raises hard packets (4).
  std::vector<SaSpec> sas(18);
  std::vector<uint16_t> index;
  for (size_t k = 0; k < sas.size(); ++k) {
    sas[k].spi = 0x100 + static_cast<uint32_t>(k);
    sas[k].handle = 0xB000 + static_cast<uint32_t>(k);
    sas[k].soft_packets = sas[k].hard_packets = 0;
    index.push_back(e.add(sas[k]));
  }
  CHECK_FALSE(e.model().irq());
  for (size_t k = 0; k < sas.size(); ++k) {
    const model::FrameResult r = e.model().host_tx(tx_frame(sas[k], index[k]));
    CHECK(r.fate == model::Fate::kDrop);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].kind == model::pkt::EventKind::kHardPackets);
  }
  CHECK(e.read(IPSEC_REGS_INTR_STATUS_OFFSET) == 2);
  CHECK(e.model().irq());
  e.write(IPSEC_REGS_INTR_ENABLE_OFFSET, 1);  // EVENT_READY masked: no interrupt
  CHECK_FALSE(e.model().irq());
  CHECK(e.read(IPSEC_REGS_INTR_STATUS_OFFSET) == 2);
  e.write(IPSEC_REGS_INTR_ENABLE_OFFSET, 3);
  CHECK(e.evt_drop() == 2);
  // Pop with a write without bit 0, or without lane 0: nothing.
  e.write(0x08C, 2);
  CHECK(e.write_status(0x08C, 1, 0x2) == BusStatus::kOk);
  const auto events = e.pop_events();
  REQUIRE(events.size() == 16);
  for (size_t k = 0; k < 16; ++k) {
    CAPTURE(k);
    CHECK(events[k].kind == 4);
    CHECK(events[k].index == index[k]);
    CHECK(events[k].handle == sas[k].handle);
  }
  CHECK(e.read(IPSEC_REGS_INTR_STATUS_OFFSET) == 0);
  CHECK_FALSE(e.model().irq());
  CHECK(e.read(0x084) == 0);
  CHECK(e.read(0x088) == 0);
  e.write(0x08C, 1);  // popping an empty queue does nothing
  CHECK(e.evt_drop() == 2);
  // Each kind once per SA: a second packet raises nothing.
  CHECK(e.model().host_tx(tx_frame(sas[0], index[0])).events.empty());
  CHECK(e.pop_events().empty());
}

TEST_CASE("EVT_DROP reads as the 64-bit counters do: the low word latches the high word") {
  PacketEngine e;
  e.model().ctrl().set_evt_drop(0x100000005ull);
  CHECK(e.read(0x278) == 5);
  e.model().ctrl().set_evt_drop(0x2FFFFFFFFull);
  CHECK(e.read(0x27C) == 1);  // the high word of the value the low word was read with
  CHECK(e.evt_drop() == 0x2FFFFFFFFull);
}
