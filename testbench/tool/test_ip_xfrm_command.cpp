// `ip xfrm ...` parsed as iproute2 parses it: every command and option the scenario
// language has, and iproute2's refusals.
#include <doctest/doctest.h>

#include <cerrno>
#include <sstream>

#include "ip_xfrm_command.h"
#include "tool_fixture.h"

namespace drv = ipsec::driver;
namespace xf = ipsec::xfrm;
using ipsec::tool::IpUsageError;
using ipsec::tool::IpXfrmCommand;
using ipsec::tool::parse_ip_command;
using namespace ipsec::tool;

namespace {

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> w;
  std::istringstream in(line);
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

IpXfrmCommand parse(const std::string& line) { return parse_ip_command(words(line), "eth0"); }

std::string error_of(const std::string& line) {
  try {
    parse(line);
  } catch (const IpUsageError& e) {
    return e.what();
  }
  return "";
}

const std::string kAead = "aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128";

drv::XfrmState state_of(const std::string& line) {
  const IpXfrmCommand c = parse(line);
  REQUIRE(std::holds_alternative<StateAdd>(c.action));
  return std::get<StateAdd>(c.action).state;
}

}  // namespace

TEST_CASE("state add takes the contract's command with every option") {
  const drv::XfrmState x = state_of(
      "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 reqid 7 mode tunnel " +
      kAead +
      " replay-window 64 flag esn replay-seq 5 replay-oseq 6 replay-seq-hi 7 replay-oseq-hi 8 "
      "sel src 10.1.0.0/16 dst 10.2.0.0/24 proto tcp sport 80 dport 443 "
      "offload dev eth0 dir in");
  CHECK(x.saddr == ipsec::tb::tool::addr("10.0.0.1"));
  CHECK(x.daddr == ipsec::tb::tool::addr("10.0.0.2"));
  CHECK(x.proto == drv::XfrmProto::kEsp);
  CHECK(x.spi == 0x1000);
  CHECK(x.reqid == 7);
  CHECK(x.mode == drv::XfrmMode::kTunnel);
  REQUIRE(x.aead);
  CHECK(x.aead->name == "rfc4106(gcm(aes))");
  CHECK(x.aead->key.size() == 20);
  CHECK(x.aead->key.front() == 0x01);
  CHECK(x.aead->icv_bits == 128);
  CHECK(x.props.ealgo == drv::sadb::kEalgAesGcmIcv16);
  CHECK(x.geniv == "seqiv");
  CHECK(x.replay_window == 64);
  CHECK(x.flag_esn);
  CHECK(x.replay.seq == 5);
  CHECK(x.replay.oseq == 6);
  CHECK(x.replay.seq_hi == 7);
  CHECK(x.replay.oseq_hi == 8);
  CHECK(x.selector.saddr == ipsec::tb::tool::addr("10.1.0.0"));
  CHECK(x.selector.prefixlen_s == 16);
  CHECK(x.selector.prefixlen_d == 24);
  CHECK(x.selector.proto == 6);
  CHECK(x.selector.sport == 80);
  CHECK(x.selector.sport_mask == 0xFFFF);
  CHECK(x.selector.dport == 443);
  REQUIRE(x.offload);
  CHECK(x.offload->dev == "eth0");
  CHECK(x.offload->dir == drv::OffloadDirection::kIn);
}

TEST_CASE("state add defaults to transport mode, reqid 0, no offload and no window") {
  const drv::XfrmState x =
      state_of("ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 5 " + kAead);
  CHECK(x.mode == drv::XfrmMode::kTransport);
  CHECK(x.reqid == 0);
  CHECK(x.replay_window == 0);
  CHECK_FALSE(x.flag_esn);
  CHECK_FALSE(x.offload);
  CHECK(x.selector.prefixlen_s == 0);
}

