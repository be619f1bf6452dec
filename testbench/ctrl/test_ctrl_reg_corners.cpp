// The register-path corners, on the control plane RTL and on the reference model side by
// side (docs/architecture.md, "Register access rules"): unaligned addresses, partial byte
// strobes, and every doorbell length with the doorbell's upper bits set.

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_lockstep.h"
#include "ctrl_model.h"
#include "ctrl_test_helpers.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;

uint32_t be32_at(const Bytes& image, size_t off) {
  return uint32_t{image[off]} << 24 | uint32_t{image[off + 1]} << 16 |
         uint32_t{image[off + 2]} << 8 | image[off + 3];
}

// The image padded to the window's 148 bytes, written word by word at `offset` from each
// word's address (0..3) with strobes `strb`.
void write_image(Lockstep& lock, Bytes image, uint32_t offset = 0, uint8_t strb = 0xF) {
  image.resize(4 * reg::kWindowWords, 0);
  for (uint32_t w = 0; w < reg::kWindowWords; ++w) {
    CHECK(lock.write(reg::kCmdWindow + 4 * w + offset, be32_at(image, 4 * w), strb) ==
          BusStatus::kOk);
  }
}

// Word addresses of the whole 4 KiB register space that a test walks: every register and
// the unmapped gaps around them.
std::vector<uint32_t> walk_addresses() {
  std::vector<uint32_t> a;
  for (uint32_t r = 0; r < 0x280; r += 4) a.push_back(r);
  for (uint32_t r : {0x300u, 0x7FCu, 0x800u, 0xFFCu}) a.push_back(r);
  return a;
}

// The harness's bus as a real master drives it: random delays, and W before AW, AW before W
// or both together, write by write.
sim::AxiLiteBusOptions real_master() {
  sim::AxiLiteBusOptions o;
  o.delay_percent = 30;
  o.random_order = true;
  return o;
}

// ---- unaligned addresses ------------------------------------------------------------------

TEST_CASE("unaligned reads: address bits 1:0 are ignored, on the RTL and the model") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master());
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  // Some state worth reading: a response waiting, a control bit, counts.
  write_image(lock, set_cap_image(contract::kNoTrailer));
  lock.write(reg::kCmdDoorbell, contract::kLenSetCap);
  lock.write(reg::kControl, 2);
  uint32_t aligned_ok = 0;
  for (uint32_t addr : walk_addresses()) {
    const auto base = lock.read(addr);
    for (uint32_t k = 1; k <= 3; ++k) {
      INFO("read of " << hex(addr) << " + " << k);
      const auto off = lock.read(addr + k);
      // The word that contains the address answers, exactly as at the aligned address.
      CHECK(off.status == base.status);
      CHECK(off.data == base.data);
    }
    aligned_ok += base.status == BusStatus::kOk;
  }
  CHECK(aligned_ok == readable_registers().size());
}

TEST_CASE("unaligned writes act on the word that contains the address") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master());
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  for (uint32_t k = 1; k <= 3; ++k) {
    CAPTURE(k);
    // Read-only and unmapped: SLVERR, no effect, at every offset.
    for (uint32_t addr : walk_addresses()) {
      const bool window =
          addr >= reg::kCmdWindow && addr < reg::kCmdWindow + 4 * reg::kWindowWords;
      const bool writable = window || addr == reg::kControl || addr == reg::kIntrEnable ||
                            addr == reg::kCmdDoorbell || addr == reg::kRspPop;
      if (writable) continue;
      CHECK(lock.write(addr + k, 0xFFFFFFFF) == BusStatus::kSlvErr);
    }
    // CONTROL and INTR_ENABLE.
    CHECK(lock.write(reg::kControl + k, 2) == BusStatus::kOk);
    CHECK(lock.read(reg::kControl).data == 2);
    CHECK(lock.write(reg::kControl + k, 0) == BusStatus::kOk);
    CHECK(lock.read(reg::kControl).data == 0);
    CHECK(lock.write(reg::kIntrEnable + k, 0) == BusStatus::kOk);
    CHECK(lock.read(reg::kIntrEnable).data == 0);
    CHECK(lock.write(reg::kIntrEnable + k, 1) == BusStatus::kOk);
    // A whole command through unaligned window words and an unaligned doorbell: an ADD
    // that succeeds only if every word landed where its aligned address would put it.
    const SaSpec sa = example_sa(k, false, k == 2, k == 3);
    write_image(lock, sa_image(contract::kAddSaV2, sa), k);
    CHECK(lock.write(reg::kCmdDoorbell + k, contract::kLenV2) == BusStatus::kOk);
    CHECK(lock.read(reg::kRspWord0).data == contract::kOk);
    CHECK(lock.read(reg::kRspWord0 + 4).data == sa.handle);
    CHECK(reg::rsp_level(lock.read(reg::kCmdStatus + k).data) == 1);
    CHECK(lock.write(reg::kRspPop + k, 1) == BusStatus::kOk);
    CHECK(reg::rsp_level(lock.read(reg::kCmdStatus).data) == 0);
    SaCtx ctx;
    CHECK(h.lookup(1, sa.match_key(), ctx));
    CHECK(ctx == sa.ctx());
    lock.check_state();
  }
  CHECK(m.sa_count() == 3);
}

