// The driver against the control-plane model: probe, add, delete, syndromes, handles,
// timeouts, bus errors, ethtool counters and the command log.
#include <doctest/doctest.h>

#include <cerrno>
#include <set>

#include "driver/generated/ipsec_regs.h"
#include "driver_fixture.h"

namespace drv = ipsec::driver;
namespace model = ipsec::model;
using ipsec::tb::DriverOnModel;
using ipsec::tb::StateSpec;

namespace {

constexpr uint32_t kOpAddSaV2 = 2;
constexpr uint32_t kOpDelSaV2 = 3;
constexpr uint32_t kOpSetCap = 5;

// CAP_FLAGS of an engine without the V2 commands (and so without ESN).
constexpr uint32_t kCapFlagsV1Only = 0x2BF4 & ~(1u << 13) & ~(1u << 8);

model::CtrlModelConfig config_with_caps(uint32_t cap_flags) {
  model::CtrlModelConfig c;
  c.cap_flags = cap_flags;
  return c;
}

// A bus that answers SLVERR at one address, for everything else the model.
class FaultyBus final : public drv::RegisterBus {
 public:
  FaultyBus(drv::RegisterBus& inner, uint32_t bad_addr) : inner_(inner), bad_(bad_addr) {}
  drv::BusStatus read32(uint32_t addr, uint32_t& data) override {
    return addr == bad_ ? drv::BusStatus::kSlvErr : inner_.read32(addr, data);
  }
  drv::BusStatus write32(uint32_t addr, uint32_t data) override {
    return addr == bad_ ? drv::BusStatus::kSlvErr : inner_.write32(addr, data);
  }
  void wait_cycles(uint32_t cycles) override { inner_.wait_cycles(cycles); }
  bool irq() override { return inner_.irq(); }

 private:
  drv::RegisterBus& inner_;
  uint32_t bad_;
};

}  // namespace

// ---- probe ------------------------------------------------------------------------------

TEST_CASE("probe reads identity and capabilities and asks for NO_TRAILER") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  CHECK(f.device.probed());
  CHECK(f.device.identity().vendor_id == 0x2c9);
  CHECK(f.device.identity().product_id == 2);
  CHECK(f.device.identity().image_version == 0x00010000);
  const drv::DeviceCaps& caps = f.device.caps();
  CHECK(caps.esp);
  CHECK(caps.ipv6);
  CHECK(caps.esn);
  CHECK(caps.lso);
  CHECK(caps.rx_no_trailer);
  CHECK(caps.v2_command);
  CHECK_FALSE(caps.udp_encap);
  CHECK(caps.num_sa == 1024);
  CHECK(caps.number_of_ipsec_counters == 14);
  CHECK(caps.counters_addr == 0x200);
  CHECK(caps.raw[4] == 0x00);
  CHECK(caps.raw[6] == 0x2B);
  CHECK(caps.raw[7] == 0xF4);

  REQUIRE(f.commands.size() == 1);
  CHECK(f.log.at(0) == "cmd SET_CAP 00000005" "00000001" + std::string(48, '0'));
  CHECK(f.log.at(1) == "rsp 0000000000000001");
  CHECK(f.device.granted_caps() == 1);
  CHECK(f.device.rx_no_trailer());
  CHECK(f.model.no_trailer());
}

TEST_CASE("probe of a device without rx_no_trailer sends SET_CAP with no flags") {
  DriverOnModel f(config_with_caps(0x2BF4 & ~(1u << 11)));
  REQUIRE(f.device.probe().ok());
  CHECK(f.log.at(0) == "cmd SET_CAP 00000005" "00000000" + std::string(48, '0'));
  CHECK_FALSE(f.device.rx_no_trailer());
  CHECK_FALSE(f.model.no_trailer());
}

TEST_CASE("a device with another vendor or product id is refused with -ENODEV") {
  SUBCASE("vendor") {
    model::CtrlModelConfig c;
    c.vendor_id = 0x15b3;
    DriverOnModel f(c);
    const drv::Status s = f.device.probe();
    CHECK(s.code() == -ENODEV);
    CHECK(s.message().find("vendor id 0x15b3") != std::string::npos);
    CHECK(f.model.doorbells() == 0);
    CHECK_FALSE(f.device.probed());
  }
  SUBCASE("product") {
    model::CtrlModelConfig c;
    c.product_id = 1;
    DriverOnModel f(c);
    const drv::Status s = f.device.probe();
    CHECK(s.code() == -ENODEV);
    CHECK(s.message().find("product id 1") != std::string::npos);
    CHECK(f.model.doorbells() == 0);
  }
}

