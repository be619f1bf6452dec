// Which xfrm states the driver offloads: contract section 8, message for message, and the
// FPGA layer's -EOPNOTSUPP.
#include <doctest/doctest.h>

#include <cerrno>
#include <functional>

#include "driver_fixture.h"
#include "validate.h"
#include "validation_rules.h"

namespace drv = ipsec::driver;
using ipsec::tb::Family;
using ipsec::tb::offloadable_state;
using ipsec::tb::StateSpec;
using ipsec::tb::kRules;
using ipsec::tb::Rule;


TEST_CASE("states the device can offload pass validation") {
  const drv::DeviceCaps caps = drv::DeviceCaps::full();
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    for (size_t key_bytes : {16u, 32u}) {
      for (bool esn : {false, true}) {
        for (auto dir : {drv::OffloadDirection::kIn, drv::OffloadDirection::kOut}) {
          StateSpec spec;
          spec.family = family;
          spec.key_bytes = key_bytes;
          spec.esn = esn;
          spec.dir = dir;
          drv::XfrmState x = offloadable_state(spec);
          CAPTURE(key_bytes);
          CAPTURE(esn);
          CHECK(drv::validate_state(x, caps).ok());
          x.mode = drv::XfrmMode::kTunnel;
          CHECK(drv::validate_state(x, caps).ok());
        }
      }
    }
  }
}

TEST_CASE("each of the 15 offload rules refuses with -EINVAL and its exact message") {
  for (const Rule& rule : kRules) {
    CAPTURE(rule.number);
    CAPTURE(rule.what);
    drv::XfrmState x = offloadable_state();
    drv::DeviceCaps caps = drv::DeviceCaps::full();
    rule.break_it(x, caps);
    const drv::Status s = drv::validate_state(x, caps);
    CHECK(s.code() == -EINVAL);
    CHECK(s.message() == rule.message);
  }
}

TEST_CASE("the rules are checked in the contract's order: the first failing one answers") {
  // Break every rule at once, then repair them one by one from the first: each time the
  // lowest rule still broken must be the one reported.
  for (size_t first = 0; first < std::size(kRules); ++first) {
    drv::XfrmState x = offloadable_state();
    drv::DeviceCaps caps = drv::DeviceCaps::full();
    // Rules that replace the same field (2/9/10/11 the AEAD, 5/15 the addresses) cannot all
    // be broken together; apply the later ones first so the earlier ones win.
    for (size_t i = std::size(kRules); i-- > first;) kRules[i].break_it(x, caps);
    CAPTURE(kRules[first].number);
    CHECK(drv::validate_state(x, caps).message() == kRules[first].message);
  }
}

TEST_CASE("ESN and IPv6 pass on a device that offers them") {
  StateSpec spec;
  spec.family = Family::kIpv6;
  spec.esn = true;
  drv::DeviceCaps caps = drv::DeviceCaps::full();
  CHECK(drv::validate_state(offloadable_state(spec), caps).ok());
  caps.esn = false;
  CHECK(drv::validate_state(offloadable_state(spec), caps).code() == -EINVAL);
}

TEST_CASE("the FPGA layer refuses hardware anti-replay with -EOPNOTSUPP") {
  const drv::XfrmState x = offloadable_state();
  const drv::DeviceCaps caps = drv::DeviceCaps::full();
  drv::AccelAttrs attrs = drv::build_accel_attrs(x, {}, 0, ipsec::tb::kTestSeqIv);
  CHECK(attrs.replay_type == drv::ReplayType::kNone);  // the driver never asks for it
  CHECK(drv::validate_accel_attrs(attrs, caps).ok());
  attrs.replay_type = drv::ReplayType::kBitmap;
  attrs.replay_window = 64;
  const drv::Status s = drv::validate_accel_attrs(attrs, caps);
  CHECK(s.code() == -EOPNOTSUPP);
  CHECK(s.message() == "Cannot offload xfrm states with anti replay");
}

TEST_CASE("the FPGA layer refuses ESN without V2 commands with -EOPNOTSUPP") {
  StateSpec spec;
  spec.esn = true;
  drv::DeviceCaps caps = drv::DeviceCaps::full();
  caps.v2_command = false;
  const drv::XfrmState x = offloadable_state(spec);
  CHECK(drv::validate_state(x, caps).ok());  // the esn capability alone satisfies rule 4
  const drv::EsnUpdate esn = drv::update_esn_state({}, true, x.replay, x.replay_window);
  const drv::AccelAttrs attrs = drv::build_accel_attrs(x, esn.state, 0, ipsec::tb::kTestSeqIv);
  const drv::Status s = drv::validate_accel_attrs(attrs, caps);
  CHECK(s.code() == -EOPNOTSUPP);
  CHECK(s.message().find("ESN") != std::string::npos);
}

TEST_CASE("attaching an algorithm records its SADB id and IV generator as the kernel does") {
  drv::XfrmState x;
  CHECK(x.attach_aead({drv::kAeadRfc4106Gcm, ipsec::tb::test_key_material(32), 128}).ok());
  CHECK(x.props.ealgo == drv::sadb::kEalgAesGcmIcv16);
  CHECK(x.geniv == "seqiv");
  CHECK(x.attach_aead({drv::kAeadRfc4106Gcm, ipsec::tb::test_key_material(16), 96}).ok());
  CHECK(x.props.ealgo == drv::sadb::kEalgAesGcmIcv12);
  drv::XfrmState y;
  CHECK(y.attach_enc({"cbc(aes)", drv::Bytes(16)}).ok());
  CHECK(y.geniv == "echainiv");
  CHECK(y.attach_aead({"gcm(aes)", drv::Bytes(20), 128}).code() == -ENOSYS);
  CHECK(y.attach_comp({"zstd"}).code() == -ENOSYS);
}

TEST_CASE("a state's family is its addresses' family when both agree") {
  drv::XfrmState x = offloadable_state();
  CHECK(x.family() == drv::AddressFamily::kInet);
  x.daddr = *drv::IpAddress::parse("2001:db8::2");
  CHECK(x.family() == drv::AddressFamily::kUnspec);
  CHECK(drv::validate_state(x, drv::DeviceCaps::full()).message() ==
        "Only IPv4/6 xfrm states may be offloaded");
  x.saddr = *drv::IpAddress::parse("2001:db8::1");
  CHECK(x.family() == drv::AddressFamily::kInet6);
  CHECK(x.saddr.to_string() == "2001:db8::1");
  CHECK(drv::IpAddress::parse("10.1.2.3")->to_string() == "10.1.2.3");
  CHECK(*drv::IpAddress::parse("10.1.2.3") == drv::IpAddress::v4(0x0a010203));
  CHECK_FALSE(drv::IpAddress::parse("10.1.2").has_value());
}
