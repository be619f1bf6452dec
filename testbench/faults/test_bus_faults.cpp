// Bus faults on the RTL path, through the driver (issue 12, item 4): each test arms one
// fault on the injector between the driver and the Verilated engine, shows what the driver
// reports (errno, kernel log line, counters) and that afterwards the driver's SA table and
// the engine's agree (fault_bench.h says how the engine's is read).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "fault_bench.h"

using namespace ipsec;
using namespace ipsec::tb;
using driver::SaOpcode;
using sim::BusAccess;
using sim::ResponseFault;
using sim::ResponseFaultKind;

namespace {

constexpr uint32_t kAdd = static_cast<uint32_t>(SaOpcode::kAddSaV2);
constexpr uint32_t kDel = static_cast<uint32_t>(SaOpcode::kDelSaV2);

ResponseFault response(ResponseFaultKind kind, uint32_t opcode, uint32_t value = 0) {
  ResponseFault f;
  f.kind = kind;
  f.opcode = opcode;
  f.clocks = value;
  f.syndrome = value;
  return f;
}

}  // namespace

TEST_CASE("SLVERR on the doorbell of an ADD: -EIO naming the register, nothing installed, the next ADD works") {
  FaultBench b;
  b.faults().slverr(BusAccess::kWrite, IPSEC_REGS_CMD_DOORBELL_OFFSET);
  const auto r = b.dev().add_state(rx_state(0x2000));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == -EIO);
  CHECK(r.status().message().find("SLVERR") != std::string::npos);
  CHECK(r.status().message().find("CMD_DOORBELL") != std::string::npos);
  CHECK(b.faults().fired().size() == 1);
  CHECK(b.counter("ipsec_add_sa_success") == 0);
  CHECK(b.counter("ipsec_add_sa_fail") == 0);  // the engine never saw the command
  CHECK(b.check_tables_agree() == 0);

  const auto again = b.dev().add_state(rx_state(0x2000));
  CHECK_MESSAGE(again.ok(), again.status().message());
  CHECK(b.check_tables_agree() == 1);
}

TEST_CASE("SLVERR on the 3rd write to CMD_DOORBELL: the first two ADDs succeed, the third fails with -EIO") {
  FaultBench b;
  b.faults().slverr(BusAccess::kWrite, IPSEC_REGS_CMD_DOORBELL_OFFSET, 3);
  CHECK(b.dev().add_state(tx_state(0x1000)).ok());
  CHECK(b.dev().add_state(tx_state(0x1001)).ok());
  const auto third = b.dev().add_state(tx_state(0x1002));
  REQUIRE_FALSE(third.ok());
  CHECK(third.status().code() == -EIO);
  CHECK(b.counter("ipsec_add_sa_success") == 2);
  CHECK(b.check_tables_agree() == 2);
}

TEST_CASE("SLVERR reading a response: logged, the response taken again on the next look") {
  FaultBench b;
  b.faults().slverr(BusAccess::kRead, IPSEC_REGS_RSP_WORD1_OFFSET);
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  CHECK(b.faults().fired().size() == 1);
  CHECK(b.logged("SLVERR"));
  CHECK(b.logged("RSP_WORD1"));
  // The response was not popped: the driver's next look takes it again, and the ADD
  // succeeds.
  CHECK_MESSAGE(r.ok(), r.status().message());
  CHECK(b.check_tables_agree() == 1);
  CHECK(b.dev().add_state(rx_state(0x2001)).ok());
  CHECK(b.check_tables_agree() == 2);
}

TEST_CASE("a lost interrupt: the driver finds the response at its timeout, warns and counts, the next interrupt comes again") {
  FaultBench b;
  b.faults().response_fault(response(ResponseFaultKind::kIrqLost, kAdd));
  const uint64_t t0 = b.sim().cycles();
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  REQUIRE(b.faults().fired().size() == 1);
  CHECK(b.faults().fired()[0].find("lost") != std::string::npos);
  // The interrupt never came: the driver learnt the outcome only at its timeout.
  CHECK(b.sim().cycles() - t0 >= FaultBench::kTimeout);
  CHECK_MESSAGE(r.ok(), r.status().message());  // found in CMD_STATUS at the timeout
  CHECK(b.logged("mlx5_fpga_ipsec_cmd_wait: no interrupt for 1 response(s) found waiting at a command's timeout"));
  CHECK(b.dev().commands().stats().irq_missed == 1);
  CHECK(b.check_tables_agree() == 1);
  // The next command gets its interrupt again.
  const uint64_t t1 = b.sim().cycles();
  CHECK(b.dev().add_state(rx_state(0x2001)).ok());
  CHECK(b.sim().cycles() - t1 < 1000);
  CHECK(b.dev().commands().stats().irq_missed == 1);  // this one came on its interrupt
  CHECK(b.check_tables_agree() == 2);
}