TEST_CASE("SET_CAP not granting NO_TRAILER fails the probe with -EIO") {
  DriverOnModel f;
  f.model.corrupt_next_echo(0x1);  // granted flags 0
  const drv::Status s = f.device.probe();
  CHECK(s.code() == -EIO);
  CHECK(s.message() == "Failed to set capabilities: requested 0x00000001, granted 0x00000000");
  CHECK_FALSE(f.device.probed());
}

TEST_CASE("SET_CAP answered with an error syndrome fails the probe") {
  DriverOnModel f;
  f.model.fail_next_command(1);
  CHECK(f.device.probe().code() == -EINVAL);
}

TEST_CASE("nothing is offloaded and no counters appear before probe") {
  DriverOnModel f;
  CHECK(f.device.add_state(ipsec::tb::tx_state()).status().code() == -ENODEV);
  CHECK(f.device.ethtool_stats().status().code() == -ENODEV);
  CHECK(f.model.doorbells() == 0);
}

// ---- add and delete ---------------------------------------------------------------------

TEST_CASE("add sends ADD_SA_V2, the device holds the SA, delete removes it with DEL_SA_V2") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::tx_state(0x1234));
  REQUIRE(id.ok());
  CHECK(f.opcodes() == std::vector<uint32_t>{kOpSetCap, kOpAddSaV2});
  CHECK(f.commands.back().size() == 148);
  CHECK(f.log.back() == "rsp 0000000000000000");  // success, handle 0 (TX)

  const drv::OffloadedSa* sa = f.device.find(*id);
  REQUIRE(sa != nullptr);
  CHECK(sa->rx_handle == 0);
  CHECK_FALSE(sa->inbound());
  const model::SaEntry* e = f.model.find_sa(ipsec::tb::model_key(*sa));
  REQUIRE(e != nullptr);
  CHECK(e->key.tx);
  CHECK(e->enc_mode == 1);
  CHECK(e->flags == 0x78);
  CHECK(e->key_enc[0] == 0x10);
  CHECK(e->key_enc[16] == 0x10);  // the 128-bit key twice
  CHECK(e->salt == std::array<uint8_t, 4>{0xa0, 0xa1, 0xa2, 0xa3});
  CHECK(f.model.counter(model::CtrlCounter::kAddSaSuccess) == 1);

  REQUIRE(f.device.delete_state(*id).ok());
  CHECK(f.opcodes().back() == 3);
  CHECK(f.device.find(*id) == nullptr);
  CHECK(f.model.sa_count() == 0);
  CHECK(f.model.counter(model::CtrlCounter::kDelSaSuccess) == 1);
  CHECK(f.device.delete_state(*id).code() == -ENOENT);
}

TEST_CASE("a device without V2 commands gets 132-byte ADD_SA and DEL_SA") {
  DriverOnModel f(config_with_caps(kCapFlagsV1Only));
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::rx_state());
  REQUIRE(id.ok());
  CHECK(f.commands.back().size() == 132);
  CHECK(f.opcodes().back() == 0);
  REQUIRE(f.device.delete_state(*id).ok());
  CHECK(f.commands.back().size() == 132);
  CHECK(f.opcodes().back() == 1);
  CHECK(f.model.sa_count() == 0);
}

TEST_CASE("ESN on a device without V2 commands stays in software: -EOPNOTSUPP, nothing sent") {
  // This engine offers esn but not v2_command.
  DriverOnModel f(config_with_caps(0x2BF4 & ~(1u << 13)));
  REQUIRE(f.device.probe().ok());
  StateSpec spec;
  spec.esn = true;
  const uint64_t doorbells = f.model.doorbells();
  const auto id = f.device.add_state(ipsec::tb::offloadable_state(spec));
  CHECK(id.status().code() == -EOPNOTSUPP);
  CHECK(f.model.doorbells() == doorbells);
}

TEST_CASE("a device without ESP offload takes no state: -EOPNOTSUPP") {
  DriverOnModel f(config_with_caps(0x2BF4 & ~(1u << 2)));
  REQUIRE(f.device.probe().ok());
  CHECK(f.device.add_state(ipsec::tb::tx_state()).status().code() == -EOPNOTSUPP);
}