TEST_CASE("state add takes options in any order and numbers in decimal, hex and octal") {
  const drv::XfrmState x = state_of("ip xfrm state add reqid 010 " + kAead +
                                    " mode tun spi 4096 proto esp dst ::2 src ::1 "
                                    "offload crypto dev eth0 dir out");
  CHECK(x.reqid == 8);
  CHECK(x.spi == 4096);
  CHECK(x.mode == drv::XfrmMode::kTunnel);
  CHECK(x.family() == drv::AddressFamily::kInet6);
  REQUIRE(x.offload);
  CHECK(x.offload->dir == drv::OffloadDirection::kOut);
}

TEST_CASE("keys are 0x hex with odd lengths padded in front, or literal text") {
  const drv::XfrmState odd = state_of(
      "ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 aead rfc4106(gcm(aes)) 0x123 128");
  CHECK(odd.aead->key == drv::Bytes{0x01, 0x23});
  const drv::XfrmState text = state_of(
      "ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 aead rfc4106(gcm(aes)) abcd 128");
  CHECK(text.aead->key == drv::Bytes{'a', 'b', 'c', 'd'});
  CHECK(error_of("ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 aead x 0xZZ 128") ==
        "Error: argument \"0xZZ\" is wrong: ALGO-KEYMAT value is invalid");
}

TEST_CASE("enc, auth, auth-trunc and encap and tfcpad reach the state for the driver to judge") {
  const drv::XfrmState x = state_of(
      "ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 enc cbc(aes) "
      "0x00112233445566778899aabbccddeeff "
      "auth hmac(sha256) 0x00 encap espinudp 4500 4500 0.0.0.0 tfcpad 16");
  REQUIRE(x.enc);
  REQUIRE(x.auth);
  CHECK(x.auth->trunc_bits == 96);
  CHECK(x.props.aalgo == drv::sadb::kAalgSha256Hmac);
  REQUIRE(x.encap);
  CHECK(x.encap->dport == 4500);
  CHECK(x.tfcpad == 16);
  const drv::XfrmState t = state_of(
      "ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 enc cbc(aes) 0x00 auth-trunc "
      "hmac(sha1) 0x00 80");
  CHECK(t.auth->trunc_bits == 80);
}

TEST_CASE("an algorithm the kernel does not know is the kernel's ENOSYS, not a usage error") {
  const IpXfrmCommand c = parse(
      "ip xfrm state add src 1.1.1.1 dst 2.2.2.2 proto esp spi 1 aead rfc4106(gcm(aes)) 0x00 100");
  const StateAdd& add = std::get<StateAdd>(c.action);
  CHECK(add.kernel_error.code() == -ENOSYS);
}