TEST_CASE("a late interrupt within the timeout: the ADD succeeds, that much later") {
  FaultBench b;
  const auto first = b.dev().add_state(tx_state(0x1000));
  REQUIRE(first.ok());
  const uint64_t t0 = b.sim().cycles();
  REQUIRE(b.dev().add_state(tx_state(0x1001)).ok());
  const uint64_t normal = b.sim().cycles() - t0;

  b.faults().response_fault(response(ResponseFaultKind::kIrqLate, kAdd, 600));
  const uint64_t t1 = b.sim().cycles();
  const auto r = b.dev().add_state(tx_state(0x1002));
  CHECK_MESSAGE(r.ok(), r.status().message());
  CHECK(b.sim().cycles() - t1 >= normal + 600 - 8);  // the response waited 600 clocks
  REQUIRE(b.faults().fired().size() == 1);
  CHECK(b.faults().fired()[0].find("late") != std::string::npos);
  CHECK(b.check_tables_agree() == 3);
}

TEST_CASE("a late interrupt past the timeout: the driver's timeout look finds the response in CMD_STATUS") {
  FaultBench b;
  b.faults().response_fault(
      response(ResponseFaultKind::kIrqLate, kAdd, static_cast<uint32_t>(FaultBench::kTimeout * 2)));
  const uint64_t t0 = b.sim().cycles();
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  // A command's timeout is a reason to read CMD_STATUS (driver/command_queue.cpp), which
  // shows RSP_VALID whatever the interrupt does: the ADD completes then, not at the late
  // interrupt, and not with -ETIMEDOUT.
  CHECK_MESSAGE(r.ok(), r.status().message());
  const uint64_t took = b.sim().cycles() - t0;
  CHECK(took >= FaultBench::kTimeout);
  CHECK(took < FaultBench::kTimeout * 2);
  CHECK(b.dev().commands().stats().timed_out == 0);
  CHECK(b.dev().commands().stats().irq_missed == 1);
  CHECK(b.check_tables_agree() == 1);
}

TEST_CASE("a dropped ADD response: the driver reports it, undoes the ADD, and the next commands work") {
  FaultBench b;
  b.faults().response_fault(response(ResponseFaultKind::kDrop, kAdd));
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  REQUIRE_FALSE(r.ok());
  CHECK((r.status().code() == -EIO || r.status().code() == -ETIMEDOUT));
  REQUIRE(b.faults().fired().size() == 1);
  CHECK(b.faults().fired()[0].find("dropped") != std::string::npos);
  CHECK(b.logged("response never came"));
  CHECK(b.check_tables_agree() == 0);
  CHECK(b.dev().stats().add_cleanups == 1);

  CHECK(b.dev().add_state(rx_state(0x2000)).ok());
  CHECK(b.check_tables_agree() == 1);
}

TEST_CASE("a dropped DEL response: the SA leaves both tables, the next commands work") {
  FaultBench b;
  const auto id = b.dev().add_state(rx_state(0x2000));
  REQUIRE(id.ok());
  b.faults().response_fault(response(ResponseFaultKind::kDrop, kDel));
  const driver::Status s = b.dev().delete_state(*id);
  INFO(b.dmesg());
  CHECK_FALSE(s.ok());
  CHECK(b.logged("response never came"));
  CHECK(b.dev().find(*id) == nullptr);
  CHECK(b.check_tables_agree() == 0);
  CHECK(b.dev().add_state(rx_state(0x2001)).ok());
  CHECK(b.check_tables_agree() == 1);
}

TEST_CASE("a corrupted handle echo: -EIO, the kernel's mismatch line, the ADD undone") {
  FaultBench b;
  b.faults().response_fault(response(ResponseFaultKind::kBadHandle, kAdd));
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == -EIO);
  CHECK(b.logged("mismatch SA handle. cmd 0x00000001 vs resp 0x80000001"));
  CHECK(b.check_tables_agree() == 0);
  CHECK(b.dev().stats().add_cleanups == 1);
}

