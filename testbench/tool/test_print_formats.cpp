// What the tools print, byte for byte: `ip [-s] xfrm state`, `ip [-s] xfrm policy` as
// iproute2 6.2, `ethtool -S` as ethtool.
#include <doctest/doctest.h>

#include "print_formats.h"
#include "tool_fixture.h"

using namespace ipsec::tb::tool;
using ipsec::tool::format_ethtool_stats;
using ipsec::tool::format_policy;
using ipsec::tool::format_state;

namespace {

const std::string kKeyOutHex = "0x0102030405060708090a0b0c0d0e0f1011121314";

}  // namespace

TEST_CASE("a software state prints as iproute2 prints it") {
  SoftwareHost host;
  StateSpec s;
  s.reqid = 1;
  host.add(make_state(s));
  REQUIRE(host.stack.states().size() == 1);
  CHECK(format_state(*host.stack.states()[0], "eth0", 0) ==
        "src 192.0.2.1 dst 198.51.100.2\n"
        "\tproto esp spi 0x00001000 reqid 1 mode transport\n"
        "\treplay-window 0 \n"
        "\taead rfc4106(gcm(aes)) " +
            kKeyOutHex +
            " 128\n"
            "\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
            "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n");
}

TEST_CASE("ip -s xfrm state of an offloaded state shows offload, lifetimes and statistics") {
  ModelHost host;
  StateSpec s;
  s.reqid = 1;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  host.add(make_policy("192.0.2.1/32", "198.51.100.2/32", ipsec::xfrm::PolicyDir::kOut, smp::kHost,
                       smp::kPeer, false, 1));
  REQUIRE(host.to_wire({host_frame(17, 100), host_frame(17, 200)}).size() == 2);
  // Bytes: the UDP header and data ESP protected, 100 - 34 and 200 - 34.
  CHECK(format_state(*host.stack.states()[0], "eth0", 1) ==
        "src 192.0.2.1 dst 198.51.100.2\n"
        "\tproto esp spi 0x00001000(4096) reqid 1(0x00000001) mode transport\n"
        "\treplay-window 0 seq 0x00000000 flag  (0x00000000)\n"
        "\taead rfc4106(gcm(aes)) " +
            kKeyOutHex +
            " (160 bits) 128\n"
            "\tlastused 2023-11-14 22:13:20\n"
            "\tanti-replay context: seq 0x0, oseq 0x2, bitmap 0x00000000\n"
            "\tcrypto offload parameters: dev eth0 dir out mode crypto\n"
            "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0\n"
            "\tlifetime config:\n"
            "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n"
            "\t  limit: soft (INF)(packets), hard (INF)(packets)\n"
            "\t  expire add: soft 0(sec), hard 0(sec)\n"
            "\t  expire use: soft 0(sec), hard 0(sec)\n"
            "\tlifetime current:\n"
            "\t  232(bytes), 2(packets)\n"
            "\t  add 2023-11-14 22:13:20 use 2023-11-14 22:13:20\n"
            "\tstats:\n"
            "\t  replay-window 0 replay 0 failed 0\n");
}

