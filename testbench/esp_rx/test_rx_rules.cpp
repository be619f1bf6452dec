// esp_rx, rule by rule (contract sections 4, 5, 7): each kind of wire frame, built with the
// stimulus library, goes through the RTL with random stalls on both streams; the harness
// checks every output frame and every counter pulse against the reference model, and each
// test checks that its frames ended the way it means them to.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "rx_flows.h"
#include "rx_harness.h"
#include "test_seed.h"

using namespace ipsec::tb;
namespace model = ipsec::model;
using model::Fate;

namespace {

// Each pushed frame ended as `fate`, and was forwarded exactly when `forwarded`.
void require_fates(const EspRxHarness& h, size_t from, Fate fate, bool forwarded) {
  for (size_t i = from; i < h.frames().size(); ++i) {
    const RxFrame& f = h.frames()[i];
    INFO("frame " << i << ": " << describe(f.in) << " (" << f.want.why << "); " << seed_hint());
    CHECK(f.want.fate == fate);
    CHECK(f.want.out.has_value() == forwarded);
  }
}

model::DatapathControl control(bool no_trailer, bool fwd_bad_frames) {
  model::DatapathControl c;
  c.no_trailer = no_trailer;
  c.fwd_bad_frames = fwd_bad_frames;
  return c;
}

struct Fixture {
  uint64_t seed = test_seed();
  std::mt19937_64 rng{seed};
  EspRxHarness h{seed, stall_percent(25), stall_percent(25)};

  RxFlow flow(RxFlowSpec s) {
    s.spi = 0x1000 + static_cast<uint32_t>(rng() % 0x10000);
    const RxFlow f = make_rx_flow(rng, s);
    h.sa_table()[f.key] = f.ctx;
    return f;
  }
};

}  // namespace

TEST_CASE("a decrypted ESP frame reaches the host with metadata 0x11, its SA handle and the plaintext in place") {
  Fixture fx;
  uint32_t handle = 1;
  for (bool v6 : {false, true}) {
    for (bool aes256 : {false, true}) {
      for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
        RxFlowSpec s;
        s.ipv6 = v6;
        s.aes256 = aes256;
        s.mode = mode;
        s.handle = handle++ * 0x01010101u;
        const RxFlow f = fx.flow(s);
        for (size_t payload : {0, 1, 2, 3, 15, 16, 17, 100, 333, 1400, 8000}) {
          fx.h.push(rx_wire_frame(fx.rng, f, payload, 1 + fx.rng() % 1000));
        }
      }
    }
  }
  fx.h.run();
  require_fates(fx.h, 0, Fate::kOut, true);
}

TEST_CASE("no-trailer mode removes pad, trailer and ICV and rewrites the IP length and IPv4 checksum") {
  Fixture fx;
  fx.h.set_control(control(true, false));
  for (bool v6 : {false, true}) {
    RxFlowSpec s;
    s.ipv6 = v6;
    s.aes256 = v6;
    const RxFlow f = fx.flow(s);
    for (size_t extra_pad : {0, 4, 8, 100, 252}) {
      for (size_t payload : {0, 1, 5, 64, 1000}) {
        WireOptions o;
        o.extra_pad = extra_pad;
        fx.h.push(rx_wire_frame(fx.rng, f, payload, 7, o));
      }
    }
  }
  fx.h.run();
  require_fates(fx.h, 0, Fate::kOut, true);
}

TEST_CASE("ESN: the high sequence bits come from esn_hi, and with ESN_OVERLAP a low SN takes esn_hi + 1") {
  Fixture fx;
  for (bool overlap : {false, true}) {
    for (bool v6 : {false, true}) {
      RxFlowSpec s;
      s.ipv6 = v6;
      s.esn = true;
      s.esn_overlap = overlap;
      s.esn_hi = overlap ? 0xFFFFFFFFu : 41;  // the +1 wraps too
      const RxFlow f = fx.flow(s);
      for (uint32_t lo : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFFu}) {
        fx.h.push(rx_wire_frame(fx.rng, f, 40, rx_seq_for(f.ctx, lo)));
      }
    }
  }
  fx.h.run();
  require_fates(fx.h, 0, Fate::kOut, true);

  // The sender used another epoch: the ICV does not verify.
  const size_t from = fx.h.frames().size();
  RxFlowSpec s;
  s.esn = true;
  s.esn_overlap = true;
  s.esn_hi = 9;
  const RxFlow f = fx.flow(s);
  for (uint32_t lo : {5u, 0x90000000u}) {
    fx.h.push(rx_wire_frame(fx.rng, f, 40, rx_seq_for(f.ctx, lo) + (uint64_t{1} << 32)));
  }
  fx.h.run();
  require_fates(fx.h, from, Fate::kAuthFail, false);
}

