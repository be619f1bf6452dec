// The whole engine, SAs installed by the driver into sa_table: each direction alone per
// frame size (engine.tx.*, engine.rx.*), both directions at once (duplex, 1,500-byte
// frames), a different SA on every frame (sa_switch, the smallest frames), the same with
// packet-offload SAs on the packet-offload build (engine_pkt.*, sa_switch_pkt), the cost of
// installing an SA (sa_add), and the simulation speed of the whole engine without tracing
// and its cost with VCD and FST waveforms (sim, wall time). Every frame of engine, duplex
// and sa_switch is checked against the reference model, byte for byte, and the counters
// with it: a figure of frames the engine got wrong would be no figure.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>
#include <string>

#include "bench.h"
#include "bytes.h"
#include "driver_fixture.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "frames.h"
#include "ipsec_device.h"
#include "latency_stats.h"
#include "pipelined_adds.h"

namespace ipsec::bench {

namespace {

using tb::Bytes;

constexpr int kSas = 64;  // per direction; frames cycle through them

// The idle clocks a paced wire source keeps after RX frame `in`, which leaves as `out`:
// the beats it gains (RX metadata). The wire input is never back-pressured, so a back-to-back
// stream of frames that grow would outrun the host port and have frames dropped (counted):
// the figures measure the engine at the rate its busier port carries, and the wire sends at
// that rate (EngineSim::wire_rx).
uint32_t rx_gap(const Bytes& in, const std::optional<Bytes>& out) {
  const size_t a = (in.size() + 15) / 16, b = out ? (out->size() + 15) / 16 : 0;
  return b > a ? static_cast<uint32_t>(b - a) : 0;
}

struct Flow {
  tb::PacketSpec packet;
  tb::EspSpec esp;
  model::SaContext ctx;
  uint16_t pkt_index = 0, pkt_handle = 0;  // a packet SA's, for TX metadata 0x0A
};

// The Innova's engine (the fast build), or with `packet` the packet-offload build
// (RtlBuild::kPacket, the checking build's settings: its wall-clock speed is not the
// engine's figure, only its clocks are) with packet-offload SAs: the host sends plain
// packets (metadata 0x0A) and gets them back decapsulated (0x13).
sim::EngineSimOptions rig_options(bool packet) {
  sim::EngineSimOptions o;
  if (packet) o.build = sim::RtlBuild::kPacket;
  return o;
}

model::CtrlModelConfig rig_model(bool packet) {
  model::CtrlModelConfig c;
  c.packet_offload = packet;
  return c;
}

struct Rig {
  sim::EngineSim sim;
  driver::IpsecDevice dev;
  // The reference model, programmed by its own driver with the same states: the
  // scoreboard of the checked run.
  model::EngineModel model;
  driver::IpsecDevice ref{model};
  std::vector<Flow> tx, rx;
  uint64_t add_writes = 0, add_cycles = 0;
  bool packet = false;