TEST_CASE("validation failures reach the caller with their message, nothing sent") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  drv::XfrmState x = ipsec::tb::tx_state();
  x.tfcpad = 32;
  const auto r = f.device.add_state(x);
  CHECK(r.status().code() == -EINVAL);
  CHECK(r.status().message() == "Cannot offload xfrm states with tfc padding");
  CHECK(f.model.doorbells() == 1);  // SET_CAP only
}

TEST_CASE("a state for another device or with no offload request is refused") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  drv::XfrmState x = ipsec::tb::tx_state();
  x.offload->dev = "eth1";
  CHECK(f.device.add_state(x).status().code() == -ENODEV);
  x.offload.reset();
  CHECK(f.device.add_state(x).status().code() == -EINVAL);
}

TEST_CASE("response syndromes map to errnos and the SA is not kept") {
  struct Case {
    uint32_t syndrome;
    int err;
    const char* name;
  };
  const Case cases[] = {
      {1, -EINVAL, "ILLEGAL_REQUEST"},
      {2, -EEXIST, "SADB_ISSUE"},
      {3, -EIO, "WRITE_RESPONSE_ISSUE"},
      {7, -EIO, "SYNDROME_0x00000007"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.syndrome);
    DriverOnModel f;
    REQUIRE(f.device.probe().ok());
    f.model.fail_next_command(c.syndrome);
    const auto r = f.device.add_state(ipsec::tb::rx_state());
    CHECK(r.status().code() == c.err);
    CHECK(r.status().message().find(c.name) != std::string::npos);
    CHECK(f.device.sas().empty());
    CHECK(f.device.rx_handles().empty());
    // The handle was not consumed: the next RX state gets 1.
    const auto again = f.device.add_state(ipsec::tb::rx_state());
    REQUIRE(again.ok());
    CHECK(f.device.find(*again)->rx_handle == 1);
  }
}

TEST_CASE("the device refuses a second SA with the same key: SADB_ISSUE is -EEXIST") {
  DriverOnModel f(model::CtrlModelConfig{}, [] {
    drv::DeviceOptions o;
    o.seq_iv = drv::seeded_seq_iv(1);  // different salts: the images differ
    return o;
  }());
  REQUIRE(f.device.probe().ok());
  REQUIRE(f.device.add_state(ipsec::tb::tx_state()).ok());
  const auto r = f.device.add_state(ipsec::tb::tx_state());
  CHECK(r.status().code() == -EEXIST);
  CHECK(r.status().message() ==
        "ADD_SA_V2 failed: device answered SADB_ISSUE (duplicate SA or full SA table)");
  CHECK(f.model.counter(model::CtrlCounter::kAddSaFail) == 1);
  CHECK(f.device.sas().size() == 1);
}

TEST_CASE("an image identical to a live SA's is refused with -EEXIST, no command sent") {
  DriverOnModel f;  // constant seqiv salt: two equal TX states make equal images
  REQUIRE(f.device.probe().ok());
  REQUIRE(f.device.add_state(ipsec::tb::tx_state()).ok());
  const uint64_t doorbells = f.model.doorbells();
  const auto r = f.device.add_state(ipsec::tb::tx_state());
  CHECK(r.status().code() == -EEXIST);
  CHECK(f.model.doorbells() == doorbells);
  CHECK(f.model.counter(model::CtrlCounter::kAddSaFail) == 0);
}

TEST_CASE("a full SA table answers SADB_ISSUE: -EEXIST") {
  model::CtrlModelConfig c;
  c.num_sa = 2;
  DriverOnModel f(c);
  REQUIRE(f.device.probe().ok());
  REQUIRE(f.device.add_state(ipsec::tb::rx_state(1)).ok());
  REQUIRE(f.device.add_state(ipsec::tb::rx_state(2)).ok());
  CHECK(f.device.add_state(ipsec::tb::rx_state(3)).status().code() == -EEXIST);
}

TEST_CASE("deleting an SA the device lost answers SADB_ISSUE and the driver forgets it anyway") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::rx_state());
  REQUIRE(id.ok());
  f.model.reset();  // the engine was reset under the driver
  const drv::Status s = f.device.delete_state(*id);
  CHECK(s.code() == -EEXIST);
  CHECK(s.message().find("no such SA") != std::string::npos);
  CHECK(f.device.sas().empty());
  CHECK(f.device.find_rx(1) == nullptr);
  CHECK(f.model.counter(model::CtrlCounter::kDelSaFail) == 1);
}