TEST_CASE("a response with syndrome 1, 2 or 3: the contract's errno, logged, counted, nothing installed") {
  const struct {
    uint32_t syndrome;
    int err;
  } cases[] = {{1, -EINVAL}, {2, -EEXIST}, {3, -EIO}};
  for (const auto& c : cases) {
    CAPTURE(c.syndrome);
    FaultBench b;
    b.faults().response_fault(response(ResponseFaultKind::kSyndrome, kAdd, c.syndrome));
    const auto r = b.dev().add_state(tx_state(0x1000));
    INFO(b.dmesg());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.err);
    CHECK(b.logged("IPSec command failed with syndrome 0000000" + std::to_string(c.syndrome)));
    CHECK(b.counter("ipsec_add_sa_fail") == 1);  // the engine refused it
    CHECK(b.counter("ipsec_add_sa_success") == 0);
    CHECK(b.check_tables_agree() == 0);
    CHECK(b.dev().add_state(tx_state(0x1000)).ok());
    CHECK(b.check_tables_agree() == 1);
  }
}

TEST_CASE("a DEL refused with syndrome 2: the SA leaves the driver, its image stays reserved as in the kernel") {
  FaultBench b;
  const auto id = b.dev().add_state(tx_state(0x1000));
  REQUIRE(id.ok());
  const driver::SaImage image = b.dev().find(*id)->image;
  b.faults().response_fault(response(ResponseFaultKind::kSyndrome, kDel, 2));
  const driver::Status s = b.dev().delete_state(*id);
  INFO(b.dmesg());
  CHECK(s.code() == -EEXIST);
  CHECK(b.logged("IPSec command failed with syndrome 00000002"));
  CHECK(b.counter("ipsec_del_sa_fail") == 1);
  CHECK(b.dev().stats().del_failed == 1);
  // mlx5_fpga_ipsec_release_sa_ctx: on a failed DEL the sa_hash entry stays, so the engine
  // still holding the SA is known to the driver: the same image is refused, nothing sent.
  b.dev().settle();
  CHECK(b.dev().find(*id) == nullptr);
  CHECK(b.dev().images_reserved() == 1);
  CHECK(b.engine_holds(image));
  const auto again = b.dev().add_state(tx_state(0x1000));
  CHECK(again.status().code() == -EEXIST);
}

// Issue 12: "a timeout, through the fault injector". The response is held from the driver
// past its command timeout, then dropped: the command times out and its response never comes.
TEST_CASE("a timeout through the injector: a held-then-dropped ADD response gives -ETIMEDOUT, the ADD is undone") {
  FaultBench b;
  const uint32_t hold = static_cast<uint32_t>(FaultBench::kTimeout * 2);
  b.faults().response_fault(response(ResponseFaultKind::kHold, kAdd, hold));
  b.faults().response_fault(response(ResponseFaultKind::kDrop, kAdd));
  const uint64_t t0 = b.sim().cycles();
  const auto r = b.dev().add_state(rx_state(0x2000));
  INFO(b.dmesg());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == -ETIMEDOUT);
  CHECK(r.status().message().find("no response to ADD_SA_V2") != std::string::npos);
  const uint64_t took = b.sim().cycles() - t0;
  CHECK(took >= FaultBench::kTimeout);
  CHECK(took < hold);
  CHECK(b.logged("mlx5_fpga_ipsec_cmd_wait"));
  CHECK(b.logged("Failure waiting for IPSec command response"));
  CHECK(b.dev().commands().stats().timed_out == 1);
  // Not half-installed: the driver has no SA, but the engine executed the ADD.
  CHECK(b.dev().sas().empty());
  CHECK(b.counter("ipsec_add_sa_success") == 1);
  CHECK(b.dev().images_reserved() == 1);  // until its fate is known

  // The hold ends and the injector drops the response: no interrupt comes, so the driver
  // learns it at its next look at the device (the next command's response), finds one
  // command fewer in the engine than it has rung (CMD_STATUS.OUTSTANDING), and deletes the
  // SA the engine installed.
  b.faults().wait_cycles(hold);
  REQUIRE(b.faults().fired().size() == 2);
  CHECK(b.faults().fired()[0].find("response to ADD_SA_V2 held") == 0);
  CHECK(b.faults().fired()[1].find("response to ADD_SA_V2 dropped") == 0);
  const auto next = b.dev().add_state(rx_state(0x2001));
  CHECK_MESSAGE(next.ok(), next.status().message());
  b.dev().settle();
  CHECK(b.logged("was accepted by the device but its response never came"));
  CHECK(b.logged("timed out and its response vanished: deleting it from the device"));
  CHECK(b.dev().commands().stats().no_response == 1);
  CHECK(b.dev().stats().add_cleanups == 1);
  CHECK(b.counter("ipsec_del_sa_success") == 1);
  CHECK(b.dev().images_reserved() == 1);  // 0x2001's only
  CHECK(b.dev().rx_handles_in_use().size() == 1);
  CHECK(b.check_tables_agree() == 1);
  CHECK(b.dev().add_state(rx_state(0x2000)).ok());
  CHECK(b.check_tables_agree() == 2);
}