TEST_CASE("state add refusals have iproute2's words") {
  const std::string id = "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 ";
  CHECK(error_of(id + kAead + " flag esn") == "Error: esn flag set without replay-window.");
  CHECK(error_of("ip xfrm state add " + kAead) == "Not enough information: ID is required");
  CHECK(error_of(id) ==
        "ALGO-TYPE value \"enc\" or \"aead\" is required with XFRM-PROTO value \"esp\"");
  CHECK(error_of(id + kAead + " bogus") == "Error: argument \"bogus\" is wrong: unknown");
  CHECK(error_of(id + kAead + " mode sideways") ==
        "Error: argument \"sideways\" is wrong: MODE value is invalid");
  CHECK(error_of(id + kAead + " reqid x") ==
        "Error: argument \"x\" is wrong: REQID value is invalid");
  CHECK(error_of(id + kAead + " replay-window -1") ==
        "Error: argument \"-1\" is wrong: value after \"replay-window\" is invalid");
  CHECK(error_of(id + kAead + " replay-seq 0x100000000") ==
        "Error: argument \"0x100000000\" is wrong: value after \"replay-seq\" is invalid");
  CHECK(error_of(id + kAead + " offload dev eth1 dir out") ==
        "Error: argument \"eth1\" is wrong: Invalid device name");
  CHECK(error_of(id + kAead + " offload dev eth0 dir sideways") ==
        "Error: argument \"sideways\" is wrong: DIR value is invalid");
  CHECK(error_of(id + kAead + " offload eth0") ==
        "Error: argument \"eth0\" is wrong: Missing dev keyword");
  CHECK(error_of(id + kAead + " offload dev eth0 out") ==
        "Error: argument \"out\" is wrong: Missing DIR keyword");
  CHECK(error_of(id + kAead + " offload dev eth0 dir") ==
        "Command line is not complete. Try option \"help\"");
  CHECK(error_of(id + kAead + " " + kAead) ==
        "Error: duplicate \"ALGO-TYPE\": \"aead\" is the second value.");
  CHECK(error_of(id + "aead rfc4106(gcm(aes)) 0x00") ==
        "Error: argument \"ALGO-ICV-LEN\" is required");
  CHECK(error_of("ip xfrm state add src 10.0.0.1 dst ::1 proto esp spi 1 " + kAead)
            .find("the same address family is required") != std::string::npos);
  CHECK(error_of("ip xfrm state add src 10.0.0.300 dst 10.0.0.1 proto esp spi 1 " + kAead) ==
        "Error: argument \"10.0.0.300\" is wrong: value after \"src\" has an unrecognized address "
        "family");
  CHECK(error_of("ip xfrm state add src 10.0.0.1 dst 10.0.0.2 spi 1 " + kAead) ==
        "Error: argument \"XFRM-PROTO\" is required");
  CHECK(error_of(id + kAead + " sel src 10.0.0.0/24 dst 10.0.1.0/24 proto icmp sport 4") ==
        "\"sport\" and \"dport\" are invalid with PROTO value \"icmp\"");
}

TEST_CASE("what the simulator leaves out is refused saying so") {
  const std::string id = "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 " + kAead;
  CHECK(error_of(id + " mark 5") == "option \"mark\" is not supported by this simulator");
  CHECK(error_of(id + " flag noecn") ==
        "flag \"noecn\" (this stack knows esn) is not supported by this simulator");
  CHECK(error_of(id + " mode beet").find("is not supported") != std::string::npos);
  CHECK(error_of("ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth hmac(sha1) 0x00")
            .find("XFRM-PROTO \"ah\"") != std::string::npos);
  CHECK(error_of("ip xfrm state get src 1.1.1.1").find("not supported") != std::string::npos);
  CHECK(error_of("ip link show") ==
        "Object \"link\" is unknown or not simulated, try \"ip xfrm\".");
  CHECK(error_of("ip -d xfrm state") == "Option \"-d\" is unknown, try \"ip -help\".");
  CHECK(error_of("ip xfrm state frob") ==
        "Command \"frob\" is unknown, try \"ip xfrm state help\".");
}

TEST_CASE("offload crypto and packet set the offload type, offload dev alone is crypto") {
  const std::string add = "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 " + kAead;
  for (const char* type : {"", "crypto ", "packet "}) {
    CAPTURE(type);
    const IpXfrmCommand c = parse(add + " offload " + type + "dev eth0 dir in");
    const StateAdd& a = std::get<StateAdd>(c.action);
    CHECK(a.kernel_error.ok());  // the driver decides (docs/packet_offload.md, P1)
    REQUIRE(a.state.offload);
    CHECK(a.state.offload->dir == drv::OffloadDirection::kIn);
    CHECK(a.state.packet_offload() == (std::string(type) == "packet "));
  }
  CHECK(error_of(add + " offload packet eth0 dir in") ==
        "Error: argument \"eth0\" is wrong: Missing dev keyword");
}

