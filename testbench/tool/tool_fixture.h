// Named stimulus for the tool's tests: a host (engine model, driver, xfrm stack), states and
// policies as `ip xfrm` builds them, temporary directories, scripts run from text.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bytes.h"
#include "ctrl_model.h"
#include "datapath.h"
#include "ipsec_device.h"
#include "model_engine.h"
#include "sample_traffic.h"
#include "scenario.h"
#include "xfrm_stack.h"

namespace ipsec::tb::tool {

namespace drv = ipsec::driver;
namespace xf = ipsec::xfrm;
namespace tl = ipsec::tool;
namespace smp = ipsec::tool::samples;
using Bytes = std::vector<uint8_t>;

// The wall clock of every test: 2023-11-14 22:13:20 UTC, printed in UTC.
inline constexpr uint64_t kTestTime = 1700000000;
inline uint64_t test_clock() {
  static const bool utc = [] {
    setenv("TZ", "UTC", 1);
    tzset();
    return true;
  }();
  (void)utc;
  return kTestTime;
}

inline xf::StackOptions stack_options(uint64_t seed = 3, uint32_t mtu = 1500) {
  xf::StackOptions o;
  o.seed = seed;
  o.mtu = mtu;
  o.clock = test_clock;
  return o;
}

inline drv::IpAddress addr(const std::string& text) {
  const std::optional<drv::IpAddress> a = drv::IpAddress::parse(text);
  REQUIRE_MESSAGE(a.has_value(), text);
  return *a;
}

enum class Offload { kNone, kOut, kIn };

// `ip xfrm state add src S dst D proto esp spi SPI reqid R mode M aead 'rfc4106(gcm(aes))'
// KEY 128 [replay-window W] [flag esn] [offload dev eth0 dir in|out]`.
struct StateSpec {
  std::string src = smp::kHost;
  std::string dst = smp::kPeer;
  uint32_t spi = smp::kSpiOut;
  const char* key = smp::kKeyOut;
  bool tunnel = false;
  uint32_t reqid = 0;
  Offload offload = Offload::kNone;
  uint32_t replay_window = 0;
  bool esn = false;
  drv::XfrmReplayState replay;
  uint32_t icv_bits = 128;
};

inline drv::XfrmState make_state(const StateSpec& s) {
  drv::XfrmState x = smp::esp_state(s.src, s.dst, s.spi, s.key, s.tunnel);
  x.reqid = s.reqid;
  x.replay_window = s.replay_window;
  x.flag_esn = s.esn;
  x.replay = s.replay;
  if (s.icv_bits != 128) {
    x.aead.reset();
    REQUIRE(x.attach_aead({drv::kAeadRfc4106Gcm, smp::key_material(s.key), s.icv_bits}).ok());
  }
  if (s.offload != Offload::kNone) {
    x.offload =
        drv::XfrmOffloadRequest{"eth0", s.offload == Offload::kIn ? drv::OffloadDirection::kIn
                                                                  : drv::OffloadDirection::kOut};
  }
  return x;
}

inline drv::XfrmSelector make_selector(const std::string& src, const std::string& dst,
                                       uint8_t proto = 0) {
  drv::XfrmSelector sel;
  auto parse = [](const std::string& p, drv::IpAddress& a, uint8_t& len) {
    const size_t slash = p.find('/');
    a = addr(p.substr(0, slash));
    len = static_cast<uint8_t>(slash == std::string::npos ? (a.is_v4() ? 32 : 128)
                                                          : std::stoi(p.substr(slash + 1)));
  };
  parse(src, sel.saddr, sel.prefixlen_s);
  parse(dst, sel.daddr, sel.prefixlen_d);
  sel.proto = proto;
  return sel;
}

// `ip xfrm policy add src SEL dst SEL dir DIR tmpl src S dst D proto esp reqid R mode M`.
inline xf::XfrmPolicy make_policy(const std::string& sel_src, const std::string& sel_dst,
                                  xf::PolicyDir dir, const std::string& tmpl_src,
                                  const std::string& tmpl_dst, bool tunnel = false,
                                  uint32_t reqid = 0) {
  xf::XfrmPolicy p;
  p.sel = make_selector(sel_src, sel_dst);
  p.dir = dir;
  xf::XfrmTmpl t;
  if (!tmpl_src.empty()) t.saddr = addr(tmpl_src);
  if (!tmpl_dst.empty()) t.daddr = addr(tmpl_dst);
  t.mode = tunnel ? drv::XfrmMode::kTunnel : drv::XfrmMode::kTransport;
  t.reqid = reqid;
  p.tmpls.push_back(t);
  return p;
}

// One simulated host: an engine, the driver probed on it, the stack. `Engine` is an
// EnginePort: the reference model (ModelHost), or the Verilated RTL in the suites that run
// on it (test_packet_offload.cpp); `engine_args` make it.
template <class Engine>
struct EngineHost {
  template <class... EngineArgs>
  explicit EngineHost(uint64_t seed, uint32_t mtu, EngineArgs&&... engine_args)
      : engine(std::forward<EngineArgs>(engine_args)...),
        device(engine.bus(), device_options(seed)),
        stack(&device, stack_options(seed, mtu)) {
    device.set_observer(
        [this](const drv::BusTransfer& t) { log.push_back(drv::format_cmd_log(t)); });
    const drv::Status s = device.probe();
    REQUIRE_MESSAGE(s.ok(), s.to_string());
  }
  static drv::DeviceOptions device_options(uint64_t seed) {
    drv::DeviceOptions o;
    o.seq_iv = drv::seeded_seq_iv(seed);
    return o;
  }