TEST_CASE("an ESN state prints replay-window 0, flag esn and the ESN replay context") {
  SoftwareHost peer;
  StateSpec in;
  in.src = smp::kPeer;
  in.dst = smp::kHost;
  in.spi = smp::kSpiIn;
  in.key = smp::kKeyIn;
  in.esn = true;
  in.replay_window = 64;
  peer.add(make_state(in));
  peer.add(
      make_policy("0.0.0.0/0", "0.0.0.0/0", ipsec::xfrm::PolicyDir::kOut, smp::kPeer, smp::kHost));
  SoftwareHost host;
  host.add(make_state(in));
  for (uint16_t i = 0; i < 3; ++i) {
    for (const Bytes& f : peer.stack.transmit(host_frame(17, 80, false, i))) {
      REQUIRE(host.stack.receive(f).has_value());
    }
  }
  const std::string text = format_state(*host.stack.states()[0], "eth0", 0);
  CHECK(text ==
        "src 198.51.100.2 dst 192.0.2.1\n"
        "\tproto esp spi 0x00002000 reqid 0 mode transport\n"
        "\treplay-window 0 flag esn\n"
        "\taead rfc4106(gcm(aes)) 0x2122232425262728292a2b2c2d2e2f3031323334 128\n"
        "\tlastused 2023-11-14 22:13:20\n"
        "\tanti-replay esn context:\n"
        "\t seq-hi 0x0, seq 0x3, oseq-hi 0x0, oseq 0x0\n"
        "\t replay_window 64, bitmap-length 2\n"
        "\t 00000000 00000007 \n"
        "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n");
  CHECK(contains(format_state(*host.stack.states()[0], "eth0", 1),
                 "\treplay-window 0 seq 0x00000000 flag esn (0x10000000)\n"));
}

TEST_CASE("a window over 32 packets goes as the ESN replay state, eight words a line") {
  SoftwareHost host;
  StateSpec s;
  s.replay_window = 320;
  host.add(make_state(s));
  const std::string text = format_state(*host.stack.states()[0], "eth0", 0);
  CHECK(contains(text, "\treplay-window 0 \n"));
  CHECK(contains(text,
                 "\t replay_window 320, bitmap-length 10\n"
                 "\t 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 \n"
                 "\t 00000000 00000000 \n"));
}

TEST_CASE("a state's selector and an IPv6 tunnel state print with their family") {
  SoftwareHost host;
  StateSpec s;
  s.src = smp::kHost6;
  s.dst = smp::kPeer6;
  s.tunnel = true;
  s.replay_window = 32;
  drv::XfrmState x = make_state(s);
  x.selector = make_selector("10.1.0.0/16", "10.2.0.0/16", 6);
  x.selector.dport = 443;
  x.selector.dport_mask = 0xFFFF;
  host.add(x);
  const std::string text = format_state(*host.stack.states()[0], "eth0", 0);
  CHECK(contains(
      text, "src 2001:db8::1 dst 2001:db8::2\n\tproto esp spi 0x00001000 reqid 0 mode tunnel\n"));
  CHECK(contains(text, "\treplay-window 32 \n"));
  CHECK(contains(text, "\tsel src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp dport 443 \n"));
}

TEST_CASE("a policy prints its selector, direction, priority and template") {
  ipsec::xfrm::XfrmPolicy p =
      make_policy("10.1.0.0/16", "10.2.0.0/16", ipsec::xfrm::PolicyDir::kOut, "192.0.2.1",
                  "198.51.100.2", true, 4);
  p.sel.proto = 17;
  p.priority = 5;
  p.tmpls[0].spi = 0x3000;
  p.tmpls[0].optional = true;
  CHECK(format_policy(p, 0) ==
        "src 10.1.0.0/16 dst 10.2.0.0/16 proto udp \n"
        "\tdir out priority 5 ptype main \n"
        "\ttmpl src 192.0.2.1 dst 198.51.100.2\n"
        "\t\tproto esp spi 0x00003000 reqid 4 mode tunnel\n"
        "\t\tlevel use \n");
}

TEST_CASE("an offloaded policy prints its device and mode packet, without a direction") {
  ipsec::xfrm::XfrmPolicy p =
      make_policy("10.1.0.0/16", "10.2.0.0/16", ipsec::xfrm::PolicyDir::kIn, "192.0.2.1",
                  "198.51.100.2", false, 4);
  p.offload_dev = "eth0";
  CHECK(format_policy(p, 0) ==
        "src 10.1.0.0/16 dst 10.2.0.0/16 \n"
        "\tdir in priority 0 ptype main \n"
        "\ttmpl src 192.0.2.1 dst 198.51.100.2\n"
        "\t\tproto esp reqid 4 mode transport\n"
        "\tcrypto offload parameters: dev eth0 mode packet\n");
}