// ---- RX handles -------------------------------------------------------------------------

TEST_CASE("RX handles count from 1, TX SAs take none, the lowest free handle is reused") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  auto add_rx = [&](uint32_t spi) {
    const auto id = f.device.add_state(ipsec::tb::rx_state(spi));
    REQUIRE(id.ok());
    return *id;
  };
  const drv::SaId a = add_rx(0xa);
  REQUIRE(f.device.add_state(ipsec::tb::tx_state(0xb)).ok());
  const drv::SaId c = add_rx(0xc);
  const drv::SaId d = add_rx(0xd);
  CHECK(f.device.find(a)->rx_handle == 1);
  CHECK(f.device.find(c)->rx_handle == 2);
  CHECK(f.device.find(d)->rx_handle == 3);
  // The handle is in the image and echoed back.
  CHECK(drv::decode_sa_image(f.commands.back()).sw_sa_handle == 3);
  CHECK(f.log.back() == "rsp 0000000000000003");

  // The RX table maps handles to states.
  REQUIRE(f.device.find_rx(2) != nullptr);
  CHECK(f.device.find_rx(2)->state.spi == 0xc);
  CHECK(f.device.find_rx(0) == nullptr);
  CHECK(f.device.find_rx(4) == nullptr);

  REQUIRE(f.device.delete_state(c).ok());
  CHECK(f.device.find_rx(2) == nullptr);
  REQUIRE(f.device.delete_state(a).ok());
  CHECK(f.device.find(add_rx(0xe))->rx_handle == 1);
  CHECK(f.device.find(add_rx(0xf))->rx_handle == 2);
  CHECK(f.device.find(add_rx(0x10))->rx_handle == 4);
}

TEST_CASE("a response echoing another handle fails the command with -EIO") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  f.model.corrupt_next_echo(0x00000100);
  const auto r = f.device.add_state(ipsec::tb::rx_state());
  CHECK(r.status().code() == -EIO);
  CHECK(r.status().message() ==
        "ADD_SA_V2: mismatch SA handle, command 0x00000001 vs response 0x00000101");
  CHECK(f.device.sas().empty());
  CHECK(f.log.back() == "rsp 0000000000000101");
}

// ---- completion ---------------------------------------------------------------------------

TEST_CASE("an ADD the device answers too late times out, and a DEL then takes the SA out") {
  drv::DeviceOptions o;
  o.commands.timeout_cycles = 1000;
  DriverOnModel f(model::CtrlModelConfig{}, o);
  REQUIRE(f.device.probe().ok());
  f.model.hold_commands(true);
  const uint64_t start = f.model.cycle();
  const auto r = f.device.add_state(ipsec::tb::rx_state(1));
  CHECK(r.status().code() == -ETIMEDOUT);
  CHECK(f.model.cycle() - start >= 1000);
  CHECK(f.model.cycle() - start <= 1000 + o.commands.poll_interval_cycles);
  CHECK(f.device.sas().empty());
  // Until its fate is known, the handle and the image stay reserved.
  CHECK(f.device.rx_handles_in_use() == std::set<uint32_t>{1});
  f.model.hold_commands(false);
  // The stale response echoes handle 1, the TX state's own echoes 0: reading the stale one
  // as this command's would fail it with -EIO.
  const auto tx = f.device.add_state(ipsec::tb::tx_state(2));
  REQUIRE(tx.ok());
  f.device.settle();
  CHECK(f.opcodes().back() == kOpDelSaV2);  // the late ADD undone
  CHECK(f.model.sa_count() == 1);
  CHECK(f.device.sas().size() == 1);
  CHECK(f.device.rx_handles_in_use().empty());
  CHECK(f.device.images_reserved() == 1);
  CHECK(f.device.stats().add_cleanups == 1);
  CHECK(f.model.responses_waiting() == 0);
  CHECK(f.model.outstanding() == 0);
}