  void add(const drv::XfrmState& x) {
    const xf::AddStateResult r = stack.add_state(x);
    REQUIRE_MESSAGE(r.status.ok(), r.status.to_string());
  }
  void add(const xf::XfrmPolicy& p) { REQUIRE(stack.policies().add(p).ok()); }

  // Frames the host sends, out of the engine onto the wire.
  std::vector<Bytes> to_wire(const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) {
      for (const Bytes& out : stack.transmit(f)) engine.host_tx(out);
    }
    engine.run();
    std::vector<Bytes> out;
    for (tl::PortFrame& f : engine.take_wire_tx()) out.push_back(std::move(f.data));
    return out;
  }
  std::vector<Bytes> to_wire(const Bytes& frame) { return to_wire(std::vector<Bytes>{frame}); }

  // Frames from the wire, through the engine and the stack: what the host delivers.
  std::vector<Bytes> from_wire(const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) engine.wire_rx(f, false);
    engine.run();
    std::vector<Bytes> delivered;
    for (const tl::PortFrame& raw : engine.take_host_rx()) {
      if (std::optional<Bytes> d = stack.receive(raw.data)) delivered.push_back(std::move(*d));
    }
    // The driver's work queue runs before the next batch arrives: the ESN updates
    // (MOD_SA_V2) the received frames asked for reach the device.
    device.settle();
    return delivered;
  }
  std::vector<Bytes> from_wire(const Bytes& frame) { return from_wire(std::vector<Bytes>{frame}); }

  // A hardware counter as `ethtool -S` names it, read through the driver: any engine.
  uint64_t counter_named(const std::string& name) {
    const drv::StatusOr<std::vector<drv::EthtoolStat>> stats = device.ethtool_stats();
    REQUIRE_MESSAGE(stats.ok(), stats.status().to_string());
    for (const drv::EthtoolStat& s : stats.value()) {
      if (s.name == name) return s.value;
    }
    FAIL("no counter " << name);
    return 0;
  }
  size_t commands(const std::string& opcode) const {
    size_t n = 0;
    for (const std::string& l : log) n += l.rfind("cmd " + opcode + " ", 0) == 0;
    return n;
  }

  Engine engine;
  drv::IpsecDevice device;
  xf::XfrmStack stack;
  std::vector<std::string> log;
};

// A host on the reference model.
struct ModelHost : EngineHost<tl::ModelEngine> {
  explicit ModelHost(model::CtrlModelConfig ctrl = {}, uint64_t seed = 3, uint32_t mtu = 1500)
      : EngineHost(seed, mtu, tl::EngineConfig{}, ctrl) {}
  uint64_t counter(model::CtrlCounter c) const { return engine.ctrl().counter(c); }
};

// A software-only host (no device): the peer on the other end of the wire.
struct SoftwareHost {
  SoftwareHost() : stack(nullptr, stack_options(11)) {}
  void add(const drv::XfrmState& x) {
    const xf::AddStateResult r = stack.add_state(x);
    REQUIRE_MESSAGE(r.status.ok(), r.status.to_string());
  }
  void add(const xf::XfrmPolicy& p) { REQUIRE(stack.policies().add(p).ok()); }
  xf::XfrmStack stack;
};

// A frame from the host to the peer (or back, with to_peer false).
inline Bytes host_frame(uint8_t proto, size_t size, bool to_peer = true, uint16_t id = 1) {
  smp::PacketSpec s;
  if (!to_peer) {
    s.src = smp::kPeer;
    s.dst = smp::kHost;
  }
  s.proto = proto;
  s.ipv4_id = id;
  return smp::frame_of_size(s, size, to_peer);
}

inline std::string describe_diff(const Bytes& got, const Bytes& want) {
  return first_difference(got, want);
}

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/ipsec-tool-test-XXXXXX";
    const char* p = mkdtemp(templ);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
  }

 private:
  std::string path_;
};

struct ScriptResult {
  int rc = 0;
  std::string out;
  std::string err;
};

inline tl::RunnerOptions runner_options() {
  tl::RunnerOptions o;
  o.clock = test_clock;
  return o;
}

// Runs `text` as the script `name` in `dir` (relative pcap paths there too).
inline ScriptResult run_text(const TempDir& dir, const std::string& text,
                             tl::RunnerOptions options = runner_options(),
                             const std::string& name = "test.ipsec") {
  dir.write(name, text);
  if (options.data_dir.empty()) options.data_dir = dir.path();
  std::ostringstream out, err;
  ScriptResult r;
  r.rc = tl::run_script(dir.file(name), options, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace ipsec::tb::tool