// ---- byte strobes -----------------------------------------------------------------------

constexpr uint8_t kStrobes[] = {0x0, 0x1, 0x3, 0xC, 0x8};

TEST_CASE("partial strobes on every register: the same response and effect as the model") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master());
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  std::mt19937_64 rng(test_seed());
  // A valid SET_CAP in the window, so that a doorbell that does ring is seen to ring.
  write_image(lock, set_cap_image(contract::kNoTrailer));
  for (uint32_t addr : walk_addresses()) {
    for (uint8_t strb : kStrobes) {
      INFO("write to " << hex(addr) << " strobes " << int{strb});
      uint32_t v = static_cast<uint32_t>(rng());
      if (addr == reg::kCmdDoorbell) v = (v & ~0xFFu) | contract::kLenSetCap;
      if (addr == reg::kRspPop || addr == reg::kControl) v |= 0xFF;  // pop / set bits if enabled
      lock.write(addr, v, strb);
    }
    if (addr == reg::kCmdDoorbell || addr == reg::kRspPop || addr == reg::kControl ||
        addr == reg::kIntrEnable || addr % 64 == 0) {
      lock.check_state();
    }
  }
  lock.check_state();
}

TEST_CASE("strobes: a field changes only if its byte lane is enabled") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master());
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);

  // CONTROL.FWD_BAD_FRAMES and INTR_ENABLE.RSP_READY sit in lane 0.
  for (uint8_t strb : kStrobes) {
    CAPTURE(int{strb});
    const bool lane0 = strb & 1;
    lock.write(reg::kControl, 0);
    lock.write(reg::kControl, 0xFFFFFFFF, strb);
    CHECK(lock.read(reg::kControl).data == (lane0 ? 2u : 0u));
    lock.write(reg::kIntrEnable, 1);
    lock.write(reg::kIntrEnable, 0, strb);
    CHECK(lock.read(reg::kIntrEnable).data == (lane0 ? 0u : 1u));
    lock.write(reg::kIntrEnable, 1);
  }

  // The doorbell rings only with lane 0 (its LEN): otherwise nothing is queued, nothing
  // counted, and the window keeps its image for a doorbell that does ring.
  write_image(lock, set_cap_image(contract::kNoTrailer));
  for (uint8_t strb : {uint8_t{0x0}, uint8_t{0xC}, uint8_t{0x8}, uint8_t{0x2}}) {
    CAPTURE(int{strb});
    lock.write(reg::kCmdDoorbell, contract::kLenSetCap, strb);
    CHECK(lock.read(reg::kCmdStatus).data == 0);
    CHECK(m.doorbells() == 0);
  }
  lock.write(reg::kCmdDoorbell, 0xFFFFFF00 | contract::kLenSetCap, 0x1);
  CHECK(lock.read(reg::kRspWord0).data == contract::kOk);
  CHECK(lock.read(reg::kRspWord0 + 4).data == contract::kNoTrailer);
  // The same with lanes 0 and 1.
  write_image(lock, set_cap_image(0));
  lock.write(reg::kCmdDoorbell, contract::kLenSetCap, 0x3);
  CHECK(reg::rsp_level(lock.read(reg::kCmdStatus).data) == 2);

  // RSP_POP's bit sits in lane 0: without it, nothing is popped.
  for (uint8_t strb : {uint8_t{0x0}, uint8_t{0xC}, uint8_t{0x8}, uint8_t{0xE}}) {
    CAPTURE(int{strb});
    lock.write(reg::kRspPop, 0xFFFFFFFF, strb);
    CHECK(reg::rsp_level(lock.read(reg::kCmdStatus).data) == 2);
  }
  lock.write(reg::kRspPop, 1, 0x1);
  lock.write(reg::kRspPop, 1, 0x3);
  CHECK(reg::rsp_level(lock.read(reg::kCmdStatus).data) == 0);

  // Window words merge lane by lane: an image written as garbage, then corrected a lane
  // pair at a time (0xC then 0x3), then overwritten with strobes 0 (no effect), is the
  // image. Any lane landing in the wrong byte changes the key or a field, and the ADD then
  // fails or installs a different SA.
  const SaSpec sa = example_sa(7, false, true, true);
  const Bytes image = sa_image(contract::kAddSaV2, sa);
  Bytes garbage(image.size());
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(0xA5 ^ i);
  write_image(lock, garbage);
  write_image(lock, image, 0, 0xC);
  write_image(lock, image, 0, 0x3);
  write_image(lock, garbage, 0, 0x0);
  lock.write(reg::kCmdDoorbell, contract::kLenV2);
  CHECK(lock.read(reg::kRspWord0).data == contract::kOk);
  CHECK(lock.read(reg::kRspWord0 + 4).data == sa.handle);
  SaCtx ctx;
  CHECK(h.lookup(1, sa.match_key(), ctx));
  CHECK(ctx == sa.ctx());
  // Single lanes: 0x8 carries image byte 4i, 0x1 byte 4i+3.
  lock.write(reg::kRspPop, 1);
  write_image(lock, garbage);
  for (uint8_t strb : {uint8_t{0x8}, uint8_t{0x4}, uint8_t{0x2}, uint8_t{0x1}}) {
    write_image(lock, sa_image(contract::kDelSaV2, sa), 0, strb);
  }
  lock.write(reg::kCmdDoorbell, contract::kLenV2);
  CHECK(lock.read(reg::kRspWord0).data == contract::kOk);
  CHECK_FALSE(h.lookup(1, sa.match_key(), ctx));
  lock.check_state();
}