TEST_CASE("an engine that answers at once is seen on the first look at CMD_STATUS") {
  model::CtrlModelConfig c;
  c.exec_cycles = 0;
  drv::DeviceOptions o;
  o.commands.wait = drv::CompletionWait::kPollStatus;
  DriverOnModel f(c, o);
  REQUIRE(f.device.probe().ok());
  const drv::BusAccessCounts before = f.device.bus_accesses();
  const uint64_t start = f.model.cycle();
  REQUIRE(f.device.add_state(ipsec::tb::tx_state()).ok());
  CHECK(f.device.bus_accesses().reads - before.reads == 3);  // CMD_STATUS, RSP_WORD0/1
  CHECK(f.model.cycle() == start);
}

TEST_CASE("completion by interrupt reads CMD_STATUS only once the line rose") {
  drv::DeviceOptions o;
  o.commands.wait = drv::CompletionWait::kInterrupt;
  DriverOnModel f(model::CtrlModelConfig{}, o);
  REQUIRE(f.device.probe().ok());
  const drv::BusAccessCounts before = f.device.bus_accesses();
  const auto id = f.device.add_state(ipsec::tb::rx_state());
  REQUIRE(id.ok());
  const drv::BusAccessCounts after = f.device.bus_accesses();
  CHECK(after.reads - before.reads == 3);  // CMD_STATUS, RSP_WORD0, RSP_WORD1
  CHECK(after.writes - before.writes == 39);
  REQUIRE(f.device.delete_state(*id).ok());
  CHECK(f.model.sa_count() == 0);
}

TEST_CASE("an ADD costs 37 window words, a doorbell and a pop (V1: 33 words)") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  drv::BusAccessCounts before = f.device.bus_accesses();
  REQUIRE(f.device.add_state(ipsec::tb::tx_state()).ok());
  CHECK(f.device.bus_accesses().writes - before.writes == 37 + 1 + 1);
  // CMD_STATUS polled until RSP_VALID, then the two response words.
  CHECK(f.device.bus_accesses().reads - before.reads >= 3);

  DriverOnModel v1(config_with_caps(kCapFlagsV1Only));
  REQUIRE(v1.device.probe().ok());
  before = v1.device.bus_accesses();
  REQUIRE(v1.device.add_state(ipsec::tb::tx_state()).ok());
  CHECK(v1.device.bus_accesses().writes - before.writes == 33 + 1 + 1);
}

TEST_CASE("a bus error is -EIO naming the register") {
  model::CtrlModel m;
  SUBCASE("doorbell") {
    FaultyBus bus(m, IPSEC_REGS_CMD_DOORBELL_OFFSET);
    drv::IpsecDevice dev(bus);
    const drv::Status s = dev.probe();
    CHECK(s.code() == -EIO);
    CHECK(s.message() ==
          "SET_CAP: bus error (SLVERR) writing CMD_DOORBELL at 0x050");
  }
  SUBCASE("identity") {
    FaultyBus bus(m, IPSEC_REGS_PRODUCT_ID_OFFSET);
    drv::IpsecDevice dev(bus);
    CHECK(dev.probe().message() == "bus error (SLVERR) reading PRODUCT_ID at 0x004");
  }
  SUBCASE("a counter's high word") {
    FaultyBus bus(m, IPSEC_REGS_ADD_SA_FAIL_HI_OFFSET);
    drv::IpsecDevice dev(bus);
    REQUIRE(dev.probe().ok());
    const auto stats = dev.ethtool_stats();
    CHECK(stats.status().code() == -EIO);
    CHECK(stats.status().message() ==
          "bus error (SLVERR) reading ADD_SA_FAIL (high word) at 0x254");
  }
  SUBCASE("a window word") {
    FaultyBus bus(m, IPSEC_REGS_CMD_WINDOW_OFFSET + 4 * 30);
    drv::IpsecDevice dev(bus);
    REQUIRE(dev.probe().ok());  // SET_CAP writes 8 words only
    const auto r = dev.add_state(ipsec::tb::tx_state());
    CHECK(r.status().message() == "ADD_SA_V2: bus error (SLVERR) writing CMD_WINDOW[30] at 0x178");
  }
}

// ---- ethtool -S -------------------------------------------------------------------------

