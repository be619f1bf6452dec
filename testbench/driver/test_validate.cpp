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

// ---- packet offload (docs/packet_offload.md, P1 and P2) ------------------------------------

namespace {

drv::XfrmState packet_state(drv::OffloadDirection dir, uint32_t window) {
  StateSpec spec;
  spec.dir = dir;
  spec.replay_window = window;
  drv::XfrmState x = offloadable_state(spec);
  x.offload->type = drv::OffloadType::kPacket;
  x.reqid = 7;
  return x;
}

}  // namespace

TEST_CASE("packet offload on a device without the capability: EINVAL, mlx5's message") {
  const drv::XfrmState x = packet_state(drv::OffloadDirection::kOut, 0);
  const drv::Status s = drv::validate_packet_state(x, drv::DeviceCaps::full());
  CHECK(s.code() == -EINVAL);
  CHECK(s.message() == "Packet offload is not supported");
  CHECK(drv::validate_packet_state(x, drv::DeviceCaps::with_packet_offload()).ok());
}

TEST_CASE("an RX window must be a multiple of 32 bits within CAP_PKT's, and a TX window is not checked") {
  const drv::DeviceCaps caps = drv::DeviceCaps::with_packet_offload(1024);
  for (uint32_t w : {0u, 32u, 64u, 96u, 1024u}) {
    CAPTURE(w);
    CHECK(drv::validate_packet_state(packet_state(drv::OffloadDirection::kIn, w), caps).ok());
  }
  for (uint32_t w : {1u, 31u, 48u, 1056u, 4096u}) {
    CAPTURE(w);
    const drv::Status s =
        drv::validate_packet_state(packet_state(drv::OffloadDirection::kIn, w), caps);
    CHECK(s.code() == -EINVAL);
    CHECK(s.message() == "Unsupported replay window size");
    CHECK(drv::validate_packet_state(packet_state(drv::OffloadDirection::kOut, w), caps).ok());
  }
  // A device that keeps 256 bits refuses 288.
  CHECK_FALSE(drv::validate_packet_state(packet_state(drv::OffloadDirection::kIn, 288),
                                         drv::DeviceCaps::with_packet_offload(256))
                  .ok());
}

TEST_CASE("packet offload needs a reqid and soft limits below hard ones, none of them 0") {
  const drv::DeviceCaps caps = drv::DeviceCaps::with_packet_offload();
  struct Case {
    std::function<void(drv::XfrmState&)> change;
    std::string message;
  };
  const Case cases[] = {
      {[](drv::XfrmState& x) { x.reqid = 0; }, "Cannot offload without reqid"},
      {[](drv::XfrmState& x) { x.lft.soft_byte_limit = x.lft.hard_byte_limit = 100; },
       "Hard byte limit must be greater than soft one"},
      {[](drv::XfrmState& x) { x.lft.soft_byte_limit = 0; }, "Soft/hard byte limits can't be 0"},
      {[](drv::XfrmState& x) {
         x.lft.soft_packet_limit = 10;
         x.lft.hard_packet_limit = 5;
       },
       "Hard packet limit must be greater than soft one"},
      {[](drv::XfrmState& x) { x.lft.soft_packet_limit = 0; },
       "Soft/hard packet limits can't be 0"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    drv::XfrmState x = packet_state(drv::OffloadDirection::kIn, 64);
    c.change(x);
    const drv::Status s = drv::validate_packet_state(x, caps);
    CHECK(s.code() == -EINVAL);
    CHECK(s.message() == c.message);
  }
  drv::XfrmState ok = packet_state(drv::OffloadDirection::kIn, 64);
  ok.lft.soft_byte_limit = 1000;
  ok.lft.hard_byte_limit = 2000;
  ok.lft.soft_packet_limit = 10;  // a soft limit under an infinite hard one is fine
  CHECK(drv::validate_packet_state(ok, caps).ok());
}

TEST_CASE("an offloaded policy: mlx5's checks in order, then the capability") {
  drv::PolicyOffloadView p;
  p.templates = 1;
  p.reqid = 1;
  CHECK(drv::validate_packet_policy(p, drv::DeviceCaps::with_packet_offload()).ok());
  CHECK(drv::validate_packet_policy(p, drv::DeviceCaps::full()).message() ==
        "Packet offload is not supported");
  struct Case {
    std::function<void(drv::PolicyOffloadView&)> change;
    std::string message;
  };
  const Case cases[] = {
      {[](drv::PolicyOffloadView& v) { v.templates = 2; }, "Cannot offload more than one template"},
      {[](drv::PolicyOffloadView& v) { v.forward = true; }, "Cannot offload forward policy"},
      {[](drv::PolicyOffloadView& v) { v.reqid = 0; },
       "Unsupported policy with reqid 0 without at least one of upper protocol or ip addr(s) "
       "different than 0"},
      {[](drv::PolicyOffloadView& v) { v.selector_proto = 1; },
       "Device does not support upper protocol other than TCP/UDP"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    drv::PolicyOffloadView v = p;
    c.change(v);
    const drv::Status s = drv::validate_packet_policy(v, drv::DeviceCaps::with_packet_offload());
    CHECK(s.code() == -EINVAL);
    CHECK(s.message() == c.message);
  }
  // reqid 0 is fine when the selector names a protocol or an address.
  p.reqid = 0;
  p.selector_proto = 6;
  CHECK(drv::validate_packet_policy(p, drv::DeviceCaps::with_packet_offload()).ok());
}

TEST_CASE("capability flags bit 16 is packet offload, and the window comes from CAP_PKT at probe") {
  std::array<uint8_t, drv::kCapBytes> raw{};
  raw[drv::cap::kFlagsWord + 1] = 0x01;  // bit 16 of the big-endian word
  CHECK(drv::DeviceCaps::parse(raw).pkt_offload);
  CHECK(drv::DeviceCaps::parse(raw).pkt_max_replay_window == 0);  // read by probe, not here
  raw[drv::cap::kFlagsWord + 1] = 0;
  CHECK_FALSE(drv::DeviceCaps::parse(raw).pkt_offload);
}