TEST_CASE("limit keeps byte and packet limits, refuses time limits and unknown kinds") {
  const std::string add = "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 " + kAead;
  const drv::XfrmState x =
      std::get<StateAdd>(parse(add + " limit byte-soft 1000 limit byte-hard 0x800 limit "
                                     "packet-soft 10 limit packet-hard 20")
                             .action)
          .state;
  CHECK(x.lft.soft_byte_limit == 1000);
  CHECK(x.lft.hard_byte_limit == 0x800);
  CHECK(x.lft.soft_packet_limit == 10);
  CHECK(x.lft.hard_packet_limit == 20);
  const drv::XfrmState none = std::get<StateAdd>(parse(add).action).state;
  CHECK(none.lft.hard_byte_limit == drv::kXfrmInf);
  CHECK(none.lft.soft_packet_limit == drv::kXfrmInf);
  CHECK(error_of(add + " limit packets-soft 3") ==
        "Error: argument \"packets-soft\" is wrong: LIMIT value is invalid");
  CHECK(error_of(add + " limit byte-hard lots") ==
        "Error: argument \"lots\" is wrong: value after \"byte-hard\" is invalid");
  CHECK(error_of(add + " limit time-soft 60").find("time limits") != std::string::npos);
}

TEST_CASE("a policy takes offload packet dev DEV and nothing else after offload") {
  const std::string add = "ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out "
                          "tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode transport";
  const xf::XfrmPolicy p =
      std::get<PolicyAdd>(parse(add + " offload packet dev eth0").action).policy;
  CHECK(p.offload_dev == "eth0");
  CHECK(std::get<PolicyAdd>(parse(add).action).policy.offload_dev.empty());
  CHECK(error_of(add + " offload crypto dev eth0") ==
        "Error: argument \"crypto\" is wrong: Invalid offload mode");
  CHECK(error_of(add + " offload packet eth0") ==
        "Error: argument \"eth0\" is wrong: Missing dev keyword");
  CHECK(error_of(add + " offload packet dev eth1") ==
        "Error: argument \"eth1\" is wrong: Invalid device name");
}

TEST_CASE("ip xfrm monitor expire is kept, other monitors are refused as not simulated") {
  CHECK(std::holds_alternative<MonitorExpire>(parse("ip xfrm monitor expire").action));
  CHECK(std::holds_alternative<MonitorExpire>(parse("ip x m expire").action));
  CHECK(error_of("ip xfrm monitor").find("ip xfrm monitor expire") != std::string::npos);
  CHECK(error_of("ip xfrm monitor all").find("ip xfrm monitor expire") != std::string::npos);
}

TEST_CASE("state delete, flush and list with iproute2's prefixes and -s") {
  const IpXfrmCommand del =
      parse("ip xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10");
  const auto& d = std::get<StateDelete>(del.action);
  CHECK(d.daddr == ipsec::tb::tool::addr("10.0.0.2"));
  CHECK(d.spi == 0x10);
  CHECK(std::holds_alternative<StateDelete>(parse("ip x s d dst 10.0.0.2 proto esp spi 1").action));
  CHECK(std::holds_alternative<StateFlush>(parse("ip xfrm state flush").action));
  CHECK(std::holds_alternative<StateFlush>(parse("ip xfrm sa f proto esp").action));
  CHECK(std::holds_alternative<StateList>(parse("ip xfrm state").action));
  CHECK(std::holds_alternative<StateList>(parse("ip xfrm state list").action));
  CHECK(std::holds_alternative<StateList>(parse("ip xfrm state show").action));
  const IpXfrmCommand s = parse("ip -s xfrm state list");
  CHECK(s.show_stats == 1);
  CHECK(parse("ip -s -s xfrm state").show_stats == 2);
  CHECK(parse("ip -stats xfrm state").show_stats == 1);
  CHECK(parse("ip --statistics xfrm state").show_stats == 1);
  CHECK(error_of("ip xfrm state delete src 10.0.0.1 proto esp spi 1") ==
        "Error: argument \"dst\" is required");
  CHECK(error_of("ip xfrm state delete dst 10.0.0.1 proto esp") ==
        "Error: argument \"spi\" is required");
  CHECK(error_of("ip xfrm state list dst 1.1.1.1").find("not supported") != std::string::npos);
}

