// The SA command image, byte for byte against the contract's section 3 table. The expected
// images are written here with the table's offsets as literals, independently of the
// driver's constants.
#include <doctest/doctest.h>

#include <cstring>

#include "bytes.h"
#include "driver_fixture.h"
#include "sa_image.h"

namespace drv = ipsec::driver;
using ipsec::tb::Family;
using ipsec::tb::StateSpec;

namespace {

using Image = std::vector<uint8_t>;

void put32(Image& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// What the contract's table says the 148 bytes of a command are.
struct Expected {
  uint32_t opcode = 2;
  std::vector<uint8_t> key;  // 16 or 32 bytes
  std::vector<uint8_t> sip;  // 4 or 16 bytes
  std::vector<uint8_t> dip;
  std::array<uint8_t, 8> salt_iv = ipsec::tb::kTestSeqIv;
  uint32_t salt = 0xa0a1a2a3;
  uint32_t spi = 0;
  uint32_t handle = 0;
  uint8_t enc_mode = 1;
  uint8_t flags = 0;
  uint32_t esn = 0;

  Image bytes() const {
    Image b(148, 0);
    put32(b, 0x00, opcode);
    std::memcpy(&b[0x04], key.data(), key.size());
    if (key.size() == 16) std::memcpy(&b[0x14], key.data(), 16);  // written twice
    // 0x24..0x43 key_auth: zero.
    std::memcpy(&b[sip.size() == 4 ? 0x50 : 0x44], sip.data(), sip.size());
    std::memcpy(&b[dip.size() == 4 ? 0x60 : 0x54], dip.data(), dip.size());
    std::memcpy(&b[0x68], salt_iv.data(), 8);
    put32(b, 0x70, salt);
    put32(b, 0x74, spi);
    put32(b, 0x78, handle);
    // 0x7C tfclen: zero.
    b[0x7E] = enc_mode;
    b[0x81] = flags;
    // 0x84 udp ports, 0x88 reserved: zero.
    put32(b, 0x8C, esn);
    // 0x90 vid, 0x92 reserved: zero.
    return b;
  }
};

std::vector<uint8_t> key_of(size_t n) {
  std::vector<uint8_t> k;
  for (size_t i = 0; i < n; ++i) k.push_back(static_cast<uint8_t>(0x10 + i));
  return k;
}

std::vector<uint8_t> addr_of(Family f, uint8_t subnet, uint8_t host) {
  const drv::IpAddress a = ipsec::tb::test_address(f, subnet, host);
  return std::vector<uint8_t>(a.data(), a.data() + a.size());
}

Image image_of(const StateSpec& spec, uint32_t handle, drv::EsnState esn = {}) {
  const drv::XfrmState x = ipsec::tb::offloadable_state(spec);
  const drv::AccelAttrs attrs = drv::build_accel_attrs(x, esn, handle, ipsec::tb::kTestSeqIv);
  return drv::build_sa_image(attrs).command(drv::SaOpcode::kAddSaV2);
}

void check_same(const Image& got, const Image& want) {
  const std::string diff = ipsec::tb::first_difference(got, want);
  CHECK_MESSAGE(diff.empty(), diff);
}

}  // namespace

TEST_CASE("IPv4 TX AES-128: flags 0x78, the key written twice, IPv4 in the last word") {
  StateSpec spec;
  spec.spi = 0x11223344;
  Expected e;
  e.key = key_of(16);
  e.sip = addr_of(Family::kIpv4, 0, 1);
  e.dip = addr_of(Family::kIpv4, 1, 1);
  e.spi = 0x11223344;
  e.flags = 0x78;
  const Image got = image_of(spec, 0);
  check_same(got, e.bytes());
  // Spelled out for the reader: 10.0.0.1 at 0x50, 10.0.1.1 at 0x60, key at 0x04 and 0x14.
  CHECK(got[0x50] == 10);
  CHECK(got[0x53] == 1);
  CHECK(got[0x62] == 1);
  CHECK(got[0x04] == 0x10);
  CHECK(got[0x14] == 0x10);
  CHECK(got[0x23] == 0x1f);
}

TEST_CASE("IPv4 RX AES-128: flags 0x70 and the RX handle") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.spi = 0x2000;
  Expected e;
  e.key = key_of(16);
  e.sip = addr_of(Family::kIpv4, 0, 1);
  e.dip = addr_of(Family::kIpv4, 1, 1);
  e.spi = 0x2000;
  e.handle = 7;
  e.flags = 0x70;
  check_same(image_of(spec, 7), e.bytes());
}

TEST_CASE("IPv6 RX AES-256: flags 0x74, enc_mode 3, the whole key once") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.family = Family::kIpv6;
  spec.key_bytes = 32;
  spec.spi = 0xdeadbeef;
  Expected e;
  e.key = key_of(32);
  e.sip = addr_of(Family::kIpv6, 0, 1);
  e.dip = addr_of(Family::kIpv6, 1, 1);
  e.spi = 0xdeadbeef;
  e.handle = 1;
  e.enc_mode = 3;
  e.flags = 0x74;
  check_same(image_of(spec, 1), e.bytes());
}

TEST_CASE("IPv6 TX AES-128: flags 0x7C") {
  StateSpec spec;
  spec.family = Family::kIpv6;
  Expected e;
  e.key = key_of(16);
  e.sip = addr_of(Family::kIpv6, 0, 1);
  e.dip = addr_of(Family::kIpv6, 1, 1);
  e.spi = 0x1000;
  e.flags = 0x7C;
  check_same(image_of(spec, 0), e.bytes());
}

