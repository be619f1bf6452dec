// The contract's 15 offload rules (section 8), one state per rule failing that rule and no
// earlier one: shared by the driver's own tests and the tests of the driver over the RTL.
#pragma once

#include <doctest/doctest.h>

#include <functional>

#include "driver_fixture.h"
#include "validate.h"

namespace ipsec::tb {

namespace drv = ipsec::driver;

struct Rule {
  int number;
  const char* what;
  std::function<void(drv::XfrmState&, drv::DeviceCaps&)> break_it;
  const char* message;
};

// One state per rule of the contract's table, failing that rule and no earlier one.
inline const Rule kRules[] = {
    {1, "separate auth algorithm",
     [](drv::XfrmState& x, drv::DeviceCaps&) {
       REQUIRE(x.attach_auth({"hmac(sha256)", drv::Bytes(32, 1), 128}).ok());
     },
     "Cannot offload authenticated xfrm states"},
    {2, "AES-GCM with an 8-byte ICV",
     [](drv::XfrmState& x, drv::DeviceCaps&) {
       REQUIRE(x.attach_aead({drv::kAeadRfc4106Gcm, test_key_material(16), 64}).ok());
     },
     "Only AES-GCM-ICV16 xfrm state may be offloaded"},
    {3, "compression",
     [](drv::XfrmState& x, drv::DeviceCaps&) { REQUIRE(x.attach_comp({"deflate"}).ok()); },
     "Cannot offload compressed xfrm states"},
    {4, "ESN on a device without the esn capability",
     [](drv::XfrmState& x, drv::DeviceCaps& caps) {
       x.flag_esn = true;
       caps.esn = false;
     },
     "Cannot offload ESN xfrm states"},
    {5, "a destination address of no family",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.daddr = drv::IpAddress(); },
     "Only IPv4/6 xfrm states may be offloaded"},
    {6, "BEET mode",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.mode = drv::XfrmMode::kBeet; },
     "Only transport and tunnel xfrm states may be offloaded"},
    {7, "AH",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.proto = drv::XfrmProto::kAh; },
     "Only ESP xfrm state may be offloaded"},
    {8, "NAT-T encapsulation",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.encap = drv::XfrmEncap{}; },
     "Encapsulated xfrm state may not be offloaded"},
    // AES-GCM-ICV16 given as a plain cipher id without an AEAD, as PF_KEY can.
    {9, "no AEAD",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.aead.reset(); },
     "Cannot offload xfrm states without aead"},
    // Defensive in the kernel: the id says ICV16 but the AEAD carries another length.
    {10, "a 96-bit ICV behind an ICV16 id",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.aead->icv_bits = 96; },
     "Cannot offload xfrm states with AEAD ICV length other than 128bit"},
    {11, "an AES-192 key",
     [](drv::XfrmState& x, drv::DeviceCaps&) {
       x.aead->key = test_key_material(24);
     },
     "Cannot offload xfrm states with AEAD key length other than 128/256 bit"},
    {12, "TFC padding",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.tfcpad = 16; },
     "Cannot offload xfrm states with tfc padding"},
    {13, "no IV generator",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.geniv.clear(); },
     "Cannot offload xfrm states without geniv"},
    {14, "echainiv",
     [](drv::XfrmState& x, drv::DeviceCaps&) { x.geniv = "echainiv"; },
     "Cannot offload xfrm states with geniv other than seqiv"},
    {15, "IPv6 on a device without the ipv6 capability",
     [](drv::XfrmState& x, drv::DeviceCaps& caps) {
       x.saddr = test_address(Family::kIpv6, 0, 1);
       x.daddr = test_address(Family::kIpv6, 1, 1);
       caps.ipv6 = false;
     },
     "IPv6 xfrm state offload is not supported by this device"},
};

}  // namespace ipsec::tb