TEST_CASE("policy add takes a selector, a direction and one template") {
  const IpXfrmCommand c = parse(
      "ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 proto udp dir out priority 5 "
      "tmpl src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x3000 reqid 4 mode tunnel level use");
  const xf::XfrmPolicy& p = std::get<PolicyAdd>(c.action).policy;
  CHECK(p.dir == xf::PolicyDir::kOut);
  CHECK(p.priority == 5);
  CHECK(p.sel.prefixlen_s == 16);
  CHECK(p.sel.proto == 17);
  REQUIRE(p.tmpls.size() == 1);
  CHECK(p.tmpls[0].daddr == ipsec::tb::tool::addr("198.51.100.2"));
  CHECK(p.tmpls[0].spi == 0x3000);
  CHECK(p.tmpls[0].reqid == 4);
  CHECK(p.tmpls[0].mode == drv::XfrmMode::kTunnel);
  CHECK(p.tmpls[0].optional);
  const IpXfrmCommand pol = parse("ip xfrm pol add dir in src 1.1.1.1 dst 2.2.2.2 tmpl proto esp");
  CHECK(std::get<PolicyAdd>(pol.action).policy.dir == xf::PolicyDir::kIn);
  CHECK(std::get<PolicyAdd>(parse("ip x p a src ::/0 dst ::/0 dir fwd action block").action)
            .policy.action == xf::PolicyAction::kBlock);
}

TEST_CASE("policy delete, flush and list") {
  const IpXfrmCommand d = parse("ip xfrm policy delete src 10.1.0.0/16 dst 10.2.0.0/16 dir in");
  CHECK(std::get<PolicyDelete>(d.action).dir == xf::PolicyDir::kIn);
  CHECK(std::holds_alternative<PolicyFlush>(parse("ip xfrm pol flush").action));
  CHECK(std::holds_alternative<PolicyList>(parse("ip xfrm policy").action));
  CHECK(std::holds_alternative<PolicyList>(parse("ip xfrm policy list").action));
}

TEST_CASE("policy refusals have iproute2's words") {
  CHECK(error_of("ip xfrm policy add src 1.1.1.1 dst 2.2.2.2") ==
        "Not enough information: DIR is required");
  CHECK(error_of("ip xfrm policy add dir out") == "Not enough information: SELECTOR is required");
  CHECK(error_of("ip xfrm policy add src 1.1.1.1 dst 2.2.2.2 dir up") ==
        "Error: argument \"up\" is wrong: DIR value is invalid");
  CHECK(error_of("ip xfrm policy add src 1.1.1.1 dst 2.2.2.2 dir out tmpl mode tunnel") ==
        "Error: argument \"TMPL\" is required");
  CHECK(error_of("ip xfrm policy add src 1.1.1.1 dst 2.2.2.2 dir out tmpl src 1.1.1.1 dst 2.2.2.2 "
                 "proto esp "
                 "tmpl src 1.1.1.1 dst 2.2.2.2 proto esp")
            .find("more than one template") != std::string::npos);
  CHECK(error_of("ip xfrm policy delete src 1.1.1.1 dst 2.2.2.2") ==
        "Not enough information: DIR is required");
  CHECK(error_of("ip xfrm policy add src 1.1.1.1 dst 2.2.2.2 dir out tmpl src 1.1.1.1 dst 2.2.2.2 "
                 "proto esp level maybe") ==
        "Error: argument \"maybe\" is wrong: LEVEL value is invalid\n");
}

TEST_CASE("numbers are whole C numbers and nothing else") {
  uint32_t v = 0;
  CHECK(parse_u32("0x10", v));
  CHECK(v == 16);
  CHECK(parse_u32("010", v));
  CHECK(v == 8);
  CHECK(parse_u32("4294967295", v));
  CHECK_FALSE(parse_u32("4294967296", v));
  CHECK_FALSE(parse_u32("-1", v));
  CHECK_FALSE(parse_u32("12x", v));
  CHECK_FALSE(parse_u32("", v));
  CHECK(protocol_name(58) == "ipv6-icmp");
  CHECK(protocol_name(200) == "200");
}