TEST_CASE("a transport template without addresses prints the selector family's zero address") {
  ipsec::xfrm::XfrmPolicy p =
      make_policy("192.0.2.1/32", "198.51.100.2/32", ipsec::xfrm::PolicyDir::kIn, "", "");
  p.index = 8;
  p.add_time = kTestTime;
  CHECK(format_policy(p, 0) ==
        "src 192.0.2.1/32 dst 198.51.100.2/32 \n"
        "\tdir in priority 0 ptype main \n"
        "\ttmpl src 0.0.0.0 dst 0.0.0.0\n"
        "\t\tproto esp reqid 0 mode transport\n");
  test_clock();  // UTC
  CHECK(format_policy(p, 1) ==
        "src 192.0.2.1/32 dst 198.51.100.2/32 uid 0\n"
        "\tdir in action allow index 8 priority 0 ptype main share any flag  (0x00000000)\n"
        "\tlifetime config:\n"
        "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n"
        "\t  limit: soft (INF)(packets), hard (INF)(packets)\n"
        "\t  expire add: soft 0(sec), hard 0(sec)\n"
        "\t  expire use: soft 0(sec), hard 0(sec)\n"
        "\tlifetime current:\n"
        "\t  0(bytes), 0(packets)\n"
        "\t  add 2023-11-14 22:13:20 use -\n"
        "\ttmpl src 0.0.0.0 dst 0.0.0.0\n"
        "\t\tproto esp spi 0x00000000(0) reqid 0(0x00000000) mode transport\n"
        "\t\tlevel required share any \n"
        "\t\tenc-mask ffffffff auth-mask ffffffff comp-mask ffffffff\n");
}

TEST_CASE("a blocking policy says so") {
  ipsec::xfrm::XfrmPolicy p;
  p.sel = make_selector("::/0", "::/0");
  p.dir = ipsec::xfrm::PolicyDir::kFwd;
  p.action = ipsec::xfrm::PolicyAction::kBlock;
  CHECK(format_policy(p, 0) ==
        "src ::/0 dst ::/0 \n\tdir fwd action block priority 0 ptype main \n");
}

TEST_CASE("ethtool -S prints NIC statistics then the 14 hardware and 8 software counters") {
  ModelHost host;
  host.engine.ctrl().set_counter(ipsec::model::CtrlCounter::kEncOutPackets, 0x100000001ull);
  host.device.sw_counters().tx_drop_trailer = 3;
  const auto stats = host.device.ethtool_stats();
  REQUIRE(stats.ok());
  CHECK(format_ethtool_stats(*stats) ==
        "NIC statistics:\n"
        "     ipsec_dec_in_packets: 0\n"
        "     ipsec_dec_out_packets: 0\n"
        "     ipsec_dec_bypass_packets: 0\n"
        "     ipsec_enc_in_packets: 0\n"
        "     ipsec_enc_out_packets: 4294967297\n"
        "     ipsec_enc_bypass_packets: 0\n"
        "     ipsec_dec_drop_packets: 0\n"
        "     ipsec_dec_auth_fail_packets: 0\n"
        "     ipsec_enc_drop_packets: 0\n"
        "     ipsec_add_sa_success: 0\n"
        "     ipsec_add_sa_fail: 0\n"
        "     ipsec_del_sa_success: 0\n"
        "     ipsec_del_sa_fail: 0\n"
        "     ipsec_cmd_drop: 0\n"
        "     ipsec_rx_drop_sp_alloc: 0\n"
        "     ipsec_rx_drop_sadb_miss: 0\n"
        "     ipsec_rx_drop_syndrome: 0\n"
        "     ipsec_tx_drop_bundle: 0\n"
        "     ipsec_tx_drop_no_state: 0\n"
        "     ipsec_tx_drop_not_ip: 0\n"
        "     ipsec_tx_drop_trailer: 3\n"
        "     ipsec_tx_drop_metadata: 0\n");
}
