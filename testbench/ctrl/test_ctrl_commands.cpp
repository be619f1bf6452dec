// SA commands at the register level: every opcode and syndrome, the counters they feed,
// response ordering, the command queue and its drops.

#include <doctest/doctest.h>

#include <vector>

#include "Vipsec_ctrl.h"
#include "ctrl_harness.h"
#include "ctrl_test_helpers.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

// Looks an SA up on the port of its direction (TX SAs on the TX port).
bool find(CtrlHarness& h, const SaSpec& sa, SaCtx& ctx) {
  return h.lookup(sa.tx ? 0 : 1, sa.match_key(), ctx);
}

bool present(CtrlHarness& h, const SaSpec& sa) {
  SaCtx ctx;
  return find(h, sa, ctx);
}

TEST_CASE("ADD_SA installs an SA, echoes its handle and counts a success") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  const SaSpec sa = example_sa(1);
  const Response r = h.add_sa(sa, /*v2=*/false);
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == sa.handle);
  check_sa_counters(h, {1, 0, 0, 0});

  SaCtx ctx;
  REQUIRE(find(h, sa, ctx));
  CHECK(ctx == sa.ctx());
  CHECK_FALSE(ctx.key256);
  CHECK_FALSE(ctx.esn_en);
  check_no_lookup_errors(h);
}

TEST_CASE("ADD_SA_V2 installs the SA's ESN state and its 256-bit key") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  SaSpec sa = example_sa(2, /*tx=*/false, /*ipv6=*/true, /*key256=*/true);
  sa.esn = true;
  sa.esn_overlap = true;
  sa.esn_hi = 0x01020304;
  const Response r = h.add_sa(sa, /*v2=*/true);
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == sa.handle);
  check_sa_counters(h, {1, 0, 0, 0});

  SaCtx ctx;
  REQUIRE(find(h, sa, ctx));
  CHECK(ctx == sa.ctx());
  CHECK(ctx.key256);
  CHECK(ctx.esn_en);
  CHECK(ctx.esn_overlap);
  CHECK(ctx.esn_hi == 0x01020304);
  check_no_lookup_errors(h);
}

TEST_CASE("DEL_SA and DEL_SA_V2 remove an SA and count successes") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  const SaSpec a = example_sa(3), b = example_sa(4, /*tx=*/true, /*ipv6=*/true, true);
  REQUIRE(h.add_sa(a, false).syndrome == contract::kOk);
  REQUIRE(h.add_sa(b, true).syndrome == contract::kOk);

  const Response ra = h.del_sa(a, /*v2=*/false);
  CHECK(ra.syndrome == contract::kOk);
  CHECK(ra.echo == a.handle);
  CHECK_FALSE(present(h, a));
  CHECK(present(h, b));

  const Response rb = h.del_sa(b, /*v2=*/true);
  CHECK(rb.syndrome == contract::kOk);
  CHECK(rb.echo == b.handle);
  CHECK_FALSE(present(h, b));
  check_sa_counters(h, {2, 0, 2, 0});
  check_no_lookup_errors(h);
}

TEST_CASE("MOD_SA_V2 rewrites the ESN state of an SA and counts as an add") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  SaSpec sa = example_sa(5);
  sa.esn = true;
  sa.esn_hi = 1;
  REQUIRE(h.add_sa(sa, true).syndrome == contract::kOk);

  sa.esn_overlap = true;
  sa.esn_hi = 2;
  const Response r = h.mod_sa(sa);
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == sa.handle);
  SaCtx ctx;
  REQUIRE(find(h, sa, ctx));
  CHECK(ctx == sa.ctx());
  CHECK(ctx.esn_overlap);
  CHECK(ctx.esn_hi == 2);

  // ESN turned off: the ESN fields read zero.
  sa.esn = false;
  CHECK(h.mod_sa(sa).syndrome == contract::kOk);
  REQUIRE(find(h, sa, ctx));
  CHECK_FALSE(ctx.esn_en);
  CHECK_FALSE(ctx.esn_overlap);
  CHECK(ctx.esn_hi == 0);
  check_sa_counters(h, {3, 0, 0, 0});
  check_no_lookup_errors(h);
}

