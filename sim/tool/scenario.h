// The scenario runner of ipsec-sim: scenario commands (see docs/architecture.md and the
// product description) executed against an engine (EnginePort), the driver (IpsecDevice)
// and the host xfrm stack (XfrmStack), with pcap input and captures.
//
//   ip [-s] xfrm state add|delete|flush|list ...   ip [-s] xfrm policy add|delete|flush|list
//   ethtool -S DEV      send host|wire FILE        capture wire|host|host-raw FILE
//   run                 expect COUNTER OP VALUE    ! COMMAND
//   settle              dmesg [-c]                 ip link set [dev] DEV mtu N
//   fault ...           (sim/fault_injector.h)
//
// Choices where the language is silent:
// - Frames sent from the host go through the stack and the driver when `send` runs (that
//   is when sequence numbers are taken); the engine processes queued frames at `run`.
//   `expect`, `ethtool -S` and the list commands run the queued frames first, so that what
//   they show includes everything sent before them. A `run` is implied at the end.
// - Relative pcap paths are relative to RunnerOptions::data_dir (the working directory
//   when empty). Captures record the frames of every run after the `capture` command and
//   are written when the scenario ends, also when it failed, each to a temporary name first.
//   Each frame carries the simulated time its first beat crossed the engine's port (the
//   start of that clock), on the engine's nominal clock of 312.5 MHz (sim/engine_clock.h,
//   as in its waveforms), after the wall clock's time at the start, in nanoseconds; a
//   frame the host stack delivered carries its host RX frame's time. The reference model
//   keeps no clocks: its frames carry the clock their run ended on.
// - COUNTER in `expect`: an `ethtool -S` name; a /proc/net/xfrm_stat name (XfrmInNoStates,
//   XfrmInStateSeqError, ...); sim_host_tx_frames, sim_wire_rx_frames, sim_wire_tx_frames,
//   sim_host_rx_frames (frames into and out of the engine) and sim_host_delivered_frames
//   (frames the stack delivered); IpFragOKs, IpFragFails, IpFragCreates and their Ip6
//   twins (/proc/net/snmp[6]); or spi:SPI:FIELD for the newest state with that SPI, FIELD
//   one of packets, bytes, replay, replay-window, failed, seq, oseq (64-bit with ESN).
// - `! COMMAND` succeeds when COMMAND fails; the messages it printed then go to the output,
//   marked as expected, unless quiet.
// - `ip xfrm state delete` and `flush` return at once; the DELs go out from the kernel's
//   deferred work, which `settle` runs (and `run`, `expect` and `ethtool -S` before they
//   look), so that scripts stay deterministic.
// - `ip` prints only what iproute2 prints (`RTNETLINK answers: ...`); the driver's messages
//   go to the kernel log, which `dmesg` prints with the device's clock count for a
//   timestamp (`-c` clears it after printing).
// - A failed command stops a script (the captures are still written); the shell goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine_port.h"
#include "fault_injector.h"
#include "ipsec_device.h"
#include "pcap_io.h"
#include "script_lexer.h"
#include "xfrm_stack.h"

namespace ipsec::tool {

struct RunnerOptions {
  uint64_t seed = 1;         // the engine's stalls, the driver's and the stack's salts
  int stall_percent = 0;     // passed to the engine
  std::string dev = "eth0";  // the device `offload dev` and `ethtool -S` name
  bool quiet = false;        // no notes, no expected-failure messages
  // One line per SA command and response as they cross the register bus
  // ("cmd ADD_SA_V2 ...", "rsp ..."); empty: none.
  std::function<void(const std::string&)> cmd_log;
  // One line per register access the driver makes (sim/reg_trace.h); empty: none.
  std::function<void(const std::string&)> reg_log;
  std::string data_dir;       // where relative pcap paths are; empty: the working directory
  uint32_t mtu = 1500;        // the host interface's MTU at the start (`ip link set` sets it)
  // The driver's ESN path: corrected, or the Innova driver as Linux 5.x shipped it.
  driver::DriverVariant driver = driver::DriverVariant::kCorrected;
  EngineFactory make_engine;  // empty: the reference model (ModelEngine)
  // Wall-clock seconds since the epoch (state lifetimes, pcap times); empty: time().
  std::function<uint64_t()> clock;
};

// What a run did, for the closing statistics line.
struct RunStats {
  uint64_t cycles = 0;
  uint64_t host_tx_frames = 0;    // into the engine from the NIC
  uint64_t wire_rx_frames = 0;    // into the engine from the wire
  uint64_t wire_tx_frames = 0;    // out of the engine to the wire
  uint64_t host_rx_frames = 0;    // out of the engine to the NIC
  uint64_t delivered_frames = 0;  // handed up by the host stack
  double wall_seconds = 0;
};
// "12345 cycles, frames host-tx 3 wire-tx 3 wire-rx 2 host-rx 2 delivered 2, 0.004 s,
// 3086.2 kHz simulated"
std::string format_run_stats(const RunStats& stats);

class Scenario {
 public:
  // The device is probed by start(); the port must outlive the scenario.
  Scenario(EnginePort& port, RunnerOptions options, std::ostream& out, std::ostream& err);
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  // Probes the device; false (and a message to err naming `where`) when that fails.
  bool start(const std::string& where);