// ---- doorbell lengths ---------------------------------------------------------------------

TEST_CASE("every doorbell length 0..255, with the upper bits set: the contract's answer") {
  INFO(seed_hint());
  CtrlHarness h(test_seed());
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  // Bits 31:8 of the doorbell are not LEN: they must change nothing.
  const uint32_t upper[] = {0x00000000, 0xFFFFFF00, 0x00000100, 0x80000000, 0x5A5A5A00};
  const SaSpec v1 = example_sa(1, false);
  const SaSpec v2 = example_sa(2, false, true, true);
  struct Cmd {
    uint32_t opcode;
    Bytes image;
    uint32_t len;      // the length the contract gives the opcode (0: none)
    uint32_t handle;   // the sw_sa_handle bytes of the image
  };
  Bytes unknown = sa_image(contract::kAddSaV2, v2);
  put_be32(unknown, 0, 7);  // no such opcode
  const std::vector<Cmd> cmds = {
      {contract::kAddSa, sa_image(contract::kAddSa, v1), contract::kLenV1, v1.handle},
      {contract::kAddSaV2, sa_image(contract::kAddSaV2, v2), contract::kLenV2, v2.handle},
      {contract::kModSaV2, sa_image(contract::kModSaV2, v2), contract::kLenV2, v2.handle},
      {contract::kDelSa, sa_image(contract::kDelSa, v1), contract::kLenV1, v1.handle},
      {contract::kDelSaV2, sa_image(contract::kDelSaV2, v2), contract::kLenV2, v2.handle},
      {contract::kSetCap, set_cap_image(contract::kNoTrailer), contract::kLenSetCap, 0},
      {7, unknown, 0, v2.handle},
  };
  SaCounters want;
  uint64_t successes = 0;
  for (uint32_t len = 0; len < 256; ++len) {
    const uint32_t doorbell = upper[len % 5] | len;
    for (const Cmd& c : cmds) {
      INFO("opcode " << c.opcode << ", doorbell " << hex(doorbell));
      write_image(lock, c.image);
      lock.write(reg::kCmdDoorbell, doorbell);
      const uint32_t syndrome = lock.read(reg::kRspWord0).data;
      const uint32_t word1 = lock.read(reg::kRspWord0 + 4).data;
      for (uint32_t w = 2; w < 8; ++w) CHECK(lock.read(reg::kRspWord0 + 4 * w).data == 0);
      lock.write(reg::kRspPop, 1);
      // Contract section 3: only the opcode's own length is a command; any other is
      // ILLEGAL_REQUEST. These images are valid and the SAs never collide, so the right
      // length succeeds.
      const bool right = c.len != 0 && len == c.len;
      CHECK(syndrome == (right ? contract::kOk : contract::kIllegalRequest));
      successes += right;
      // Word 1: SET_CAP's granted flags; otherwise the handle when the length reaches it.
      if (c.opcode == contract::kSetCap) {
        CHECK(word1 == (right ? contract::kNoTrailer : 0u));
      } else {
        CHECK(word1 == (len >= 0x7C ? c.handle : 0u));
      }
      // Section 4: ADD (and MOD) and DEL count whatever the length; the others never.
      if (c.opcode == contract::kAddSa || c.opcode == contract::kAddSaV2 ||
          c.opcode == contract::kModSaV2) {
        ++(right ? want.add_success : want.add_fail);
      } else if (c.opcode == contract::kDelSa || c.opcode == contract::kDelSaV2) {
        ++(right ? want.del_success : want.del_fail);
      }
    }
    if (len % 16 == 15 || len == contract::kLenV1 || len == contract::kLenV2) {
      lock.check_state();  // counters, CONTROL.NO_TRAILER, CMD_STATUS on both
      check_sa_counters(h, want);
      CHECK(h.read_counter(Counter::kCmdDrop) == 0);
    }
  }
  CHECK(successes == 6);  // ADD, DEL at 132; ADD_V2, MOD, DEL_V2 at 148; SET_CAP at 32
  CHECK(m.sa_count() == 0);
  CHECK(want.add_success == 3);
  CHECK(want.add_fail == 3 * 256 - 3);
}

}  // namespace
}  // namespace ipsec::tb