TEST_CASE("SET_CAP grants NO_TRAILER and echoes the granted flags") {
  CtrlHarness h(test_seed(), 20);
  Response r = h.execute(set_cap_image(contract::kNoTrailer));
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == contract::kNoTrailer);
  CHECK(h.read(reg::kControl) == 1);
  CHECK(h.dut().no_trailer_o);

  // Only the flags the engine supports are granted.
  r = h.execute(set_cap_image(0xFFFFFFFF));
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == contract::kNoTrailer);

  r = h.execute(set_cap_image(0));
  CHECK(r.syndrome == contract::kOk);
  CHECK(r.echo == 0);
  CHECK(h.read(reg::kControl) == 0);
  CHECK_FALSE(h.dut().no_trailer_o);

  // A SET_CAP of the wrong length is refused and changes nothing.
  r = h.execute(set_cap_image(contract::kNoTrailer), 36);
  CHECK(r.syndrome == contract::kIllegalRequest);
  CHECK(r.echo == 0);
  CHECK(h.read(reg::kControl) == 0);
  check_sa_counters(h, {0, 0, 0, 0});
}

TEST_CASE("an unknown opcode answers ILLEGAL_REQUEST and counts nowhere") {
  CtrlHarness h(test_seed(), 20);
  const SaSpec sa = example_sa(6);
  for (uint32_t opcode : {6u, 7u, 0x100u, 0xFFFFFFFFu}) {
    INFO("opcode " << opcode);
    Bytes image = sa_image(contract::kAddSaV2, sa);
    put_be32(image, 0, opcode);
    const Response r = h.execute(image);
    CHECK(r.syndrome == contract::kIllegalRequest);
    CHECK(r.echo == sa.handle);  // the handle bytes of the image
  }
  // Too short to hold a handle: the echo is 0.
  Bytes short_image(32, 0);
  put_be32(short_image, 0, 9);
  const Response r = h.execute(short_image);
  CHECK(r.syndrome == contract::kIllegalRequest);
  CHECK(r.echo == 0);
  CHECK_FALSE(present(h, sa));
  check_sa_counters(h, {0, 0, 0, 0});
}

TEST_CASE("malformed SA images answer ILLEGAL_REQUEST, install nothing and count a failure") {
  CtrlHarness h(test_seed(), 20);
  SaSpec sa = example_sa(7);
  uint64_t add_fail = 0, del_fail = 0;
  auto refused = [&](const Bytes& image, uint32_t length) {
    const Response r = h.execute(image, length);
    CHECK(r.syndrome == contract::kIllegalRequest);
    CHECK(r.echo == (length >= 0x7C ? sa.handle : 0));  // 0 when the handle is cut off
    CHECK_FALSE(present(h, sa));
  };

  SUBCASE("enc_mode other than AES-GCM-128 or -256") {
    for (uint8_t mode : {0, 2, 4, 0xFF}) {
      INFO("enc_mode " << int(mode));
      Bytes image = sa_image(contract::kAddSaV2, sa);
      image[0x7E] = mode;
      refused(image, contract::kLenV2);
      ++add_fail;
    }
  }
  SUBCASE("flags without SA_VALID, SPI_EN or IP_ESP") {
    for (uint8_t missing : {contract::kSaValid, contract::kSpiEn, contract::kIpEsp}) {
      INFO("missing flag " << int(missing));
      Bytes image = sa_image(contract::kAddSa, sa);
      image[0x81] = static_cast<uint8_t>(image[0x81] & ~missing);
      refused(image, contract::kLenV1);
      ++add_fail;
    }
  }
  SUBCASE("ESN in a v1 ADD_SA") {
    sa.esn = true;
    sa.esn_hi = 5;
    refused(sa_image(contract::kAddSa, sa), contract::kLenV1);
    ++add_fail;
  }
  SUBCASE("a length that does not match the opcode") {
    refused(sa_image(contract::kAddSa, sa), contract::kLenV2);       // v1 image, v2 length
    refused(sa_image(contract::kAddSaV2, sa), contract::kLenV1);     // v2 image, v1 length
    refused(sa_image(contract::kAddSaV2, sa), contract::kLenSetCap);
    refused(sa_image(contract::kAddSaV2, sa), 0);
    refused(sa_image(contract::kModSaV2, sa), contract::kLenV1);
    add_fail += 5;
    REQUIRE(h.add_sa(sa, true).syndrome == contract::kOk);
    for (uint32_t length : {contract::kLenV2, 128u}) {
      const Response r = h.execute(sa_image(contract::kDelSa, sa), length);
      CHECK(r.syndrome == contract::kIllegalRequest);
      ++del_fail;
    }
    CHECK(h.execute(sa_image(contract::kDelSaV2, sa), contract::kLenV1).syndrome ==
          contract::kIllegalRequest);
    ++del_fail;
    CHECK(present(h, sa));
    check_sa_counters(h, {1, add_fail, 0, del_fail});
    return;
  }
  check_sa_counters(h, {0, add_fail, 0, del_fail});
}