  // Runs one command; false when it failed, its messages printed to err as "WHERE:LINE:
  // message".
  bool execute(const ScriptCommand& command, const std::string& where);

  // Checks a command's syntax without running it (a script is checked whole before it
  // runs): the message iproute2 or the runner would print, or empty. `! COMMAND` is not
  // checked, its failure may be the point.
  std::string check(const std::vector<std::string>& words) const;

  // The implied `run`, then every capture written. False when a capture could not be.
  bool finish(const std::string& where, int line);

  RunStats stats() const;
  // Commands that ended in an exception the runner did not expect ("internal error"): a
  // defect of the simulator, whatever the script said. The fuzz targets' oracle.
  uint64_t internal_errors() const { return internal_errors_; }
  EnginePort& port() { return port_; }
  driver::IpsecDevice& device() { return *device_; }
  xfrm::XfrmStack& stack() { return *stack_; }
  // What the driver logged (`dmesg`).
  const driver::KernelLog& kernel_log() const { return kernel_log_; }
  // The faults between the driver and the engine (the `fault` command).
  sim::FaultInjector& faults() { return *faults_; }

 private:
  uint64_t internal_errors_ = 0;
  struct Outcome;
  Outcome dispatch(const std::vector<std::string>& words);
  Outcome do_ip(const std::vector<std::string>& words);
  Outcome do_ethtool(const std::vector<std::string>& words);
  Outcome do_send(const std::vector<std::string>& words);
  Outcome do_capture(const std::vector<std::string>& words);
  Outcome do_expect(const std::vector<std::string>& words);
  Outcome do_ip_link(const std::vector<std::string>& words);
  Outcome do_dmesg(const std::vector<std::string>& words);
  void run_engine();
  // The kernel's deferred work (the GC's DELs, ESN updates) run, and every command waited
  // for: what `ethtool -S`, `expect`, `run` and `settle` see first.
  void settle();
  std::string resolve(const std::string& path) const;
  bool counter_value(const std::string& name, uint64_t& value, std::string& why);

  EnginePort& port_;
  RunnerOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  driver::KernelLog kernel_log_;  // the host's printk buffer (`dmesg`)
  // Driver -> register trace (--reg-log) -> fault injector -> the engine's bus.
  std::unique_ptr<sim::FaultInjector> faults_;
  std::unique_ptr<driver::RegisterBus> reg_trace_;
  std::unique_ptr<driver::IpsecDevice> device_;
  std::unique_ptr<xfrm::XfrmStack> stack_;
  std::map<std::string, std::vector<std::unique_ptr<PcapWriter>>> captures_;  // by port name
  RunStats stats_;
  bool queued_ = false;  // frames sent since the last run
  bool monitor_expire_ = false;  // `ip xfrm monitor expire` given
  // The stack's expires since the last command: printed while monitoring, else dropped.
  void print_expires();
  uint64_t time_base_ns_ = 0;
  std::chrono::steady_clock::time_point started_;
};

// Runs a scenario script: 0 when every command and expectation held, 1 when one failed,
// 2 when the script could not be read or the device not probed. Output goes to `out`,
// errors ("SCRIPT:LINE: message") and the closing statistics line to `err`.
int run_script(const std::string& path, const RunnerOptions& options, std::ostream& out,
               std::ostream& err);
// The same for a script held in memory (a built-in demo); `name` stands for the file in
// messages.
int run_script_text(const std::string& text, const std::string& name, const RunnerOptions& options,
                    std::ostream& out, std::ostream& err);

// The same commands read from a stream (ipsec-sim shell): each runs as it is read, a failed
// one is reported ("<stdin>:LINE: message") and the shell goes on; `quit` or `exit` or the
// end of the input ends it. With `prompt`, "ipsec-sim> " (and "> " inside a continued
// command) is printed to `out` before each line. 0 when no command failed, 1 otherwise, 2
// when the device could not be probed.
int run_shell(std::istream& in, const RunnerOptions& options, std::ostream& out, std::ostream& err,
              bool prompt);

}  // namespace ipsec::tool
