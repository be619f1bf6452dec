#include "scenario.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine_clock.h"
#include "ip_xfrm_command.h"
#include "model_engine.h"
#include "print_formats.h"
#include "reg_trace.h"

namespace ipsec::tool {

namespace {


const char* const kCaptureKinds[] = {"wire", "host", "host-raw"};
const char* const kSimCounters[] = {"sim_host_tx_frames", "sim_wire_rx_frames",
                                    "sim_wire_tx_frames", "sim_host_rx_frames",
                                    "sim_host_delivered_frames"};
const char* const kStateFields[] = {"packets", "bytes", "replay", "replay-window",
                                    "failed",  "seq",   "oseq"};
const char* const kOps[] = {"==", "!=", "<", "<=", ">", ">="};

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

template <size_t N>
bool one_of(const std::string& w, const char* const (&list)[N]) {
  for (const char* x : list) {
    if (w == x) return true;
  }
  return false;
}

// spi:SPI:FIELD
bool split_state_counter(const std::string& name, uint32_t& spi, std::string& field) {
  if (name.compare(0, 4, "spi:") != 0) return false;
  const size_t colon = name.find(':', 4);
  if (colon == std::string::npos) return false;
  field = name.substr(colon + 1);
  return parse_u32(name.substr(4, colon - 4), spi) && one_of(field, kStateFields);
}

bool known_counter(const std::string& name) {
  for (const char* n : driver::kHwCounterNames) {
    if (name == n) return true;
  }
  for (const char* n : driver::kSwCounterNames) {
    if (name == n) return true;
  }
  for (const char* n : xfrm::xfrm_mib_names()) {
    if (name == n) return true;
  }
  for (const char* n : xfrm::ip_frag_counter_names()) {
    if (name == n) return true;
  }
  uint32_t spi = 0;
  std::string field;
  return one_of(name, kSimCounters) || split_state_counter(name, spi, field);
}

// The shape of every command but `ip` (parsed in full) and `!`: the runner's usage message,
// or empty.
std::string shape_error(const std::vector<std::string>& w) {
  const std::string& c = w[0];
  if (c == "ethtool") {
    if (w.size() != 3 || (w[1] != "-S" && w[1] != "--statistics")) {
      return "ethtool: bad command line argument(s): this simulator knows `ethtool -S DEV`";
    }
    return "";
  }
  if (c == "send") {
    if (w.size() != 3 || (w[1] != "host" && w[1] != "wire")) {
      return "usage: send host|wire FILE.pcap";
    }
    return "";
  }
  if (c == "capture") {
    if (w.size() != 3 || !one_of(w[1], kCaptureKinds)) {
      return "usage: capture wire|host|host-raw FILE.pcap";
    }
    return "";
  }
  if (c == "run") return w.size() == 1 ? "" : "usage: run (no arguments)";
  if (c == "settle") return w.size() == 1 ? "" : "usage: settle (no arguments)";
  if (c == "dmesg") {
    return w.size() == 1 || (w.size() == 2 && w[1] == "-c") ? "" : "usage: dmesg [-c]";
  }
  if (c == "expect") {
    if (w.size() != 4) return "usage: expect COUNTER OP VALUE (OP: == != < <= > >=)";
    if (!known_counter(w[1])) {
      return "unknown counter \"" + w[1] +
             "\": expect takes an ethtool -S name, a /proc/net/xfrm_stat name, Ip[6]Frag* "
             "(OKs, Fails, Creates), sim_*_frames or spi:SPI:FIELD";
    }
    if (!one_of(w[2], kOps)) return "unknown comparison \"" + w[2] + "\": == != < <= > >=";
    uint64_t v = 0;
    if (!parse_u64(w[3], v)) return "\"" + w[3] + "\" is not a number";
    return "";
  }
  if (c == "ip") return "";
  if (c == "fault") return sim::check_fault_command(w);
  return "unknown command \"" + c + "\"";
}

bool compare(uint64_t a, const std::string& op, uint64_t b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

// `ip link set [dev] DEV mtu N` as iproute2 6.2 (ip/iplink.c iplink_parse) parses it; the
// MTU is what the link can take. Throws IpUsageError with iproute2's or the kernel's words.
constexpr uint32_t kEthMinMtu = 68;     // ETH_MIN_MTU
constexpr uint32_t kMlx5MaxMtu = 9978;  // mlx5e's max_mtu: the port's 10000 less L2 headers

bool is_ip_link(const std::vector<std::string>& w) {
  size_t i = 1;
  while (i < w.size() && w[i].size() > 1 && w[i][0] == '-') ++i;
  if (i >= w.size() || w[i].empty()) return false;
  const std::string link = "link";
  return w[i].size() <= link.size() && link.compare(0, w[i].size(), w[i]) == 0;
}

struct LinkSet {
  std::string dev;
  uint32_t mtu = 0;
};

LinkSet parse_ip_link_set(const std::vector<std::string>& w, const std::string& device) {
  size_t i = 1;
  while (i < w.size() && w[i].size() > 1 && w[i][0] == '-') ++i;
  ++i;  // "link"
  const std::string set = "set";
  if (i >= w.size() || w[i].size() > set.size() || set.compare(0, w[i].size(), w[i]) != 0) {
    throw IpUsageError("this simulator knows `ip link set [dev] DEV mtu N` of ip link");
  }
  LinkSet out;
  bool mtu = false;
  for (++i; i < w.size(); ++i) {
    const std::string& a = w[i];
    if (a == "mtu") {
      if (i + 1 >= w.size()) throw IpUsageError("Command line is not complete. Try option \"help\"");
      const std::string& v = w[++i];
      if (mtu) throw IpUsageError("Error: duplicate \"mtu\": \"" + v + "\" is the second value.");
      if (!parse_u32(v, out.mtu) || out.mtu > INT32_MAX) {
        throw IpUsageError("Error: argument \"" + v + "\" is wrong: Invalid \"mtu\" value\n");
      }
      mtu = true;
    } else if (a == "dev" || out.dev.empty()) {
      if (a == "dev") {
        if (i + 1 >= w.size()) throw IpUsageError("Command line is not complete. Try option \"help\"");
        ++i;
      }
      if (!out.dev.empty()) {
        throw IpUsageError("Error: duplicate \"dev\": \"" + w[i] + "\" is the second value.");
      }
      out.dev = w[i];
    } else {
      throw IpUsageError("\"" + a + "\" of ip link set is not supported by this simulator");
    }
  }
  if (out.dev.empty()) throw IpUsageError("Not enough information: \"dev\" argument is required.");
  if (!mtu) throw IpUsageError("this simulator knows `ip link set [dev] DEV mtu N` of ip link");
  if (out.dev != device) throw IpUsageError("Cannot find device \"" + out.dev + "\"");
  return out;
}

uint64_t wall_clock(const RunnerOptions& o) {
  return o.clock ? o.clock() : static_cast<uint64_t>(std::time(nullptr));
}

std::unique_ptr<EnginePort> make_port(const RunnerOptions& o) {
  EngineConfig config;
  config.seed = o.seed;
  config.stall_percent = o.stall_percent;
  if (o.make_engine) return o.make_engine(config);
  return std::make_unique<ModelEngine>(config);
}

}  // namespace

// ---- Outcome -----------------------------------------------------------------------------

struct Scenario::Outcome {
  bool ok = true;
  std::vector<std::string> messages;  // what went wrong
  std::vector<std::string> notes;     // worth knowing, not a failure