  explicit Rig(bool packet_offload = false)
      : sim(rig_options(packet_offload)), dev(sim.bus()), model(rig_model(packet_offload)),
        packet(packet_offload) {
    if (!dev.probe().ok() || !ref.probe().ok()) throw std::runtime_error("probe failed");
    std::mt19937_64 rng(7);
    for (int dir = 0; dir < 2; ++dir) {
      for (int i = 0; i < kSas; ++i) {
        tb::StateSpec s;
        s.dir = dir ? driver::OffloadDirection::kIn : driver::OffloadDirection::kOut;
        s.key_bytes = i % 2 ? 32 : 16;
        s.spi = 0x10000u * static_cast<uint32_t>(dir + 1) + static_cast<uint32_t>(i);
        s.host = static_cast<uint8_t>(i + 1);
        driver::XfrmState x = tb::offloadable_state(s);
        driver::Bytes km;
        for (size_t b = 0; b < s.key_bytes + 4; ++b) km.push_back(static_cast<uint8_t>(rng()));
        (void)x.attach_aead({driver::kAeadRfc4106Gcm, km, 128});
        if (packet) {
          x.offload->type = driver::OffloadType::kPacket;
          x.replay_window = dir ? 64 : 0;
        }
        const uint64_t w = sim.bus_writes(), c = sim.cycles();
        const driver::StatusOr<driver::SaId> id = dev.add_state(x);
        if (!id.ok() || !ref.add_state(x).ok()) throw std::runtime_error("add_state failed");
        if (dir == 0 && i == 0) {
          add_writes = sim.bus_writes() - w;
          add_cycles = sim.cycles() - c;
        }
        Flow f;
        // The state's addresses (driver_fixture: 10.0.0.<host> -> 10.0.1.<host>).
        f.packet.src = tb::ipv4("10.0.0." + std::to_string(s.host));
        f.packet.dst = tb::ipv4("10.0.1." + std::to_string(s.host));
        f.packet.proto = 253;  // RFC 3692 experimentation: no L4 header, any size fits
        f.esp.spi = s.spi;
        std::copy(km.begin(), km.begin() + static_cast<long>(s.key_bytes), f.ctx.key.begin());
        f.ctx.key256 = s.key_bytes == 32;
        f.ctx.salt = uint32_t{km[s.key_bytes]} << 24 | uint32_t{km[s.key_bytes + 1]} << 16 |
                     uint32_t{km[s.key_bytes + 2]} << 8 | km[s.key_bytes + 3];
        if (packet) {
          const driver::OffloadedSa* sa = dev.find(*id);
          if (!sa || !sa->packet) throw std::runtime_error("not a packet SA");
          f.pkt_index = sa->pkt_index;
          f.pkt_handle = static_cast<uint16_t>(sa->rx_handle);
        }
        (dir ? rx : tx).push_back(f);
      }
    }
  }

  // A host frame of `size` bytes (metadata included) for TX flow i: crypto offload's ESP
  // frame, or packet offload's plain packet (the engine takes the sequence number itself).
  Bytes host_frame(int i, size_t size, uint64_t seq) {
    Flow f = tx[static_cast<size_t>(i % kSas)];
    if (packet) {
      f.packet.payload = Bytes(size - 42, 0x5a);  // Ethernet, metadata, IPv4
      return tb::insert_metadata(tb::ethernet_ip(tb::ip_packet(f.packet)), model::pkt::kSyndTxPktOffload,
                                 {static_cast<uint8_t>(f.pkt_index >> 8), static_cast<uint8_t>(f.pkt_index),
                                  static_cast<uint8_t>(f.pkt_handle >> 8), static_cast<uint8_t>(f.pkt_handle), 0});
    }
    f.packet.payload = Bytes(size - 58, 0x5a);
    f.esp.seq = seq;
    return tb::host_esp_frame(tb::ip_packet(f.packet), f.esp);
  }
  // A wire frame of about `size` bytes for RX flow i.
  Bytes wire_frame(int i, size_t size, uint64_t seq) {
    Flow f = rx[static_cast<size_t>(i % kSas)];
    const size_t payload = size >= 72 ? size - 70 : 2;
    f.packet.payload = Bytes(payload, 0xa5);
    f.esp.seq = seq;
    return tb::wire_esp_frame(tb::ip_packet(f.packet), f.esp, f.ctx);
  }
  // The largest wire frame for RX flow i within `size` bytes, then Ethernet padding up to
  // `size` (ESP pads its datagram to 4 bytes); `size` at least kSmallestRxFrame.
  Bytes wire_frame_of_size(int i, size_t size, uint64_t seq) {
    Flow f = rx[static_cast<size_t>(i % kSas)];
    f.esp.seq = seq;
    Bytes w;
    for (size_t payload = size - kSmallestRxFrame + 3;; --payload) {
      f.packet.payload = Bytes(payload, 0xa5);
      w = tb::wire_esp_frame(tb::ip_packet(f.packet), f.esp, f.ctx);
      if (w.size() <= size || payload == 0) break;
    }
    if (w.size() > size) throw std::logic_error("engine.rx: no ESP frame of " + std::to_string(size) + " bytes");
    w.resize(size, 0);
    return w;
  }
  // The smallest RX ESP frame: Ethernet, IPv4, ESP header and IV, the trailer padded to 4
  // bytes around an empty payload (protocol 253 has no L4 header), the ICV.
  static constexpr size_t kSmallestRxFrame = 14 + 20 + 16 + 4 + 16;
};

// The counters of the engine and of the model, compared as their change over a run: the
// model saw only the states and the frames of the checked runs.
class CounterCheck {
 public:
  explicit CounterCheck(Rig& rig) : rig_(rig), rtl_(counters(rig.dev)), model_(counters(rig.ref)) {}
  // Throws naming the first counter that moved differently; returns the engine's changes.
  std::vector<uint64_t> finish(const std::string& what) {
    const auto rtl = counters(rig_.dev);
    const auto model = counters(rig_.ref);
    std::vector<uint64_t> moved;
    for (size_t i = 0; i < driver::kNumHwCounters; ++i) {
      const uint64_t got = rtl[i].value - rtl_[i].value;
      const uint64_t want = model[i].value - model_[i].value;
      if (got != want) {
        throw std::runtime_error(what + ": " + rtl[i].name + " moved by " + std::to_string(got) +
                                 ", the model's by " + std::to_string(want));
      }
      moved.push_back(got);
    }
    return moved;
  }