TEST_CASE("a response held past the timeout, then seen: -ETIMEDOUT, the late success undone by a DEL") {
  FaultBench b;
  const uint32_t hold = static_cast<uint32_t>(FaultBench::kTimeout + 1000);
  b.faults().response_fault(response(ResponseFaultKind::kHold, kAdd, hold));
  const auto r = b.dev().add_state(tx_state(0x1000));
  INFO(b.dmesg());
  CHECK(r.status().code() == -ETIMEDOUT);
  CHECK(b.dev().sas().empty());
  // When the hold ends the response is seen (the interrupt rises): a late success, which
  // the driver undoes.
  b.faults().wait_cycles(hold);
  b.dev().settle();
  CHECK(b.logged("succeeded after its timeout: deleting it from the device"));
  CHECK(b.dev().commands().stats().late_responses == 1);
  CHECK(b.counter("ipsec_del_sa_success") == 1);
  CHECK(b.dev().images_reserved() == 0);
  CHECK(b.check_tables_agree() == 0);
}

TEST_CASE("a response held within the timeout: CMD_STATUS and the interrupt hide it, the ADD succeeds that much later") {
  FaultBench b;
  b.faults().response_fault(response(ResponseFaultKind::kHold, kAdd, 700));
  const uint64_t t0 = b.sim().cycles();
  const auto r = b.dev().add_state(tx_state(0x1000));
  CHECK_MESSAGE(r.ok(), r.status().message());
  CHECK(b.sim().cycles() - t0 >= 700);
  CHECK(b.sim().cycles() - t0 < FaultBench::kTimeout);
  REQUIRE(b.faults().fired().size() == 1);
  CHECK(b.faults().fired()[0].find("response to ADD_SA_V2 held 70") == 0);
  CHECK(b.dev().commands().stats().timed_out == 0);
  CHECK(b.check_tables_agree() == 1);
}

// An ESN update (MOD_SA_V2) sent from the driver's deferred work, refused by the engine.
TEST_CASE("MOD_SA_V2 answered with a syndrome: the ESN update fails, is logged and counted, the old image stays on both sides") {
  constexpr uint32_t kMod = static_cast<uint32_t>(SaOpcode::kModSaV2);
  for (const uint32_t syndrome : {1u, 2u, 3u}) {
    CAPTURE(syndrome);
    FaultBench b;
    StateSpec spec;
    spec.dir = driver::OffloadDirection::kIn;
    spec.esn = true;
    spec.spi = 0x2100;
    const auto id = b.dev().add_state(offloadable_state(spec));
    REQUIRE(id.ok());
    const driver::SaImage before = b.dev().find(*id)->image;
    const uint64_t add_fail = b.counter("ipsec_add_sa_fail");

    b.faults().response_fault(response(ResponseFaultKind::kSyndrome, kMod, syndrome));
    driver::XfrmReplayState replay;
    replay.seq = 0x80000100u;  // the window bottom passes 2^31: ESN_OVERLAP to be set
    REQUIRE(b.dev().advance_esn_deferred(*id, replay).ok());
    CHECK(b.faults().armed() == 1);  // nothing sent from the caller's context
    b.dev().settle();
    INFO(b.dmesg());
    REQUIRE(b.faults().fired().size() == 2);
    CHECK(b.faults().fired()[0] == "MOD_SA_V2 refused by the engine, to answer syndrome " +
                                       std::to_string(syndrome));
    CHECK(b.logged("IPSec command failed with syndrome 0000000" + std::to_string(syndrome)));
    CHECK(b.logged("Failed to update the ESN state of RX SA spi 0x00002100"));
    CHECK(b.dev().stats().esn_failed == 1);
    CHECK(b.counter("ipsec_add_sa_fail") == add_fail + 1);  // MOD counts as an add
    // The driver went back to the old image; the engine never left it.
    REQUIRE(b.dev().find(*id) != nullptr);
    CHECK(b.dev().find(*id)->image == before);
    CHECK_FALSE(b.dev().find(*id)->attrs.esn.overlap);
    CHECK(b.check_tables_agree() == 1);

    // The same update without the fault goes through.
    REQUIRE(b.dev().advance_esn_deferred(*id, replay).ok());
    b.dev().settle();
    CHECK(b.dev().stats().esn_failed == 1);
    CHECK(b.dev().find(*id)->attrs.esn.overlap);
    CHECK(b.dev().find(*id)->image != before);
    // (The engine keys its SAs without the ESN fields: a probe ADD of either image is a
    // duplicate now, so the table is checked through the new image.)
    CHECK(b.engine_holds(b.dev().find(*id)->image));
  }
}