TEST_CASE("an ICV failure is dropped and counted as dec_auth_fail, and with the debug bit forwarded with 0x12") {
  Fixture fx;
  for (bool fwd : {false, true}) {
    const size_t from = fx.h.frames().size();
    fx.h.set_control(control(fwd, fwd));
    for (bool v6 : {false, true}) {
      RxFlowSpec s;
      s.ipv6 = v6;
      s.aes256 = !v6;
      const RxFlow f = fx.flow(s);
      for (unsigned bit : {0u, 63u, 127u}) {
        for (size_t payload : {0, 30, 2000}) {
          fx.h.push(flip_icv_bit(rx_wire_frame(fx.rng, f, payload, 3), bit));
        }
      }
    }
    fx.h.run();
    require_fates(fx.h, from, Fate::kAuthFail, fwd);
  }
}

TEST_CASE("a bad ESP trailer after a good ICV is dropped as dec_drop, and with the debug bit forwarded with 0x17") {
  Fixture fx;
  for (bool fwd : {false, true}) {
    const size_t from = fx.h.frames().size();
    fx.h.set_control(control(true, fwd));
    for (bool v6 : {false, true}) {
      RxFlowSpec s;
      s.ipv6 = v6;
      const RxFlow f = fx.flow(s);
      for (TrailerFault fault : {TrailerFault::kBadPadBytes, TrailerFault::kBadPadLength}) {
        for (size_t extra_pad : {0, 8, 248}) {
          for (size_t payload : {0, 3, 700}) {
            WireOptions o;
            o.fault = fault;
            o.extra_pad = extra_pad;
            fx.h.push(rx_wire_frame(fx.rng, f, payload, 11, o));
          }
        }
      }
    }
    fx.h.run();
    require_fates(fx.h, from, Fate::kDrop, fwd);
  }
}

TEST_CASE("a truncated ESP datagram is dropped after dec_in, and with the debug bit forwarded undecrypted with 0x17") {
  Fixture fx;
  for (bool fwd : {false, true}) {
    fx.h.set_control(control(false, fwd));
    for (bool v6 : {false, true}) {
      RxFlowSpec s;
      s.ipv6 = v6;
      const RxFlow f = fx.flow(s);
      for (size_t payload : {0, 40, 1500, 9000}) {
        const Bytes good = rx_wire_frame(fx.rng, f, payload, 5);
        const size_t esp_end = 14 + (v6 ? 40 : 20) + 8;
        std::vector<Bytes> cut;
        // The datagram is longer than the frame: cut in the ICV, in the text, after the ESP
        // header; a long frame cut short.
        for (size_t n : {size_t{1}, size_t{16}, size_t{17}, size_t{40}, good.size() - esp_end}) {
          if (n <= good.size() - esp_end && good.size() - n >= 60) cut.push_back(truncate_datagram(good, n));
        }
        // The IP length says fewer than 2 ciphertext bytes (the headers agree with the frame).
        for (size_t keep_text : {0, 1}) {
          const size_t text = good.size() - esp_end - 8 - 16;
          if (text > keep_text) cut.push_back(truncate_datagram(good, text - keep_text, true));
        }
        for (const Bytes& c : cut) {
          const size_t from = fx.h.frames().size();
          fx.h.push(c.size() < 60 ? pad_to_minimum(c) : c);
          fx.h.run();
          require_fates(fx.h, from, Fate::kDrop, fwd);
          // The next frame is not damaged.
          fx.h.push(good);
        }
      }
    }
    fx.h.run();
  }
  const auto& c = fx.h.rtl_counters();
  CHECK(c.dec_in == c.dec_out + c.dec_drop + c.dec_auth_fail);
}

TEST_CASE("MAC errors, runts, oversize frames and wire metadata are dropped before classification") {
  Fixture fx;
  fx.h.set_control(control(false, true));
  RxFlowSpec s;
  const RxFlow f = fx.flow(s);
  s.ipv6 = true;
  const RxFlow f6 = fx.flow(s);
  for (size_t payload : {0, 100, 1500}) {
    fx.h.push(rx_wire_frame(fx.rng, f, payload, 2), true);
    fx.h.push(rx_wire_frame(fx.rng, f6, payload, 2), true);
    fx.h.push(plain_udp_frame(fx.rng, 60 + payload), true);
  }
  fx.h.push(Bytes{});
  for (size_t len : {1, 13, 14, 15, 16, 17, 31, 32, 33, 47, 48, 49, 59}) {
    Bytes runt = random_bytes(fx.rng, len);
    if (len >= 14) runt[12] = 0x08, runt[13] = 0x00;
    fx.h.push(runt);
  }
  // ESP for a known SA, cut below 60 bytes: its SA may be looked up, it is still a runt.
  for (size_t len : {33, 41, 42, 47, 48, 58, 59}) {
    Bytes cut = rx_wire_frame(fx.rng, f, 100, 3);
    cut.resize(len);
    fx.h.push(cut);
    Bytes cut6 = rx_wire_frame(fx.rng, f6, 100, 3);
    cut6.resize(len);
    fx.h.push(cut6);
  }
  for (size_t len : {9217, 9232, 9233, 9300, 16384, 20000}) {
    Bytes big = rx_wire_frame(fx.rng, f, 1000, 4);
    big.resize(len, 0);
    fx.h.push(big);
    fx.h.push(plain_udp_frame(fx.rng, len));
  }
  fx.h.push(with_wire_metadata(rx_wire_frame(fx.rng, f, 10, 9)));
  fx.h.push(with_wire_metadata(plain_udp_frame(fx.rng, 100), model::kSyndRxAuthFailed, 77));
  fx.h.run();
  require_fates(fx.h, 0, Fate::kDrop, false);
  const auto& c = fx.h.rtl_counters();
  CHECK(c.dec_in == 0);
  CHECK(c.dec_drop == fx.h.frames().size());
}