TEST_CASE("ESN: flags 0x79 TX, 0x7B with overlap, 0x73 RX with overlap, esn at 0x8C") {
  StateSpec spec;
  spec.esn = true;
  Expected e;
  e.key = key_of(16);
  e.sip = addr_of(Family::kIpv4, 0, 1);
  e.dip = addr_of(Family::kIpv4, 1, 1);
  e.spi = 0x1000;

  e.flags = 0x79;
  e.esn = 0;
  check_same(image_of(spec, 0, {true, false, 0}), e.bytes());

  e.flags = 0x7B;
  e.esn = 0x01020304;
  check_same(image_of(spec, 0, {true, true, 0x01020304}), e.bytes());

  spec.dir = drv::OffloadDirection::kIn;
  e.flags = 0x73;
  e.handle = 3;
  e.esn = 9;
  check_same(image_of(spec, 3, {true, true, 9}), e.bytes());
}

TEST_CASE("without ESN the esn field stays zero whatever the state's replay counters") {
  StateSpec spec;
  Image got = image_of(spec, 0, {false, true, 77});  // not triggered: overlap and esn ignored
  CHECK(got[0x81] == 0x78);
  CHECK(got[0x8C] == 0);
  CHECK(got[0x8F] == 0);
}

TEST_CASE("a V1 command is the first 132 bytes and DEL differs from ADD only in the opcode") {
  const drv::XfrmState x = ipsec::tb::tx_state();
  const drv::SaImage image =
      drv::build_sa_image(drv::build_accel_attrs(x, {}, 0, ipsec::tb::kTestSeqIv));
  const Image v2 = image.command(drv::SaOpcode::kAddSaV2);
  const Image v1 = image.command(drv::SaOpcode::kAddSa);
  const Image del = image.command(drv::SaOpcode::kDelSaV2);
  REQUIRE(v1.size() == 132);
  REQUIRE(v2.size() == 148);
  CHECK(v1[3] == 0);
  CHECK(v2[3] == 2);
  CHECK(del[3] == 3);
  CHECK(std::equal(v1.begin() + 4, v1.end(), v2.begin() + 4));
  CHECK(std::equal(del.begin() + 4, del.end(), v2.begin() + 4));
  CHECK(image.command(drv::SaOpcode::kModSaV2)[3] == 4);
  CHECK(image.command(drv::SaOpcode::kDelSa).size() == 132);
}

TEST_CASE("the decoder returns every field of the table") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.family = Family::kIpv6;
  spec.key_bytes = 32;
  spec.spi = 0xabcdef01;
  spec.esn = true;
  const Image cmd = image_of(spec, 0x1234, {true, true, 0x55});
  const drv::SaImageFields f = drv::decode_sa_image(cmd);
  CHECK(f.cmd == 2);
  CHECK(std::equal(f.key_enc.begin(), f.key_enc.end(), key_of(32).begin()));
  CHECK(f.key_auth == std::array<uint8_t, 32>{});
  CHECK(std::equal(f.sip.begin(), f.sip.end(), addr_of(Family::kIpv6, 0, 1).begin()));
  CHECK(std::equal(f.dip.begin(), f.dip.end(), addr_of(Family::kIpv6, 1, 1).begin()));
  CHECK(f.salt_iv == ipsec::tb::kTestSeqIv);
  CHECK(f.salt == 0xa0a1a2a3);
  CHECK(f.spi == 0xabcdef01);
  CHECK(f.sw_sa_handle == 0x1234);
  CHECK(f.tfclen == 0);
  CHECK(f.enc_mode == 3);
  CHECK(f.flags == 0x77);
  CHECK(f.udp_sp == 0);
  CHECK(f.udp_dp == 0);
  CHECK(f.esn == 0x55);
  CHECK(f.vid == 0);
  CHECK(f.reserved_64 == 0);
  CHECK(f.reserved_7f == 0);
  CHECK(f.reserved_82 == 0);
  CHECK(f.reserved_88 == 0);
  CHECK(f.reserved_92 == 0);
  CHECK(f.v2);
  CHECK(drv::describe(f) ==
        "ADD_SA_V2 spi 0xabcdef01 sip 2001:db8::1 dip 2001:db8:0:1::1 rx handle 4660 "
        "enc_mode 3 flags 0x77 esn 85");
  // A V1 command decodes with the V2 fields zero.
  const drv::SaImageFields v1 = drv::decode_sa_image(cmd.data(), 132);
  CHECK_FALSE(v1.v2);
  CHECK(v1.esn == 0);
  CHECK(v1.spi == 0xabcdef01);
}

TEST_CASE("the bytes crossing the bus are the image: ADD, then DEL with the stored image") {
  ipsec::tb::DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.key_bytes = 32;
  const auto id = f.device.add_state(ipsec::tb::offloadable_state(spec));
  REQUIRE(id.ok());
  Expected e;
  e.key = key_of(32);
  e.sip = addr_of(Family::kIpv4, 0, 1);
  e.dip = addr_of(Family::kIpv4, 1, 1);
  e.spi = 0x1000;
  e.handle = 1;
  e.enc_mode = 3;
  e.flags = 0x70;
  check_same(f.commands.back(), e.bytes());
  REQUIRE(f.device.delete_state(*id).ok());
  e.opcode = 3;
  check_same(f.commands.back(), e.bytes());
}