TEST_CASE("a duplicate ADD answers SADB_ISSUE and keeps the first SA") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  const SaSpec first = example_sa(8, false, false, true);
  REQUIRE(h.add_sa(first, true).syndrome == contract::kOk);
  SaSpec again = first;
  again.key = Bytes(16, 0x77);
  again.handle = 99;
  const Response r = h.add_sa(again, false);
  CHECK(r.syndrome == contract::kSadbIssue);
  CHECK(r.echo == 99);
  SaCtx ctx;
  REQUIRE(find(h, first, ctx));
  CHECK(ctx == first.ctx());
  check_sa_counters(h, {1, 1, 0, 0});
  check_no_lookup_errors(h);
}

TEST_CASE("DEL and MOD of an unknown SA answer SADB_ISSUE and count failures") {
  CtrlHarness h(test_seed(), 20);
  const SaSpec known = example_sa(9), unknown = example_sa(10);
  REQUIRE(h.add_sa(known, true).syndrome == contract::kOk);
  SaSpec other_direction = known;
  other_direction.tx = !known.tx;

  CHECK(h.del_sa(unknown, false).syndrome == contract::kSadbIssue);
  CHECK(h.del_sa(unknown, true).syndrome == contract::kSadbIssue);
  CHECK(h.del_sa(other_direction, true).syndrome == contract::kSadbIssue);
  const Response r = h.mod_sa(unknown);
  CHECK(r.syndrome == contract::kSadbIssue);
  CHECK(r.echo == unknown.handle);
  CHECK(present(h, known));
  check_sa_counters(h, {1, 1, 0, 3});
}

TEST_CASE("responses come back in order, exactly once, each echoing its handle") {
  CtrlHarness h(test_seed(), 20);
  struct Expected {
    uint32_t syndrome, echo;
  };
  std::vector<Expected> expected;
  auto submit = [&](const Bytes& image, uint32_t syndrome, uint32_t echo) {
    h.write_window(image);
    h.ring_doorbell(static_cast<uint32_t>(image.size()));
    expected.push_back({syndrome, echo});
  };
  const SaSpec a = example_sa(11), b = example_sa(12, false, true, true);
  Bytes bad = sa_image(contract::kAddSaV2, b);
  bad[0x7E] = 2;
  submit(sa_image(contract::kAddSa, a), contract::kOk, a.handle);
  submit(sa_image(contract::kAddSaV2, b), contract::kOk, b.handle);
  submit(sa_image(contract::kAddSa, a), contract::kSadbIssue, a.handle);
  submit(set_cap_image(1), contract::kOk, 1);
  submit(bad, contract::kIllegalRequest, b.handle);
  submit(sa_image(contract::kDelSa, a), contract::kOk, a.handle);
  submit(sa_image(contract::kDelSaV2, a), contract::kSadbIssue, a.handle);
  submit(sa_image(contract::kDelSaV2, b), contract::kOk, b.handle);

  // All eight are answered before any is popped.
  h.ticks(200);
  uint32_t status = h.read(reg::kCmdStatus);
  CHECK(reg::outstanding(status) == 8);
  CHECK(reg::rsp_level(status) == 8);
  CHECK(reg::full(status));
  CHECK(reg::rsp_valid(status));
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("response " << i);
    const Response r = h.take_response();
    CHECK(r.syndrome == expected[i].syndrome);
    CHECK(r.echo == expected[i].echo);
    for (uint32_t w = 2; w < 8; ++w) CHECK(h.read(reg::kRspWord0 + 4 * w) == 0);
  }
  status = h.read(reg::kCmdStatus);
  CHECK(status == 0);
  CHECK(h.read(reg::kRspWord0) == 0);
  CHECK(h.read(reg::kRspWord0 + 4) == 0);
  // A pop with nothing waiting changes nothing.
  h.write(reg::kRspPop, 1);
  CHECK(h.read(reg::kCmdStatus) == 0);
  check_sa_counters(h, {2, 2, 2, 1});
}

