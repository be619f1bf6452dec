// Datapath faults on the RTL path, through the driver's RX handler (contract sections 5 and
// 7; mlx5e_ipsec_handle_rx_skb / mlx5e_ipsec_build_sp): the engine's debug bit that forwards
// failed frames (0x12, 0x17), and RX metadata rewritten on its way to the host (an unknown
// handle, an unknown syndrome).
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "datapath.h"
#include "fault_bench.h"
#include "frames.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

// An RX SA (rx_state: 10.0.0.1 -> 10.0.1.1, key 0x10.., salt 0xa0a1a2a3) on the engine, and
// frames a peer sends on it.
struct RxBench {
  FaultBench b;
  driver::SaId id{};
  model::SaContext ctx;

  RxBench() {
    const auto r = b.dev().add_state(rx_state(0x2000));
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    id = *r;
    const driver::Bytes km = test_key_material(16);
    std::copy(km.begin(), km.begin() + 16, ctx.key.begin());
    ctx.salt = 0xa0a1a2a3;
    ctx.handle = b.dev().find(id)->rx_handle;
  }

  Bytes frame(uint64_t seq, TrailerFault fault = TrailerFault::kNone, bool bad_icv = false) {
    PacketSpec p;
    p.src = ipv4("10.0.0.1");
    p.dst = ipv4("10.0.1.1");
    EspSpec esp;
    esp.spi = 0x2000;
    esp.seq = seq;
    WireOptions o;
    o.fault = fault;
    Bytes f = wire_esp_frame(ip_packet(p), esp, ctx, o);
    return bad_icv ? flip_icv_bit(f, 5) : f;
  }

  // Through the engine, then the injector's host-RX hook: what the NIC hands the driver.
  std::vector<Bytes> through_engine(const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) b.sim().wire_rx(f);
    b.sim().run();
    std::vector<Bytes> out;
    for (sim::OutFrame& f : b.sim().host_rx()) {
      REQUIRE_FALSE(f.user);
      b.faults().filter_host_rx(f.data);
      out.push_back(f.data);
    }
    b.sim().host_rx().clear();
    return out;
  }
};

uint8_t rx_syndrome(const Bytes& f) {
  return f.at(driver::kMetadataFrameOffset + driver::metadata::kSyndrome);
}

}  // namespace

TEST_CASE("without the debug bit, frames failing authentication or the trailer check never reach the host") {
  RxBench r;
  const auto out = r.through_engine({r.frame(1), r.frame(2, TrailerFault::kNone, true),
                                     r.frame(3, TrailerFault::kBadPadBytes)});
  REQUIRE(out.size() == 1);
  CHECK(rx_syndrome(out[0]) == driver::kRxSyndromeDecrypted);
  CHECK(r.b.counter("ipsec_dec_auth_fail_packets") == 1);
  CHECK(r.b.counter("ipsec_dec_drop_packets") == 1);
}

TEST_CASE("fault rx forward-bad: 0x12 and 0x17 reach the driver, which hands them to the stack to drop") {
  RxBench r;
  REQUIRE(r.b.faults().forward_bad_frames(true).ok());
  const auto out = r.through_engine({r.frame(1), r.frame(2, TrailerFault::kNone, true),
                                     r.frame(3, TrailerFault::kBadPadBytes)});
  REQUIRE(out.size() == 3);
  CHECK(rx_syndrome(out[0]) == driver::kRxSyndromeDecrypted);
  CHECK(rx_syndrome(out[1]) == driver::kRxSyndromeAuthFailed);
  CHECK(rx_syndrome(out[2]) == driver::kRxSyndromeBadProto);
  // Still counted as failures by the engine (docs/registers.md, CONTROL.FWD_BAD_FRAMES).
  CHECK(r.b.counter("ipsec_dec_auth_fail_packets") == 1);
  CHECK(r.b.counter("ipsec_dec_drop_packets") == 1);

  // mlx5e_ipsec_handle_rx_skb: 0x12 and 0x17 set xo->status for the xfrm stack, which drops
  // the packet (CRYPTO_TUNNEL_ESP_AUTH_FAILED, CRYPTO_INVALID_PROTOCOL); only a syndrome it
  // does not know counts in ipsec_rx_drop_syndrome.
  const driver::RxCryptoStatus want[] = {driver::RxCryptoStatus::kSuccess,
                                         driver::RxCryptoStatus::kAuthFailed,
                                         driver::RxCryptoStatus::kBadProto};
  for (size_t i = 0; i < out.size(); ++i) {
    const std::optional<driver::RxSkb> skb = driver::ipsec_handle_rx(r.b.dev(), out[i]);
    REQUIRE(skb);
    REQUIRE(skb->offload);
    CHECK(skb->offload->status == want[i]);
    CHECK(skb->offload->sa == r.id);
  }
  CHECK(r.b.dev().sw_counters().rx_drop_syndrome == 0);
  CHECK(r.b.dev().sw_counters().rx_drop_sadb_miss == 0);

  REQUIRE(r.b.faults().forward_bad_frames(false).ok());
  CHECK(r.through_engine({r.frame(4, TrailerFault::kNone, true)}).empty());
  CHECK(r.b.check_tables_agree() == 1);
}

TEST_CASE("fault rx syndrome: a syndrome the driver does not know counts in ipsec_rx_drop_syndrome") {
  RxBench r;
  r.b.faults().rewrite_rx_syndrome(0x13, 1);
  const auto out = r.through_engine({r.frame(1), r.frame(2)});
  REQUIRE(out.size() == 2);
  CHECK(rx_syndrome(out[0]) == 0x13);
  CHECK(rx_syndrome(out[1]) == driver::kRxSyndromeDecrypted);  // one frame only
  CHECK_FALSE(driver::ipsec_handle_rx(r.b.dev(), out[0]));
  CHECK(driver::ipsec_handle_rx(r.b.dev(), out[1]));
  CHECK(r.b.dev().sw_counters().rx_drop_syndrome == 1);
  auto stats = r.b.dev().ethtool_stats();
  REQUIRE(stats.ok());
  bool shown = false;
  for (const auto& s : *stats) shown |= s.name == "ipsec_rx_drop_syndrome" && s.value == 1;
  CHECK(shown);
  CHECK(r.b.check_tables_agree() == 1);
}

TEST_CASE("fault rx handle: RX metadata with a handle the driver does not know counts in ipsec_rx_drop_sadb_miss") {
  RxBench r;
  r.b.faults().rewrite_rx_handle(0x77, 2);
  const auto out = r.through_engine({r.frame(1), r.frame(2), r.frame(3)});
  REQUIRE(out.size() == 3);
  size_t delivered = 0;
  for (const Bytes& f : out) delivered += driver::ipsec_handle_rx(r.b.dev(), f).has_value();
  CHECK(delivered == 1);
  CHECK(r.b.dev().sw_counters().rx_drop_sadb_miss == 2);
  CHECK(r.b.dev().sw_counters().rx_drop_syndrome == 0);
  CHECK(r.b.faults().fired().size() == 2);
  CHECK(r.b.check_tables_agree() == 1);
}
