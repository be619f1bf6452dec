// A small virtual platform around the engine component (docs/systemc.md):
//
//   host CPU: host xfrm stack + driver --TLM (TlmRegisterBus)--> engine.regs
//   host NIC --host_tx--> IpsecEngineTlm --wire_tx--> peer (software ESP)
//   host NIC <--host_rx-- IpsecEngineTlm <--wire_rx-- peer
//
// The CPU's thread probes the engine, adds an outbound and an inbound SA (offloaded, with
// their policies) and sends a few frames to the peer; the peer, whose IPsec is all software,
// answers with frames of its own. The engine encrypts the host's frames and decrypts the
// peer's. At the end the CPU prints `ethtool -S`.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "ipsec_device.h"
#include "ipsec_engine_tlm.h"
#include "packet.h"
#include "tlm_register_bus.h"
#include "xfrm_stack.h"

namespace {

using ipsec::driver::Bytes;
using ipsec::driver::IpAddress;
using ipsec::systemc::Frame;
namespace drv = ipsec::driver;
namespace xfrm = ipsec::xfrm;

const IpAddress kHost = IpAddress::v4(0xC0000201);  // 192.0.2.1
const IpAddress kPeer = IpAddress::v4(0xC6336402);  // 198.51.100.2
constexpr uint32_t kSpiOut = 0x1000;  // host -> peer
constexpr uint32_t kSpiIn = 0x2000;   // peer -> host
constexpr int kFramesEachWay = 4;

// rfc4106(gcm(aes)) key material, key || salt: AES-128 counting up from `first`.
Bytes key_material(uint8_t first) {
  Bytes k;
  for (int i = 0; i < 20; ++i) k.push_back(static_cast<uint8_t>(first + i));
  return k;
}

drv::XfrmState esp_state(const IpAddress& src, const IpAddress& dst, uint32_t spi, uint8_t key,
                         std::optional<drv::OffloadDirection> offload) {
  drv::XfrmState x;
  x.saddr = src;
  x.daddr = dst;
  x.spi = spi;
  x.reqid = spi;
  x.mode = drv::XfrmMode::kTransport;
  x.replay_window = 64;
  (void)x.attach_aead({drv::kAeadRfc4106Gcm, key_material(key), 128});
  if (offload) x.offload = drv::XfrmOffloadRequest{"eth0", *offload};
  return x;
}

// The policy that sends (or accepts) traffic between the two hosts through `spi`.
xfrm::XfrmPolicy policy(const IpAddress& src, const IpAddress& dst, uint32_t spi, xfrm::PolicyDir dir) {
  xfrm::XfrmPolicy p;
  p.sel.saddr = src;
  p.sel.daddr = dst;
  p.sel.prefixlen_s = 32;
  p.sel.prefixlen_d = 32;
  p.dir = dir;
  xfrm::XfrmTmpl t;
  t.saddr = src;
  t.daddr = dst;
  t.spi = spi;
  t.reqid = spi;
  p.tmpls.push_back(t);
  return p;
}

// An Ethernet frame with an IPv4 UDP datagram of `payload` bytes, checksums right.
Bytes udp_frame(const IpAddress& src, const IpAddress& dst, size_t payload, uint16_t id) {
  Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
  const size_t ip = f.size();
  f.resize(ip + drv::kIpv4HeaderBytes + 8 + payload, 0);
  f[ip] = 0x45;
  drv::store_be16(f, ip + 2, static_cast<uint16_t>(drv::kIpv4HeaderBytes + 8 + payload));
  drv::store_be16(f, ip + 4, id);
  f[ip + 8] = 64;
  f[ip + 9] = drv::ipproto::kUdp;
  std::copy_n(src.data(), 4, f.begin() + static_cast<long>(ip) + 12);
  std::copy_n(dst.data(), 4, f.begin() + static_cast<long>(ip) + 16);
  const size_t udp = ip + drv::kIpv4HeaderBytes;
  drv::store_be16(f, udp, 40000);
  drv::store_be16(f, udp + 2, 5001);
  drv::store_be16(f, udp + 4, static_cast<uint16_t>(8 + payload));
  for (size_t i = 0; i < payload; ++i) f[udp + 8 + i] = static_cast<uint8_t>(i);
  drv::update_ipv4_checksum(f, ip);
  drv::update_l4_checksum(f, *drv::parse_ip_frame(f));
  return f;
}

std::string now() {
  char text[32];
  std::snprintf(text, sizeof text, "%8.3f us", sc_core::sc_time_stamp().to_seconds() * 1e6);
  return text;
}

xfrm::StackOptions stack_options(uint64_t seed) {
  xfrm::StackOptions o;
  o.seed = seed;
  o.clock = [] { return uint64_t{0}; };
  return o;
}

class Platform : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Platform);
  explicit Platform(sc_core::sc_module_name name)
      : sc_module(name),
        engine("engine"),
        cpu_bus("cpu_bus", engine.clock_period()),
        irq("irq"),
        host_tx("host_tx", 8),
        wire_tx("wire_tx", 8),
        wire_rx("wire_rx", 8),
        host_rx("host_rx", 8),
        device_(cpu_bus),
        host_(&device_, stack_options(1)),
        peer_(nullptr, stack_options(2)) {
    cpu_bus.socket.bind(engine.regs);
    engine.irq(irq);
    cpu_bus.irq_in(irq);
    engine.host_tx_in(host_tx);
    engine.wire_tx_out(wire_tx);
    engine.wire_rx_in(wire_rx);
    engine.host_rx_out(host_rx);
    SC_THREAD(cpu);
    SC_THREAD(host_nic_rx);
    SC_THREAD(peer_rx);
    SC_THREAD(peer_tx);
  }

  ipsec::systemc::IpsecEngineTlm engine;
  ipsec::systemc::TlmRegisterBus cpu_bus;
  sc_core::sc_signal<bool> irq;
  sc_core::sc_fifo<Frame> host_tx, wire_tx, wire_rx, host_rx;

  // Every frame was delivered, both ways.
  bool ok() const { return ok_; }

 private:
  // The host's CPU: the driver and the host stack, the register bus over TLM.
  void cpu() {
    if (const drv::Status s = device_.probe(); !s.ok()) return fail("probe: " + s.message());
    std::printf("%s  probe: vendor 0x%x, SET_CAP granted 0x%x (%s)\n", now().c_str(),
                device_.identity().vendor_id, device_.granted_caps(),
                device_.rx_no_trailer() ? "no trailer on RX" : "trailer kept on RX");
    const auto out = host_.add_state(esp_state(kHost, kPeer, kSpiOut, 0x01, drv::OffloadDirection::kOut));
    const auto in = host_.add_state(esp_state(kPeer, kHost, kSpiIn, 0x21, drv::OffloadDirection::kIn));
    if (!out.status.ok() || !in.status.ok()) return fail("ip xfrm state add failed");
    (void)host_.policies().add(policy(kHost, kPeer, kSpiOut, xfrm::PolicyDir::kOut));
    (void)host_.policies().add(policy(kPeer, kHost, kSpiIn, xfrm::PolicyDir::kIn));
    std::printf("%s  SAs offloaded: out spi 0x%x, in spi 0x%x (%zu in the engine)\n", now().c_str(),
                kSpiOut, kSpiIn, device_.sas().size());
    // The peer holds the same SAs in software.
    (void)peer_.add_state(esp_state(kPeer, kHost, kSpiIn, 0x21, std::nullopt));
    (void)peer_.add_state(esp_state(kHost, kPeer, kSpiOut, 0x01, std::nullopt));
    (void)peer_.policies().add(policy(kPeer, kHost, kSpiIn, xfrm::PolicyDir::kOut));
    (void)peer_.policies().add(policy(kHost, kPeer, kSpiOut, xfrm::PolicyDir::kIn));
    link_up_.notify(sc_core::SC_ZERO_TIME);

    for (int i = 0; i < kFramesEachWay; ++i) {
      const Bytes frame = udp_frame(kHost, kPeer, 100 + 300 * static_cast<size_t>(i), static_cast<uint16_t>(i + 1));
      for (Bytes& f : host_.transmit(frame)) {
        std::printf("%s  host sends %4zu B: %4zu B to the engine (ESP, metadata)\n", now().c_str(),
                    frame.size(), f.size());
        host_tx.write({std::move(f), false});
      }
    }
    // Until every frame has gone through and the ports are quiet.
    engine.wait_until_quiet();
    print_ethtool();
    const double us = sc_core::sc_time_stamp().to_seconds() * 1e6;
    std::printf("%llu clocks (%.3f us at %.0f MHz), %llu register reads, %llu writes\n",
                static_cast<unsigned long long>(engine.cycles()), us,
                1e-6 / engine.clock_period().to_seconds(),
                static_cast<unsigned long long>(engine.bus_reads()),
                static_cast<unsigned long long>(engine.bus_writes()));
    ok_ = host_delivered_ == kFramesEachWay && peer_delivered_ == kFramesEachWay;
    sc_core::sc_stop();
  }

  // The host NIC's receive path: frames from the engine through the driver and the stack.
  void host_nic_rx() {
    for (;;) {
      const Frame f = host_rx.read();
      const std::optional<Bytes> delivered = host_.receive(f.data);
      std::printf("%s  host receives %4zu B from the engine: %s\n", now().c_str(), f.data.size(),
                  delivered ? ("delivered " + std::to_string(delivered->size()) + " B").c_str()
                            : "dropped by the stack");
      if (delivered) ++host_delivered_;
    }
  }

  // The peer: decrypts in software what the engine put on the wire.
  void peer_rx() {
    for (;;) {
      const Frame f = wire_tx.read();
      const std::optional<Bytes> delivered = f.user ? std::nullopt : peer_.receive(f.data);
      std::printf("%s  peer receives %4zu B of ESP: %s\n", now().c_str(), f.data.size(),
                  delivered ? ("decrypted to " + std::to_string(delivered->size()) + " B").c_str()
                            : "dropped");
      if (delivered) ++peer_delivered_;
    }
  }

  // The peer's own traffic, once the host has its SAs.
  void peer_tx() {
    wait(link_up_);
    for (int i = 0; i < kFramesEachWay; ++i) {
      const Bytes frame = udp_frame(kPeer, kHost, 60 + 350 * static_cast<size_t>(i), static_cast<uint16_t>(100 + i));
      for (Bytes& f : peer_.transmit(frame)) {
        std::printf("%s  peer sends %4zu B of ESP\n", now().c_str(), f.size());
        wire_rx.write({std::move(f), false});
      }
    }
  }

  void print_ethtool() {
    const auto stats = device_.ethtool_stats();
    if (!stats.ok()) return fail("ethtool -S: " + stats.status().message());
    std::printf("$ ethtool -S %s\nNIC statistics:\n", device_.name().c_str());
    for (const drv::EthtoolStat& s : stats.value()) {
      std::printf("     %s: %llu\n", s.name.c_str(), static_cast<unsigned long long>(s.value));
    }
  }

  void fail(const std::string& what) {
    std::fprintf(stderr, "ipsec-engine-sc-example: %s\n", what.c_str());
    sc_core::sc_stop();
  }

  drv::IpsecDevice device_;
  xfrm::XfrmStack host_;
  xfrm::XfrmStack peer_;
  sc_core::sc_event link_up_;
  int host_delivered_ = 0;
  int peer_delivered_ = 0;
  bool ok_ = false;
};

}  // namespace

int sc_main(int, char*[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  Platform platform("platform");
  sc_core::sc_start();
  return platform.ok() ? 0 : 1;
}