TEST_CASE("non-ESP frames and ESP for no known RX SA pass unchanged as dec_bypass") {
  Fixture fx;
  RxFlowSpec s;
  const RxFlow f4 = fx.flow(s);
  s.ipv6 = true;
  const RxFlow f6 = fx.flow(s);
  // Plain traffic, ARP, a frame of any EtherType.
  for (size_t len : {60, 61, 64, 65, 80, 1514}) fx.h.push(plain_udp_frame(fx.rng, len));
  fx.h.push(pad_to_minimum(ethernet(kEthertypeArp, random_bytes(fx.rng, 28))));
  fx.h.push(ethernet(0x88B5, random_bytes(fx.rng, 500)));
  // IPv4 ESP that is a fragment or has options; IPv6 ESP behind an extension header.
  for (uint16_t frag : {0x2000, 0x0001, 0x1FFF, 0x3FFF}) {
    Bytes fr = rx_wire_frame(fx.rng, f4, 64, 3);
    fr[20] = static_cast<uint8_t>(frag >> 8);
    fr[21] = static_cast<uint8_t>(frag);
    fx.h.push(fr);
  }
  {
    RxFlow o = f4;
    o.spec.ipv4_options = random_bytes(fx.rng, 8);
    fx.h.push(rx_wire_frame(fx.rng, o, 64, 3));
    RxFlow e = f6;
    e.spec.ipv6_ext_header = true;
    fx.h.push(rx_wire_frame(fx.rng, e, 64, 3));
  }
  // IPv6 ESP whose header does not fit in the frame (E + 8 > L).
  for (size_t esp_bytes : {0, 1, 6, 7}) {
    PacketSpec p;
    p.ipv6 = true;
    p.proto = model::kIpProtoEsp;
    p.payload = random_bytes(fx.rng, esp_bytes);
    fx.h.push(pad_to_minimum(ethernet_ip(ip_packet(p))));
  }
  // ESP for an unknown SPI, for unknown addresses, and for a TX SA's key.
  for (const RxFlow* f : {&f4, &f6}) {
    RxFlow unknown = *f;
    unknown.esp.spi ^= 0x80000000u;
    fx.h.push(rx_wire_frame(fx.rng, unknown, 100, 1));
    RxFlow moved = *f;
    moved.spec.dst[15] ^= 1;
    fx.h.push(rx_wire_frame(fx.rng, moved, 100, 1));
  }
  {
    RxFlow tx = f4;
    tx.esp.spi = 0x7777;
    model::SaKey k = tx.key;
    k.tx = true;
    k.spi = 0x7777;
    fx.h.sa_table()[k] = tx.ctx;
    fx.h.push(rx_wire_frame(fx.rng, tx, 100, 1));
  }
  fx.h.run();
  require_fates(fx.h, 0, Fate::kBypass, true);
}

TEST_CASE("Ethernet padding after the datagram passes with bypassed frames and is cut from decrypted and forwarded ones") {
  Fixture fx;
  RxFlowSpec s;
  const RxFlow f4 = fx.flow(s);
  s.ipv6 = true;
  const RxFlow f6 = fx.flow(s);
  for (bool no_trailer : {false, true}) {
    fx.h.set_control(control(no_trailer, true));
    for (size_t pad : {1, 2, 7, 8, 9, 16, 40, 500}) {
      for (const RxFlow* f : {&f4, &f6}) {
        Bytes good = rx_wire_frame(fx.rng, *f, 20, 1);
        Bytes padded = good;
        padded.resize(good.size() + pad, 0xAB);
        fx.h.push(padded);                                  // decrypted
        Bytes bad = flip_icv_bit(good, 5);
        bad.resize(bad.size() + pad, 0xCD);
        fx.h.push(bad);                                     // auth failure, forwarded
        PacketSpec p;
        p.payload = random_bytes(fx.rng, pad % 30);
        fx.h.push(pad_to_minimum(ethernet_ip(ip_packet(p))));  // bypass, padded to 60
      }
    }
  }
  fx.h.run();
  CHECK(fx.h.rtl_counters().dec_out > 0);
  CHECK(fx.h.rtl_counters().dec_auth_fail > 0);
}