TEST_CASE("ethtool -S lists the 14 hardware then the 8 software counters, in order") {
  const std::vector<std::string> want = {
      "ipsec_dec_in_packets",   "ipsec_dec_out_packets",       "ipsec_dec_bypass_packets",
      "ipsec_enc_in_packets",   "ipsec_enc_out_packets",       "ipsec_enc_bypass_packets",
      "ipsec_dec_drop_packets", "ipsec_dec_auth_fail_packets", "ipsec_enc_drop_packets",
      "ipsec_add_sa_success",   "ipsec_add_sa_fail",           "ipsec_del_sa_success",
      "ipsec_del_sa_fail",      "ipsec_cmd_drop",              "ipsec_rx_drop_sp_alloc",
      "ipsec_rx_drop_sadb_miss", "ipsec_rx_drop_syndrome",     "ipsec_tx_drop_bundle",
      "ipsec_tx_drop_no_state", "ipsec_tx_drop_not_ip",        "ipsec_tx_drop_trailer",
      "ipsec_tx_drop_metadata",
  };
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  // Distinct values, some beyond 32 bits.
  for (size_t i = 0; i < model::kCtrlCounters; ++i) {
    f.model.set_counter(static_cast<model::CtrlCounter>(i), (uint64_t{i} << 32) + 100 + i);
  }
  drv::SwCounters& sw = f.device.sw_counters();
  sw.rx_drop_sp_alloc = 1;
  sw.rx_drop_sadb_miss = 2;
  sw.rx_drop_syndrome = 3;
  sw.tx_drop_bundle = 4;
  sw.tx_drop_no_state = 5;
  sw.tx_drop_not_ip = 6;
  sw.tx_drop_trailer = 7;
  sw.tx_drop_metadata = 8;

  const auto stats = f.device.ethtool_stats();
  REQUIRE(stats.ok());
  REQUIRE(stats->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK((*stats)[i].name == want[i]);
    const uint64_t value = i < 14 ? (uint64_t{i} << 32) + 100 + i : i - 13;
    CHECK((*stats)[i].value == value);
  }
}

TEST_CASE("the SA counters follow adds and deletes") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::rx_state());
  REQUIRE(id.ok());
  f.model.fail_next_command(2);
  CHECK_FALSE(f.device.add_state(ipsec::tb::rx_state(7)).ok());
  REQUIRE(f.device.delete_state(*id).ok());
  const auto stats = f.device.ethtool_stats();
  REQUIRE(stats.ok());
  auto value = [&](const char* name) {
    for (const auto& s : *stats) {
      if (s.name == name) return s.value;
    }
    FAIL("no counter ", name);
    return uint64_t{0};
  };
  CHECK(value("ipsec_add_sa_success") == 1);
  CHECK(value("ipsec_add_sa_fail") == 1);
  CHECK(value("ipsec_del_sa_success") == 1);
  CHECK(value("ipsec_del_sa_fail") == 0);
  CHECK(value("ipsec_cmd_drop") == 0);
}

// ---- the command log ----------------------------------------------------------------------

TEST_CASE("--cmd-log prints a known ADD_SA_V2 and its response") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  REQUIRE(f.device.add_state(ipsec::tb::tx_state(0x1000)).ok());
  const std::string want =
      "cmd ADD_SA_V2 "
      "00000002"                                                          // opcode
      "101112131415161718191a1b1c1d1e1f101112131415161718191a1b1c1d1e1f"  // key, twice
      "0000000000000000000000000000000000000000000000000000000000000000"  // key_auth
      "000000000000000000000000" "0a000001"                               // sip
      "000000000000000000000000" "0a000101"                               // dip
      "00000000"                                                          // reserved
      "5152535455565758"                                                  // salt_iv
      "a0a1a2a3"                                                          // salt
      "00001000"                                                          // spi
      "00000000"                                                          // sw_sa_handle
      "0000" "01" "0000" "78" "0000"                                      // tfclen..flags
      "00000000" "00000000" "00000000" "0000" "0000";                     // V2 part
  CHECK(f.log.at(f.log.size() - 2) == want);
  CHECK(f.log.back() == "rsp 0000000000000000");
}

TEST_CASE("the formatter names opcodes the contract does not know") {
  drv::BusTransfer t;
  t.kind = drv::BusTransfer::Kind::kCommand;
  t.bytes = {0x00, 0x00, 0x00, 0x09, 0xab};
  t.doorbell_cycle = 1234;
  CHECK(drv::format_cmd_log(t) == "cmd OPCODE_0x00000009 00000009ab doorbell=1234");
  t.kind = drv::BusTransfer::Kind::kResponse;
  t.bytes = {0, 0, 0, 2, 0, 0, 0, 5};
  t.completion_cycle = 1301;
  CHECK(drv::format_cmd_log(t) == "rsp 0000000200000005 doorbell=1234 completion=1301");
}