 private:
  static std::vector<driver::EthtoolStat> counters(driver::IpsecDevice& d) {
    auto st = d.ethtool_stats();
    if (!st.ok()) throw std::runtime_error("ethtool -S failed");
    return st.value();
  }
  Rig& rig_;
  std::vector<driver::EthtoolStat> rtl_, model_;
};

// Every frame that left on `port` against the model's prediction, in order, byte for byte.
void compare_frames(const std::deque<sim::OutFrame>& got, const std::deque<Bytes>& want, const std::string& what) {
  if (got.size() != want.size()) {
    throw std::runtime_error(what + ": " + std::to_string(got.size()) + " frames left, the model expects " +
                             std::to_string(want.size()));
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const std::string d = tb::first_difference(got[i].data, want[i]);
    if (!d.empty()) throw std::runtime_error(what + ": frame " + std::to_string(i) + ": " + d);
  }
}

struct Load {
  double tx_util, rx_util, cycles, wall;
};

// Both directions loaded at once with `frames` frames each. Every frame that leaves is
// checked against the model's prediction after the clocks are timed, so the check costs
// no wall time of the figure (run_checked measures that cost).
Load run_duplex(Rig& rig, size_t tx_size, size_t rx_size, int frames, const std::string& what,
                uint64_t seq0 = 1) {
  uint64_t tx_busy = 0, rx_busy = 0;
  std::vector<size_t> tx_in, rx_in;
  std::deque<Bytes> want_wire, want_host;
  CounterCheck counters(rig);
  for (int f = 0; f < frames; ++f) {
    const Bytes h = rig.host_frame(f, tx_size, seq0 + static_cast<uint64_t>(f));
    const Bytes w = rig.wire_frame(f, rx_size, seq0 + static_cast<uint64_t>(f));
    tx_in.push_back((h.size() + 15) / 16);
    rx_in.push_back((w.size() + 15) / 16);
    if (auto out = rig.model.host_tx(h).out) want_wire.push_back(std::move(*out));
    const std::optional<Bytes> out = rig.model.wire_rx(w).out;
    if (out) want_host.push_back(*out);
    rig.sim.host_tx(h);
    rig.sim.wire_rx(w, false, rx_gap(w, out));
  }
  const uint64_t c0 = rig.sim.cycles();
  const auto t0 = std::chrono::steady_clock::now();
  rig.sim.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto& wtx = rig.sim.wire_tx();
  auto& hrx = rig.sim.host_rx();
  if (wtx.size() != static_cast<size_t>(frames) || hrx.size() != static_cast<size_t>(frames)) {
    throw std::runtime_error(what + ": frames lost (" + std::to_string(wtx.size()) + " / " +
                             std::to_string(hrx.size()) + " of " + std::to_string(frames) + ")");
  }
  // The clocks of the load: to the last beat out. run() goes on for EngineSim's quiet
  // clocks after it to be sure nothing is left; those idle clocks are not counted (their
  // wall time is, a millisecond or so), so that the speed and the trace's bytes per clock
  // are the loaded engine's.
  const double cycles =
      static_cast<double>(std::max(wtx.back().last_cycle, hrx.back().last_cycle) - c0 + 1);
  compare_frames(wtx, want_wire, what + ": wire TX");
  compare_frames(hrx, want_host, what + ": host RX");
  counters.finish(what);
  for (int f = 0; f < frames; ++f) {
    tx_busy += std::max<uint64_t>(tx_in[static_cast<size_t>(f)], (wtx[static_cast<size_t>(f)].data.size() + 15) / 16);
    rx_busy += std::max<uint64_t>(rx_in[static_cast<size_t>(f)], (hrx[static_cast<size_t>(f)].data.size() + 15) / 16);
  }
  // From the first beat in to the last beat out: the pipeline's fill is paid once.
  const double tx_span = static_cast<double>(wtx.back().last_cycle - c0 + 1);
  const double rx_span = static_cast<double>(hrx.back().last_cycle - c0 + 1);
  wtx.clear();
  hrx.clear();
  return {static_cast<double>(tx_busy) / tx_span, static_cast<double>(rx_busy) / rx_span, cycles, wall};
}

// The same duplex load with every frame checked: the reference model predicts each frame's
// output (OpenSSL AES-GCM, the ESP rules) and every frame that leaves is compared with it,
// byte for byte, then the 14 counters. Returns clocks per second, all of it counted.
double run_checked(Rig& rig, int frames) {
  const auto t0 = std::chrono::steady_clock::now();
  CounterCheck counters(rig);
  std::deque<Bytes> want_wire, want_host;
  const uint64_t c0 = rig.sim.cycles();
  for (int f = 0; f < frames; ++f) {
    const Bytes h = rig.host_frame(f, 1500, 100000 + static_cast<uint64_t>(f));
    const Bytes w = rig.wire_frame(f, 1500, 100000 + static_cast<uint64_t>(f));
    const model::FrameResult rt = rig.model.host_tx(h);
    const model::FrameResult rr = rig.model.wire_rx(w);
    if (rt.out) want_wire.push_back(*rt.out);
    if (rr.out) want_host.push_back(*rr.out);
    rig.sim.host_tx(h);
    rig.sim.wire_rx(w, false, rx_gap(w, rr.out));
  }
  rig.sim.run();
  // To the last beat out, as run_duplex counts.
  const uint64_t last = std::max(rig.sim.wire_tx().empty() ? c0 : rig.sim.wire_tx().back().last_cycle,
                                 rig.sim.host_rx().empty() ? c0 : rig.sim.host_rx().back().last_cycle);
  compare_frames(rig.sim.wire_tx(), want_wire, "checked run: wire TX");
  compare_frames(rig.sim.host_rx(), want_host, "checked run: host RX");
  rig.sim.wire_tx().clear();
  rig.sim.host_rx().clear();
  counters.finish("checked run");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(last - c0 + 1) / wall;
}

// 1,000 SAs added back to back on a fresh engine through the asynchronous command path:
// up to 8 in flight, completions taken on the interrupt (testbench/driver/pipelined_adds.h,
// the same code as the transport test that bounds it).
double pipelined_cycles_per_sa() {
  sim::EngineSim sim{sim::EngineSimOptions{}};
  driver::IpsecDevice dev(sim.bus());
  if (!dev.probe().ok()) throw std::runtime_error("probe failed");
  return tb::add_pipelined(dev, 1000).cycles_per_sa();
}

// One direction of the whole engine alone: back-to-back frames of one size (0: IMIX), a
// different SA on every frame, no stalls; the figures of the unit benches (tx, rx), with the
// same definitions, through sa_table and everything around the datapaths.
void measure_engine_direction(Rig& rig, bool rx, size_t size, Section& s, uint64_t& seq) {
  const std::string k = (rx ? "rx." : "tx.") + size_key(size);
  std::mt19937_64 rng(1);
  // IMIX: TX as the unit bench (64, 594, 1518 at 7:4:1, metadata included); RX as its unit
  // bench, 60 bytes raised to the smallest ESP frame.
  static constexpr size_t kRxImix[12] = {60, 590, 60, 1514, 60, 590, 60, 60, 590, 60, 590, 60};
  auto size_of = [&](size_t i) {
    if (!rx) return size ? size : tb::imix_frame_size(rng);
    return std::max(Rig::kSmallestRxFrame, size ? size : kRxImix[i % 12]);
  };
  rig.sim.record_inputs(true);
  CounterCheck counters(rig);
  std::deque<Bytes> want;
  std::vector<size_t> in_bytes;
  size_t beats = 0;
  // As many frames as the unit benches: TX by count, RX until 30,000 beats.
  const size_t tx_frames = size == 9000 ? 200 : size == 0 ? 2000 : 1000;
  for (size_t i = 0; rx ? beats < 30000 : i < tx_frames; ++i) {
    const int flow = static_cast<int>(i % kSas);
    const Bytes f = rx ? rig.wire_frame_of_size(flow, size_of(i), ++seq) : rig.host_frame(flow, size_of(i), ++seq);
    const model::FrameResult r = rx ? rig.model.wire_rx(f) : rig.model.host_tx(f);
    if (r.fate != model::Fate::kOut) throw std::logic_error("engine." + k + ": the model does not offload a frame");
    want.push_back(*r.out);
    in_bytes.push_back(f.size());
    beats += (f.size() + 15) / 16;
    if (rx) {
      rig.sim.wire_rx(f, false, rx_gap(f, r.out));
    } else {
      rig.sim.host_tx(f);
    }
  }
  rig.sim.run();
  rig.sim.record_inputs(false);
  auto& ins = rx ? rig.sim.wire_rx_in() : rig.sim.host_tx_in();
  auto& outs = rx ? rig.sim.host_rx() : rig.sim.wire_tx();
  compare_frames(outs, want, "engine." + k);
  const std::vector<uint64_t> moved = counters.finish("engine." + k);
  if (ins.size() != outs.size()) throw std::logic_error("engine." + k + ": frames in and out do not pair");
  const size_t n = outs.size();
  auto beats_of = [](size_t bytes) { return static_cast<uint64_t>((bytes + 15) / 16); };
  uint64_t busy = 0, bytes = 0;
  double span = 0;
  if (rx) {
    // As the unit: after the first frame has left (store and forward holds it back by its
    // own length), every later clock belongs to a later frame.
    for (size_t i = 1; i < n; ++i) {
      busy += std::max(beats_of(in_bytes[i]), beats_of(outs[i].data.size()));
      bytes += in_bytes[i];
    }
    span = static_cast<double>(outs.back().last_cycle - outs.front().last_cycle);
  } else {
    // As the unit: first beat out to last beat out, every frame.
    for (size_t i = 0; i < n; ++i) {
      busy += std::max(beats_of(in_bytes[i]), beats_of(outs[i].data.size()));
      bytes += outs[i].data.size();
    }
    span = static_cast<double>(outs.back().last_cycle - outs.front().first_cycle + 1);
  }
  // Both directions store and forward (docs/architecture.md), so latency is counted from a
  // frame's last beat in; first beat in to first beat out grows with the frame's length.
  tb::LatencyStats lat, first;
  for (size_t i = 0; i < n; ++i) {
    lat.add(outs[i].first_cycle - ins[i].last_cycle);
    first.add(outs[i].first_cycle - ins[i].first_cycle);
  }
  if (rx) {
    s.figures.push_back({k + ".frame_bytes", static_cast<double>(size_of(0)),
                         size ? "bytes of every frame (64: the smallest ESP frame)"
                              : "bytes of IMIX's small frames (the smallest ESP frame), with 590 and 1514"});
    const double decrypted = static_cast<double>(moved[static_cast<size_t>(driver::HwCounter::kDecOutPackets)]);
    s.figures.push_back({k + ".esp_fraction", decrypted / static_cast<double>(n),
                         "frames decrypted (ipsec_dec_out_packets) / frames (1.0: all ESP)"});
  }
  s.figures.push_back({k + ".bus_utilization", static_cast<double>(busy) / span, "busy beats per clock (limit 1)"});
  s.figures.push_back({k + ".wire_bytes_per_cycle", static_cast<double>(bytes) / span, "bytes per clock (limit 16)"});
  s.figures.push_back({k + ".latency_cycles", lat.max_cycles(), "clocks, last beat in to first out, worst frame"});
  s.figures.push_back({k + ".latency_min_cycles", lat.min_cycles(), "clocks, the same, best frame"});
  s.figures.push_back({k + ".latency_mean_cycles", lat.mean_cycles(), "clocks, the same, mean over frames"});
  s.figures.push_back({k + ".latency_first_cycles", first.max_cycles(),
                       "clocks, first beat in to first out, worst frame"});
  s.figures.push_back({k + ".latency_first_min_cycles", first.min_cycles(), "clocks, the same, best frame"});
  ins.clear();
  outs.clear();
}

}  // namespace

// The same figures with packet-offload SAs on the packet-offload build: each direction per
// frame size, and a different SA on every frame. Sequence numbers rise across the runs, as
// each RX packet SA's replay window wants them.
std::vector<Section> bench_engine_packet() {
  Rig rig(true);
  std::vector<Section> out;
  Section engine{"engine_pkt", {}};
  uint64_t seq = 1000;
  for (bool rx : {false, true}) {
    for (size_t size : kFrameSizes) measure_engine_direction(rig, rx, size, engine, seq);
  }
  out.push_back(std::move(engine));
  const Load sw = run_duplex(rig, 64, 72, 6000, "sa_switch_pkt", seq + 1);
  out.push_back({"sa_switch_pkt",
                 {{"tx_bus_utilization", sw.tx_util, "64-byte frames of packet SAs, each through another SA"},
                  {"rx_bus_utilization", sw.rx_util, "72-byte ESP frames to packet SAs, each through another SA"}}});
  return out;
}

Section bench_sim_speed(int frames, int runs) {
  Rig rig;
  double speed = 0, cycles = 0;
  for (int i = 0; i < runs; ++i) {
    const Load l = run_duplex(rig, 1500, 1500, frames, "sim_speed");
    speed = std::max(speed, l.cycles / l.wall);
    cycles += l.cycles;
  }
  return {"sim",
          {{"cycles_per_second", speed,
            "wall time: whole engine, both directions loaded, no tracing (best of " + std::to_string(runs) + ")"},
           {"cycles", cycles, "clocks simulated in the timed runs (" + std::to_string(frames) +
                                  " frames each way per run)"}}};
}

std::vector<Section> bench_engine() {
  Rig rig;
  std::vector<Section> out;
  Section engine{"engine", {}};
  uint64_t seq = 1000000;  // above every other run's sequence numbers
  for (bool rx : {false, true}) {
    for (size_t size : kFrameSizes) measure_engine_direction(rig, rx, size, engine, seq);
  }
  out.push_back(std::move(engine));
  const Load duplex = run_duplex(rig, 1500, 1500, 1500, "duplex");
  out.push_back({"duplex",
                 {{"tx_bus_utilization", duplex.tx_util, "busy beats per clock, TX while RX is loaded"},
                  {"rx_bus_utilization", duplex.rx_util, "busy beats per clock, RX while TX is loaded"}}});
  const Load sw = run_duplex(rig, 64, 72, 6000, "sa_switch");
  out.push_back({"sa_switch",
                 {{"tx_bus_utilization", sw.tx_util, "64-byte frames, each through another SA"},
                  {"rx_bus_utilization", sw.rx_util, "72-byte ESP frames, each through another SA"}}});
  out.push_back({"sa_add",
                 {{"register_writes", static_cast<double>(rig.add_writes), "one ADD_SA_V2, driver over AXI4-Lite"},
                  {"cycles", static_cast<double>(rig.add_cycles), "clocks, first write to response popped"},
                  {"pipelined_cycles_per_sa", pipelined_cycles_per_sa(),
                   "clocks per SA, 1,000 ADDs back to back through the async path (<= 150)"}}});
  // Wall-clock speed: the best of three runs of the same load (a shared host's other work
  // only ever slows a run down).
  double speed = duplex.cycles / duplex.wall;
  for (int i = 0; i < 2; ++i) {
    const Load again = run_duplex(rig, 1500, 1500, 1500, "duplex");
    speed = std::max(speed, again.cycles / again.wall);
  }
  // Tracing: the same load, shorter, with a VCD at the demo's depth and at full depth; and
  // an FST as ipsec-sim --fst writes one, a VCD converted by GTKWave's vcd2fst (the
  // conversion's wall time counted in).
  namespace fs = std::filesystem;
  const std::string vcd = (fs::temp_directory_path() / "ipsec-bench-trace.vcd").string();
  const std::string fst = (fs::temp_directory_path() / "ipsec-bench-trace.fst").string();
  struct Traced {
    double speed;           // clocks per second, tracing (and converting) included
    double bytes_per_clock;
  };
  auto traced_once = [&](int depth, bool to_fst) {
    Rig r;
    r.sim.open_vcd(vcd, depth);
    const Load l = run_duplex(r, 1500, 1500, 60, "traced");
    const auto t0 = std::chrono::steady_clock::now();
    r.sim.close_trace();
    double wall = l.wall + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string file = vcd;
    if (to_fst) {
      const auto t1 = std::chrono::steady_clock::now();
      const std::string cmd = "vcd2fst '" + vcd + "' '" + fst + "' > /dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("vcd2fst failed on " + vcd);
      wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      file = fst;
    }
    const Traced t{l.cycles / wall, static_cast<double>(fs::file_size(file)) / l.cycles};
    fs::remove(vcd);
    fs::remove(fst);
    return t;
  };
  // Best of three, as the speed without tracing it is divided by: one slow run of either
  // would make the ratio say more about the host than about tracing.
  auto traced = [&](int depth, bool to_fst) {
    Traced best{0, 0};
    for (int run = 0; run < 3; ++run) {
      const Traced t = traced_once(depth, to_fst);
      if (t.speed > best.speed) best = t;
    }
    return best;
  };
  double checked = 0;
  for (int i = 0; i < 3; ++i) checked = std::max(checked, run_checked(rig, 1500));
  // The baseline of the slowdowns: the traced load without tracing, best of three.
  double base = 0;
  for (int i = 0; i < 3; ++i) {
    const Load plain = run_duplex(rig, 1500, 1500, 60, "untraced");
    base = std::max(base, plain.cycles / plain.wall);
  }
  const Traced vcd3 = traced(3, false), vcd99 = traced(99, false);
  Section sim{"sim",
              {{"cycles_per_second", speed,
                "wall time: whole engine, both directions loaded, no tracing (best of 3)"},
               {"checked_cycles_per_second", checked,
                "wall time: the same load, every frame and counter checked against the model (best of 3)"},
               {"checked_fraction", checked / speed,
                "checked speed / unchecked speed (target >= 0.5)"},
               {"vcd_slowdown", base / vcd3.speed, "wall time: VCD at the demo's depth (3) vs none, each best of 3"},
               {"vcd_full_slowdown", base / vcd99.speed, "wall time: VCD of every signal vs none, each best of 3"}}};
  const bool have_vcd2fst = std::system("command -v vcd2fst > /dev/null 2>&1") == 0;
  if (have_vcd2fst) {
    const Traced fst3 = traced(3, true), fst99 = traced(99, true);
    sim.figures.push_back({"fst_slowdown", base / fst3.speed,
                           "wall time: VCD at depth 3 + vcd2fst (ipsec-sim --fst) vs none, each best of 3"});
    sim.figures.push_back({"fst_full_slowdown", base / fst99.speed,
                           "wall time: VCD of every signal + vcd2fst vs none, each best of 3"});
    sim.figures.push_back({"vcd_bytes_per_cycle", vcd3.bytes_per_clock, "bytes of VCD per clock, depth 3"});
    sim.figures.push_back({"vcd_full_bytes_per_cycle", vcd99.bytes_per_clock, "bytes of VCD per clock, every signal"});
    sim.figures.push_back({"fst_bytes_per_cycle", fst3.bytes_per_clock, "bytes of FST per clock, depth 3"});
    sim.figures.push_back({"fst_full_bytes_per_cycle", fst99.bytes_per_clock, "bytes of FST per clock, every signal"});
  } else {
    const std::string note = "absent: vcd2fst not found (Debian package gtkwave; scripts/install-deps)";
    std::fprintf(stderr, "ipsec-bench: sim.fst_slowdown %s\n", note.c_str());
    sim.figures.push_back({"fst_slowdown", std::nan(""), note});
    sim.figures.push_back({"fst_full_slowdown", std::nan(""), note});
    sim.figures.push_back({"vcd_bytes_per_cycle", vcd3.bytes_per_clock, "bytes of VCD per clock, depth 3"});
    sim.figures.push_back({"vcd_full_bytes_per_cycle", vcd99.bytes_per_clock, "bytes of VCD per clock, every signal"});
  }
  out.push_back(std::move(sim));
  return out;
}

}  // namespace ipsec::bench