  static Outcome fail(std::string message) {
    Outcome o;
    o.ok = false;
    o.messages.push_back(std::move(message));
    return o;
  }
};

std::string format_run_stats(const RunStats& s) {
  char text[256];
  const double khz = s.wall_seconds > 0 ? static_cast<double>(s.cycles) / s.wall_seconds / 1e3 : 0;
  std::snprintf(text, sizeof text,
                "ipsec-sim: %llu cycles, frames host-tx %llu wire-tx %llu wire-rx %llu host-rx "
                "%llu delivered %llu, %.3f s, %.1f kHz simulated",
                static_cast<unsigned long long>(s.cycles),
                static_cast<unsigned long long>(s.host_tx_frames),
                static_cast<unsigned long long>(s.wire_tx_frames),
                static_cast<unsigned long long>(s.wire_rx_frames),
                static_cast<unsigned long long>(s.host_rx_frames),
                static_cast<unsigned long long>(s.delivered_frames), s.wall_seconds, khz);
  return text;
}

// ---- Scenario ----------------------------------------------------------------------------

Scenario::Scenario(EnginePort& port, RunnerOptions options, std::ostream& out, std::ostream& err)
    : port_(port),
      options_(std::move(options)),
      out_(out),
      err_(err),
      started_(std::chrono::steady_clock::now()) {
  driver::DeviceOptions dev;
  dev.name = options_.dev;
  dev.seq_iv = driver::seeded_seq_iv(options_.seed);
  dev.kernel_log = &kernel_log_;
  dev.driver = options_.driver;
  faults_ = std::make_unique<sim::FaultInjector>(port_.bus());
  driver::RegisterBus* bus = faults_.get();
  if (options_.reg_log) {
    auto log = options_.reg_log;
    auto trace = std::make_unique<sim::RegTrace>(
        *faults_, [log](const sim::RegAccess& a) { log(sim::format_reg_access(a)); });
    faults_->set_observer([t = trace.get()](const std::string& what) { t->annotate(what); });
    reg_trace_ = std::move(trace);
    bus = reg_trace_.get();
  }
  device_ = std::make_unique<driver::IpsecDevice>(*bus, dev);
  if (options_.cmd_log) {
    auto log = options_.cmd_log;
    device_->set_observer([log](const driver::BusTransfer& t) { log(driver::format_cmd_log(t)); });
  }
  xfrm::StackOptions so;
  so.mtu = options_.mtu;
  so.seed = options_.seed;
  so.clock = options_.clock;
  stack_ = std::make_unique<xfrm::XfrmStack>(device_.get(), so);
  time_base_ns_ = wall_clock(options_) * 1000000000ull;
}

Scenario::~Scenario() = default;

bool Scenario::start(const std::string& where) {
  const driver::Status s = device_->probe();
  if (!s.ok()) {
    err_ << where << ": " << options_.dev << ": probe failed: " << s.to_string() << "\n";
    return false;
  }
  return true;
}

std::string Scenario::check(const std::vector<std::string>& words) const {
  if (words.empty() || words[0] == "!") return "";
  if (words[0] == "ip") {
    try {
      if (is_ip_link(words)) {
        (void)parse_ip_link_set(words, options_.dev);
        return "";
      }
      (void)parse_ip_command(words, options_.dev);
    } catch (const IpUsageError& e) {
      return e.what();
    }
    return "";
  }
  return shape_error(words);
}

std::string Scenario::resolve(const std::string& path) const {
  if (options_.data_dir.empty() || path.empty() || path[0] == '/') return path;
  return options_.data_dir + "/" + path;
}

bool Scenario::execute(const ScriptCommand& cmd, const std::string& where) {
  const std::string at = where + ":" + std::to_string(cmd.line) + ": ";
  const std::vector<std::string>& w = cmd.words;
  if (w.empty()) return true;
  if (w[0] == "!") {
    if (w.size() == 1 || w[1] == "!") {
      err_ << at << "\"!\" takes one command that must fail\n";
      return false;
    }
    const std::vector<std::string> inner(w.begin() + 1, w.end());
    const Outcome o = dispatch(inner);
    print_expires();
    if (o.ok) {
      err_ << at << "expected to fail, but succeeded: " << join(inner) << "\n";
      return false;
    }
    if (!options_.quiet) {
      for (const std::string& m : o.messages) out_ << at << "fails as expected: " << m << "\n";
    }
    return true;
  }
  const Outcome o = dispatch(w);
  print_expires();
  if (!options_.quiet) {
    for (const std::string& n : o.notes) out_ << at << "note: " << n << "\n";
  }
  for (const std::string& m : o.messages) err_ << at << m << "\n";
  return o.ok;
}

void Scenario::print_expires() {
  for (const xfrm::KmExpire& e : stack_->take_expires()) {
    // iproute2's __do_xfrm_state_print for XFRM_MSG_EXPIRE.
    if (monitor_expire_) {
      out_ << "Expired " << format_state(e.state, options_.dev, 0) << "\thard "
           << (e.hard ? 1 : 0) << "\n";
    }
  }
}

Scenario::Outcome Scenario::dispatch(const std::vector<std::string>& w) {
  try {
    if (w[0] == "ip") return do_ip(w);
    if (const std::string e = shape_error(w); !e.empty()) return Outcome::fail(e);
    if (w[0] == "ethtool") return do_ethtool(w);
    if (w[0] == "send") return do_send(w);
    if (w[0] == "capture") return do_capture(w);
    if (w[0] == "expect") return do_expect(w);
    if (w[0] == "dmesg") return do_dmesg(w);
    if (w[0] == "settle") {
      settle();
      return Outcome{};
    }
    if (w[0] == "fault") {
      const std::string e = sim::apply_fault_command(*faults_, w);
      return e.empty() ? Outcome{} : Outcome::fail(e);
    }
    settle();  // "run"
    run_engine();
    return Outcome{};
  } catch (const IpUsageError& e) {
    return Outcome::fail(e.what());
  } catch (const PcapError& e) {
    return Outcome::fail(e.what());
  } catch (const std::exception& e) {
    ++internal_errors_;
    return Outcome::fail(std::string("internal error: ") + e.what());
  }
}

Scenario::Outcome Scenario::do_ip(const std::vector<std::string>& words) {
  if (is_ip_link(words)) return do_ip_link(words);
  const IpXfrmCommand c = parse_ip_command(words, options_.dev);
  const std::string& dev = options_.dev;
  auto netlink_error = [](const driver::Status& s) {
    return "RTNETLINK answers: " + driver::errno_text(s.code());
  };
  // iproute2's nl_dump_ext_ack: an extended ack is printed in place of the errno, with a
  // full stop added when it has none.
  auto extack_error = [](const std::string& extack) {
    return "Error: " + extack + (extack.empty() || extack.back() != '.' ? "." : "");
  };
  Outcome o;
  if (const auto* add = std::get_if<StateAdd>(&c.action)) {
    // iproute2 prints the errno only: the kernel of v5.7 sends no extended ack for xfrm,
    // and what the driver said is in the kernel log (`dmesg`).
    if (!add->kernel_error.ok()) return Outcome::fail(netlink_error(add->kernel_error));
    const xfrm::AddStateResult r = stack_->add_state(add->state);
    if (!r.status.ok()) {
      return Outcome::fail(r.extack.empty() ? netlink_error(r.status) : extack_error(r.extack));
    }
    // A limit of this simulator's software ESP, not a kernel message.
    if (!r.note.empty()) o.notes.push_back(r.note);
    return o;
  }
  if (const auto* del = std::get_if<StateDelete>(&c.action)) {
    const driver::Status s = stack_->delete_state(del->daddr, del->spi, del->proto);
    if (!s.ok()) return Outcome::fail(netlink_error(s));
    return o;
  }
  if (std::holds_alternative<StateFlush>(c.action)) {
    stack_->flush_states();
    return o;
  }
  if (std::holds_alternative<StateList>(c.action)) {
    if (queued_) run_engine();
    stack_->update_packet_stats();  // the dump's xdo_dev_state_update_stats (Linux 6.9)
    for (const xfrm::StateEntry* e : stack_->states()) out_ << format_state(*e, dev, c.show_stats);
    return o;
  }
  if (const auto* add = std::get_if<PolicyAdd>(&c.action)) {
    xfrm::XfrmPolicy p = add->policy;
    p.add_time = stack_->now();
    std::string extack;
    const driver::Status s = stack_->add_policy(std::move(p), &extack);
    if (!s.ok()) return Outcome::fail(extack.empty() ? netlink_error(s) : extack_error(extack));
    return o;
  }
  if (const auto* del = std::get_if<PolicyDelete>(&c.action)) {
    const driver::Status s = stack_->policies().remove(del->sel, del->dir);
    if (!s.ok()) return Outcome::fail(netlink_error(s));
    return o;
  }
  if (std::holds_alternative<MonitorExpire>(c.action)) {
    monitor_expire_ = true;
    return o;
  }
  if (std::holds_alternative<PolicyFlush>(c.action)) {
    stack_->policies().flush();
    return o;
  }
  for (const xfrm::XfrmPolicy* p : stack_->policies().dump()) {
    out_ << format_policy(*p, c.show_stats);
  }
  return o;
}

Scenario::Outcome Scenario::do_ethtool(const std::vector<std::string>& w) {
  if (w[2] != options_.dev) {
    return Outcome::fail("Cannot get stats strings information: No such device");
  }
  settle();
  if (queued_) run_engine();
  settle();
  driver::StatusOr<std::vector<driver::EthtoolStat>> stats = device_->ethtool_stats();
  if (!stats.ok())
    return Outcome::fail("Cannot get stats information: " + stats.status().to_string());
  out_ << format_ethtool_stats(*stats);
  return Outcome{};
}

Scenario::Outcome Scenario::do_send(const std::vector<std::string>& w) {
  const std::vector<Frame> frames = read_pcap(resolve(w[2]));
  if (w[1] == "host") {
    const uint64_t refused_before = stack_->emsgsize_errors();
    for (const Frame& f : frames) {
      for (const Frame& out : stack_->transmit(f)) {
        port_.host_tx(out);
        ++stats_.host_tx_frames;
      }
    }
    if (const uint64_t n = stack_->emsgsize_errors() - refused_before) {
      Outcome o;
      o.notes.push_back(std::to_string(n) + " of the packets refused: Message too long " +
                        "(EMSGSIZE: larger than the MTU " + std::to_string(stack_->mtu()) +
                        " once in ESP, and not to be fragmented)");
      queued_ = true;
      return o;
    }
  } else {
    for (const Frame& f : frames) {
      port_.wire_rx(f);
      ++stats_.wire_rx_frames;
    }
  }
  queued_ = true;
  return Outcome{};
}

Scenario::Outcome Scenario::do_capture(const std::vector<std::string>& w) {
  const std::string path = resolve(w[2]);
  for (const auto& [kind, writers] : captures_) {
    for (const auto& writer : writers) {
      if (writer->path() == path) {
        return Outcome::fail("already capturing " + kind + " frames to " + path);
      }
    }
  }
  captures_[w[1]].push_back(std::make_unique<PcapWriter>(path));
  return Outcome{};
}

bool Scenario::counter_value(const std::string& name, uint64_t& value, std::string& why) {
  const std::pair<const char*, uint64_t> sim[] = {
      {"sim_host_tx_frames", stats_.host_tx_frames},
      {"sim_wire_rx_frames", stats_.wire_rx_frames},
      {"sim_wire_tx_frames", stats_.wire_tx_frames},
      {"sim_host_rx_frames", stats_.host_rx_frames},
      {"sim_host_delivered_frames", stats_.delivered_frames},
  };
  for (const auto& [n, v] : sim) {
    if (name == n) {
      value = v;
      return true;
    }
  }
  const auto& mib = xfrm::xfrm_mib_names();
  for (size_t i = 0; i < mib.size(); ++i) {
    if (name == mib[i]) {
      value = stack_->mib()[i];
      return true;
    }
  }
  const auto& frag = xfrm::ip_frag_counter_names();
  for (size_t i = 0; i < frag.size(); ++i) {
    if (name == frag[i]) {
      value = stack_->ip_frag_counters()[i];
      return true;
    }
  }
  uint32_t spi = 0;
  std::string field;
  if (split_state_counter(name, spi, field)) {
    for (const xfrm::StateEntry* e : stack_->states()) {
      if (e->state.spi != spi) continue;
      const driver::XfrmReplayState& r = e->replay.state();
      if (field == "packets") value = e->curlft.packets;
      if (field == "bytes") value = e->curlft.bytes;
      if (field == "replay") value = e->stats.replay;
      if (field == "replay-window") value = e->stats.replay_window;
      if (field == "failed") value = e->stats.integrity_failed;
      if (field == "seq") value = uint64_t{r.seq_hi} << 32 | r.seq;
      if (field == "oseq") value = uint64_t{r.oseq_hi} << 32 | r.oseq;
      return true;
    }
    why = "no state with spi " + name.substr(4, name.find(':', 4) - 4);
    return false;
  }
  driver::StatusOr<std::vector<driver::EthtoolStat>> stats = device_->ethtool_stats();
  if (!stats.ok()) {
    why = stats.status().to_string();
    return false;
  }
  for (const driver::EthtoolStat& s : *stats) {
    if (s.name == name) {
      value = s.value;
      return true;
    }
  }
  why = "unknown counter \"" + name + "\"";
  return false;
}

Scenario::Outcome Scenario::do_expect(const std::vector<std::string>& w) {
  settle();
  if (queued_) run_engine();
  settle();
  uint64_t actual = 0, want = 0;
  std::string why;
  if (!counter_value(w[1], actual, why)) return Outcome::fail("expect " + join(w) + ": " + why);
  (void)parse_u64(w[3], want);
  if (!compare(actual, w[2], want)) {
    return Outcome::fail(join(w) + ": " + w[1] + " is " + std::to_string(actual));
  }
  return Outcome{};
}

Scenario::Outcome Scenario::do_ip_link(const std::vector<std::string>& words) {
  const LinkSet l = parse_ip_link_set(words, options_.dev);
  // dev_validate_mtu (v5.7) answers with an extended ack, which iproute2 prints.
  if (l.mtu < kEthMinMtu) return Outcome::fail("Error: mtu less than device minimum.");
  if (l.mtu > kMlx5MaxMtu) return Outcome::fail("Error: mtu greater than device maximum.");
  stack_->set_mtu(l.mtu);
  return Outcome{};
}

Scenario::Outcome Scenario::do_dmesg(const std::vector<std::string>& w) {
  out_ << kernel_log_.dmesg();
  if (w.size() == 2) kernel_log_.clear();  // -c
  return Outcome{};
}

void Scenario::settle() {
  device_->settle();
  // Packet offload: the device's lifetime events (the driver's event interrupt), whose
  // expiries may queue DELs: those go out too.
  stack_->poll_device_events();
  device_->settle();
}

void Scenario::run_engine() {
  port_.run();
  queued_ = false;
  // Each frame at the start of the clock its first beat crossed the port, on the engine's
  // nominal clock (engine_clock.h), as its waveforms are.
  auto record = [&](const char* kind, const Frame& f, uint64_t cycle) {
    const auto it = captures_.find(kind);
    if (it == captures_.end()) return;
    const uint64_t t = time_base_ns_ + sim::cycle_start_ns(cycle);
    for (const auto& writer : it->second) writer->write(f, t);
  };
  for (const PortFrame& f : port_.take_wire_tx()) {
    ++stats_.wire_tx_frames;
    record("wire", f.data, f.first_cycle);
  }
  for (PortFrame& f : port_.take_host_rx()) {
    faults_->filter_host_rx(f.data);  // RX metadata faults (the `fault rx` command)
    ++stats_.host_rx_frames;
    record("host-raw", f.data, f.first_cycle);
    if (const std::optional<Frame> d = stack_->receive(f.data)) {
      ++stats_.delivered_frames;
      record("host", *d, f.first_cycle);  // delivered as it arrived
    }
  }
  stack_->poll_device_events();  // packet offload's lifetime events, raised by this run
}

bool Scenario::finish(const std::string& where, int line) {
  bool ok = true;
  try {
    settle();
    run_engine();
    settle();
  } catch (const std::exception& e) {
    ++internal_errors_;
    err_ << where << ":" << line << ": internal error: " << e.what() << "\n";
    ok = false;
  }
  for (auto& [kind, writers] : captures_) {
    for (auto& writer : writers) {
      try {
        writer->commit();
      } catch (const PcapError& e) {
        err_ << where << ": " << e.what() << "\n";
        ok = false;
      }
    }
  }
  captures_.clear();
  return ok;
}

RunStats Scenario::stats() const {
  RunStats s = stats_;
  s.cycles = port_.cycles();
  s.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return s;
}

// ---- entry points ------------------------------------------------------------------------

int run_script(const std::string& path, const RunnerOptions& options, std::ostream& out,
               std::ostream& err) {
  std::ifstream file(path);
  if (!file) {
    err << path << ": cannot read: " << std::strerror(errno) << "\n";
    return 2;
  }
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    err << path << ": cannot read: " << std::strerror(errno) << "\n";
    return 2;
  }
  return run_script_text(text.str(), path, options, out, err);
}

int run_script_text(const std::string& text, const std::string& name, const RunnerOptions& options,
                    std::ostream& out, std::ostream& err) {
  std::vector<ScriptCommand> commands;
  try {
    commands = lex_script(text);
  } catch (const ScriptError& e) {
    err << name << ":" << e.line() << ": " << e.what() << "\n";
    return 1;
  }
  const std::unique_ptr<EnginePort> port = make_port(options);
  Scenario scenario(*port, options, out, err);
  // The whole script is checked before anything runs: a typo on the last line should not
  // cost a simulation.
  for (const ScriptCommand& c : commands) {
    if (const std::string m = scenario.check(c.words); !m.empty()) {
      err << name << ":" << c.line << ": " << m << "\n";
      return 1;
    }
  }
  if (!scenario.start(name)) return 2;
  int rc = 0;
  int line = 0;
  for (const ScriptCommand& c : commands) {
    line = c.line;
    if (!scenario.execute(c, name)) {
      rc = 1;
      break;
    }
  }
  if (!scenario.finish(name, line)) rc = 1;
  err << format_run_stats(scenario.stats()) << "\n";
  return rc;
}

int run_shell(std::istream& in, const RunnerOptions& options, std::ostream& out, std::ostream& err,
              bool prompt) {
  const std::string where = "<stdin>";
  const std::unique_ptr<EnginePort> port = make_port(options);
  Scenario scenario(*port, options, out, err);
  if (!scenario.start(where)) return 2;
  ScriptLexer lexer;
  bool failed = false;
  bool quit = false;
  std::string line;
  while (!quit) {
    if (prompt) out << (lexer.pending() ? "> " : "ipsec-sim> ") << std::flush;
    if (!std::getline(in, line)) break;
    for (const ScriptCommand& c : lexer.feed_line(line)) {
      const std::string& w0 = c.words[0];
      if (w0 == "quit" || w0 == "exit") {
        quit = true;
        break;
      }
      if (w0 == "help") {
        out << "ip [-s] xfrm state add|delete|flush|list ...\n"
               "ip [-s] xfrm policy add|delete|flush|list ...\n"
               "ethtool -S DEV\n"
               "send host|wire FILE.pcap\n"
               "capture wire|host|host-raw FILE.pcap\n"
               "run\n"
               "settle\n"
               "dmesg [-c]\n"
               "ip link set [dev] DEV mtu N\n"
               "expect COUNTER ==|!=|<|<=|>|>= VALUE\n"
               "! COMMAND\n"
               "fault slverr|irq|response|rx|clear ...\n"
               "quit\n";
        continue;
      }
      if (const std::string m = scenario.check(c.words); !m.empty()) {
        err << where << ":" << c.line << ": " << m << "\n";
        failed = true;
        continue;
      }
      if (!scenario.execute(c, where)) failed = true;
    }
  }
  if (prompt && !quit) out << "\n";
  try {
    lexer.finish();
  } catch (const ScriptError& e) {
    err << where << ":" << e.line() << ": " << e.what() << "\n";
    failed = true;
  }
  if (!scenario.finish(where, lexer.line())) failed = true;
  err << format_run_stats(scenario.stats()) << "\n";
  return failed ? 1 : 0;
}

}  // namespace ipsec::tool