TEST_CASE("eight doorbells are accepted without popping, the ninth is dropped and counted") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  std::vector<SaSpec> sas;
  for (uint32_t i = 0; i < 10; ++i) sas.push_back(example_sa(20 + i));
  for (uint32_t i = 0; i < 8; ++i) {
    h.write_window(sa_image(contract::kAddSa, sas[i]));
    h.ring_doorbell(contract::kLenV1);
    CHECK(reg::outstanding(h.read(reg::kCmdStatus)) == i + 1);
  }
  h.ticks(100);
  CHECK(reg::full(h.read(reg::kCmdStatus)));

  // The ninth: dropped, no response, no effect.
  h.write_window(sa_image(contract::kAddSa, sas[8]));
  h.ring_doorbell(contract::kLenV1);
  CHECK(h.read_counter(Counter::kCmdDrop) == 1);
  uint32_t status = h.read(reg::kCmdStatus);
  CHECK(reg::outstanding(status) == 8);
  CHECK(reg::rsp_level(status) == 8);

  // Popping one makes room for the next.
  Response r = h.take_response();
  CHECK(r.echo == sas[0].handle);
  status = h.read(reg::kCmdStatus);
  CHECK(reg::outstanding(status) == 7);
  CHECK_FALSE(reg::full(status));
  h.write_window(sa_image(contract::kAddSa, sas[9]));
  h.ring_doorbell(contract::kLenV1);
  CHECK(reg::outstanding(h.read(reg::kCmdStatus)) == 8);
  CHECK(h.read_counter(Counter::kCmdDrop) == 1);

  for (uint32_t i : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 9u}) {
    INFO("response for SA " << i);
    r = h.take_response();
    CHECK(r.syndrome == contract::kOk);
    CHECK(r.echo == sas[i].handle);
  }
  CHECK(h.read(reg::kCmdStatus) == 0);
  for (uint32_t i = 0; i < 10; ++i) CHECK(present(h, sas[i]) == (i != 8));
  check_sa_counters(h, {9, 0, 0, 0});
}

TEST_CASE("the doorbell clears the command window") {
  CtrlHarness h(test_seed(), 20);
  const SaSpec sa = example_sa(30);
  REQUIRE(h.execute(sa_image(contract::kAddSaV2, sa)).syndrome == contract::kOk);
  // Only the opcode written this time: the rest of the window is zero (enc_mode 0), not the
  // previous image (which would be a duplicate).
  h.write(reg::kCmdWindow, contract::kAddSaV2);
  h.ring_doorbell(contract::kLenV2);
  const Response r = h.take_response();
  CHECK(r.syndrome == contract::kIllegalRequest);
  CHECK(r.echo == 0);
}

TEST_CASE("commands wait for the SA store scrub after reset") {
  CtrlHarness h(test_seed());
  const SaSpec sa = example_sa(31);
  REQUIRE(h.add_sa(sa, false).syndrome == contract::kOk);
  h.reset(/*wait_for_scrub=*/false);
  const uint64_t reset_done = h.cycle();
  // Reset forgot the SA: adding it again succeeds, once the scrub is over.
  const Response r = h.add_sa(sa, false);
  CHECK(r.syndrome == contract::kOk);
  CHECK(h.cycle() - reset_done > kNumSa);
  CHECK(present(h, sa));
  check_sa_counters(h, {1, 0, 0, 0});
}

}  // namespace
}  // namespace ipsec::tb
