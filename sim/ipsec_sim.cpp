// ipsec-sim: runs scenarios written in the commands users type on a real system
// (ip xfrm ..., ethtool -S) against the Verilated engine, with pcap files in and out and
// VCD waveforms on request.
//
//   ipsec-sim                       the built-in demo (waves/demo.vcd)
//   ipsec-sim run SCRIPT [options]  a scenario script
//   ipsec-sim shell [options]       the same commands, typed
//   ipsec-sim samples DIR           writes the sample pcaps the scenarios send
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>

#include "model_engine.h"
#include "sample_traffic.h"
#include "scenario.h"
#include "verilated_engine.h"

namespace {

constexpr const char* kUsage = R"(usage: ipsec-sim [run SCRIPT | shell | samples DIR] [options]
  (no command)        the built-in demo: both directions, good and bad frames, waves/demo.vcd
  run SCRIPT          run a scenario script (ip xfrm ..., ethtool -S, send/capture, expect)
  shell               read the same commands from the terminal
  samples DIR         write the sample pcap files the example scenarios send
options:
  --vcd FILE          write a VCD waveform of the engine
  --fst FILE          write an FST waveform (the VCD converted by GTKWave's vcd2fst)
  --trace-from CYCLE  first clock traced (default 0)
  --trace-to CYCLE    last clock traced (default: the end)
  --trace-frame N     trace only the clocks while the N-th frame (1, 2, ..., counted on both
                      input ports) is inside the engine
  --trace-depth N     hierarchy levels traced: 1 the engine's ports, 2 its own signals, 3 its
                      blocks' (control plane, TX, RX: the default), 4 theirs, 99 all (full
                      depth costs ~80x in speed and tens of KB per clock)
  --seed N            seed of random stalls and of the driver's and stack's salts (default 1)
  --stall PERCENT     random valid/ready stalls on every stream port (default 0)
  --dev NAME          the device `offload dev` and `ethtool -S` name (default eth0)
  --cmd-log FILE      one line per SA command and response as they cross the register bus
  --reg-log FILE      one line per register access: cycle, R/W, address, name, value, response
  --data-dir DIR      where relative pcap names in the script are (default: the script's folder)
  --driver VARIANT    the driver's ESN path: corrected (the default), or innova-as-shipped, the
                      Innova driver of Linux 5.x (it never sends MOD_SA_V2)
  --engine rtl|rtl-packet|model
                      what runs the frames: the Verilated RTL of the Innova (the default); the
                      RTL built with packet offload (docs/packet_offload.md; PktOffload = 1,
                      its checking build: assertions on); or the reference model, which has
                      packet offload and keeps no clocks, so writes no waveform
  --quiet             only errors and the closing statistics line
)";

// The demo: transport mode over IPv4 (AES-128) and tunnel mode over IPv6 with ESN crossing
// 2^32 (AES-256), both directions offloaded; the host's mix of TCP, UDP and ICMP (one
// packet with IPv4 options goes through software ESP, an ARP frame passes), the peer's ESP,
// and bad input from the wire: a corrupted ICV, a replay, spoofed 0x8CE4 metadata, ESP for
// no SA. The summary after it is read from ethtool -S.
constexpr const char* kDemo = R"(# ipsec-sim demo
ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 \
    mode transport aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
    offload dev eth0 dir out
ip xfrm state add src 198.51.100.2 dst 192.0.2.1 proto esp spi 0x2000 reqid 2 \
    mode transport aead 'rfc4106(gcm(aes))' 0x2122232425262728292a2b2c2d2e2f3031323334 128 \
    replay-window 32 offload dev eth0 dir in
ip xfrm policy add src 192.0.2.1/32 dst 198.51.100.2/32 dir out \
    tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 1 mode transport
ip xfrm policy add src 198.51.100.2/32 dst 192.0.2.1/32 dir in \
    tmpl src 198.51.100.2 dst 192.0.2.1 proto esp reqid 2 mode transport
ip xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x3000 reqid 3 mode tunnel \
    aead 'rfc4106(gcm(aes))' 0x404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263 128 \
    replay-window 64 flag esn replay-oseq 0xfffffffa offload dev eth0 dir out
ip xfrm state add src 2001:db8::2 dst 2001:db8::1 proto esp spi 0x3001 reqid 4 mode tunnel \
    aead 'rfc4106(gcm(aes))' 0x707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293 128 \
    replay-window 64 flag esn replay-seq 0xfffffffc offload dev eth0 dir in
ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out \
    tmpl src 2001:db8::1 dst 2001:db8::2 proto esp reqid 3 mode tunnel
ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir in \
    tmpl src 2001:db8::2 dst 2001:db8::1 proto esp reqid 4 mode tunnel
send host host_mix_v4.pcap
send host host_tunnel_v4.pcap
send wire wire_esp_v4.pcap
send wire wire_tunnel_esn.pcap
send wire wire_bad_v4.pcap
run
ethtool -S eth0
)";

// What happened to each class of frame, from the counters `ethtool -S` printed.
void print_summary(const std::string& ethtool) {
  auto counter = [&](const std::string& name) -> unsigned long long {
    const auto at = ethtool.rfind(" " + name + ": ");
    return at == std::string::npos ? 0 : std::stoull(ethtool.substr(at + name.size() + 3));
  };
  std::cout << "\nWhat happened:\n"
            << "  host to wire: " << counter("ipsec_enc_in_packets") << " frames carried TX metadata: "
            << counter("ipsec_enc_out_packets") << " encrypted, " << counter("ipsec_enc_drop_packets")
            << " dropped; " << counter("ipsec_enc_bypass_packets")
            << " passed unchanged (no metadata: ARP, and a packet with IPv4 options the stack"
               " encrypted in software)\n"
            << "  wire to host: " << counter("ipsec_dec_in_packets") << " frames matched an RX SA: "
            << counter("ipsec_dec_out_packets") << " decrypted and authenticated, "
            << counter("ipsec_dec_auth_fail_packets") << " failed the ICV check and never reached the host; "
            << counter("ipsec_dec_drop_packets") << " dropped (spoofed 0x8CE4 metadata from the wire); "
            << counter("ipsec_dec_bypass_packets") << " passed unchanged (not ESP, or ESP for no SA)\n"
            << "  host stack: of the frames the engine decrypted, a replayed one was dropped by"
               " anti-replay (ip -s xfrm state counts it)\n";
}

struct Options {
  std::string command;  // "", run, shell, samples
  std::string arg;
  std::string vcd, fst, cmd_log, reg_log, data_dir;
  uint64_t trace_from = 0, trace_to = UINT64_MAX;
  int trace_depth = 3;
  uint64_t trace_frame = 0;
  uint64_t seed = 1;
  int stall = 0;
  std::string dev = "eth0";
  bool quiet = false;
  bool model = false;  // --engine model
  ipsec::sim::RtlBuild build = ipsec::sim::RtlBuild::kFast;  // --engine rtl | rtl-packet
  ipsec::driver::DriverVariant driver = ipsec::driver::DriverVariant::kCorrected;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "ipsec-sim: " << message << "\n" << kUsage;
  std::exit(2);
}

uint64_t number(const std::string& option, const char* text, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 0);
  if (errno || end == text || *end || v > max || text[0] == '-') {
    usage_error(option + " takes a number up to " + std::to_string(max) + ", not '" + text + "'");
  }
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    o.command = argv[i++];
    if (o.command == "run" || o.command == "samples") {
      if (i >= argc) usage_error(o.command + " needs " + (o.command == "run" ? "a SCRIPT" : "a DIR"));
      o.arg = argv[i++];
    } else if (o.command != "shell") {
      usage_error("unknown command '" + o.command + "'");
    }
  }
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--vcd") o.vcd = value();
    else if (a == "--fst") o.fst = value();
    else if (a == "--trace-from") o.trace_from = number(a, value(), UINT64_MAX);
    else if (a == "--trace-to") o.trace_to = number(a, value(), UINT64_MAX);
    else if (a == "--trace-frame") o.trace_frame = number(a, value(), UINT64_MAX);
    else if (a == "--trace-depth") o.trace_depth = static_cast<int>(number(a, value(), 99));
    else if (a == "--seed") o.seed = number(a, value(), UINT64_MAX);
    else if (a == "--stall") o.stall = static_cast<int>(number(a, value(), 95));
    else if (a == "--dev") o.dev = value();
    else if (a == "--cmd-log") o.cmd_log = value();
    else if (a == "--reg-log") o.reg_log = value();
    else if (a == "--data-dir") o.data_dir = value();
    else if (a == "--driver") {
      const std::string v = value();
      if (v == "corrected") o.driver = ipsec::driver::DriverVariant::kCorrected;
      else if (v == "innova-as-shipped") o.driver = ipsec::driver::DriverVariant::kInnovaAsShipped;
      else usage_error("--driver takes corrected or innova-as-shipped, not '" + v + "'");
    }
    else if (a == "--engine") {
      const std::string v = value();
      o.model = v == "model";
      if (v == "rtl") o.build = ipsec::sim::RtlBuild::kFast;
      else if (v == "rtl-packet") o.build = ipsec::sim::RtlBuild::kPacket;
      else if (v != "model") usage_error("--engine takes rtl, rtl-packet or model, not '" + v + "'");
    }
    else if (a == "--quiet") o.quiet = true;
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      usage_error("unknown option '" + a + "'");
    }
  }
  if (!o.vcd.empty() && !o.fst.empty()) usage_error("--vcd and --fst: choose one waveform");
  if (o.model && (!o.vcd.empty() || !o.fst.empty() || o.command.empty())) {
    usage_error("--engine model has no clocks to trace: no --vcd, --fst or demo with it");
  }
  if (!o.fst.empty()) {
    if (std::system("command -v vcd2fst > /dev/null 2>&1") != 0) {
      usage_error("--fst needs vcd2fst from GTKWave (Debian package gtkwave); or use --vcd FILE");
    }
    o.vcd = o.fst + ".vcd.tmp";  // converted when the run ends
  }
  if (o.trace_from > o.trace_to) usage_error("--trace-from is after --trace-to");
  if (o.trace_frame && (o.trace_from || o.trace_to != UINT64_MAX)) {
    usage_error("--trace-frame and --trace-from/--trace-to choose the clocks two ways: use one");
  }
  if ((o.trace_frame || o.trace_from || o.trace_to != UINT64_MAX) && o.vcd.empty() && !o.command.empty()) {
    usage_error("--trace-frame, --trace-from and --trace-to need --vcd FILE");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  namespace fs = std::filesystem;
  try {
    if (o.command == "samples") {
      fs::create_directories(o.arg);
      for (const std::string& f : ipsec::tool::samples::write_sample_pcaps(o.arg)) std::cout << f << "\n";
      return 0;
    }

    // The demo writes its waveform and finds its pcaps in a scratch folder of its own.
    std::string demo_dir;
    if (o.command.empty()) {
      if (o.vcd.empty() && o.fst.empty()) {
        fs::create_directories("waves");
        o.vcd = "waves/demo.vcd";
      }
      demo_dir = (fs::temp_directory_path() / ("ipsec-sim-demo-" + std::to_string(::getpid()))).string();
      fs::create_directories(demo_dir);
      ipsec::tool::samples::write_sample_pcaps(demo_dir);
      o.data_dir = demo_dir;
    }

    // --cmd-log: written under a temporary name, renamed when the run ends.
    std::ofstream cmd_log;
    if (!o.cmd_log.empty()) {
      cmd_log.open(o.cmd_log + ".tmp");
      if (!cmd_log) {
        std::cerr << "ipsec-sim: cannot write " << o.cmd_log << ": " << std::strerror(errno) << "\n";
        return 2;
      }
    }

    // --reg-log: the same way. A log that cannot be written leaves no file behind.
    std::ofstream reg_log;
    if (!o.reg_log.empty()) {
      reg_log.open(o.reg_log + ".tmp");
      if (!reg_log) {
        std::cerr << "ipsec-sim: cannot write " << o.reg_log << ": " << std::strerror(errno) << "\n";
        if (cmd_log.is_open()) {
          cmd_log.close();
          fs::remove(o.cmd_log + ".tmp");
        }
        return 2;
      }
    }

    ipsec::tool::RunnerOptions r;
    r.driver = o.driver;
    r.seed = o.seed;
    r.stall_percent = o.stall;
    r.dev = o.dev;
    r.quiet = o.quiet;
    r.data_dir = o.data_dir;
    if (cmd_log.is_open()) r.cmd_log = [&cmd_log](const std::string& line) { cmd_log << line << "\n"; };
    if (reg_log.is_open()) r.reg_log = [&reg_log](const std::string& line) { reg_log << line << "\n"; };
    // Beside the waveform, its GTKWave layout: WAVE's name with .gtkw (wave_layout.h).
    const std::string wave = o.fst.empty() ? o.vcd : o.fst;
    const std::string layout = wave.empty() ? "" : fs::path(wave).replace_extension(".gtkw").string();
    const ipsec::sim::TraceOptions trace{o.vcd, std::max(o.trace_depth, 1), o.trace_from, o.trace_to,
                                         o.trace_frame, layout, wave};
    if (o.model) {
      r.make_engine = [](const ipsec::tool::EngineConfig& c) -> std::unique_ptr<ipsec::tool::EnginePort> {
        ipsec::model::CtrlModelConfig ctrl;
        ctrl.packet_offload = true;
        return std::make_unique<ipsec::tool::ModelEngine>(c, ctrl);
      };
    } else {
      r.make_engine = [trace, build = o.build](const ipsec::tool::EngineConfig& c)
          -> std::unique_ptr<ipsec::tool::EnginePort> {
        return std::make_unique<ipsec::sim::VerilatedEngine>(c, trace, build);
      };
    }

    int rc;
    if (o.command == "run") {
      rc = ipsec::tool::run_script(o.arg, r, std::cout, std::cerr);
    } else if (o.command == "shell") {
      rc = ipsec::tool::run_shell(std::cin, r, std::cout, std::cerr, ::isatty(0));
    } else {
      std::ostringstream out, err;
      rc = ipsec::tool::run_script_text(kDemo, "demo", r, out, err);
      std::cout << out.str();
      if (!o.quiet) print_summary(out.str());
      std::cerr << err.str();  // errors, and the closing statistics line
      if (!o.quiet) std::cout << "waveform: " << wave << " (gtkwave " << wave << " " << layout << ")\n";
      fs::remove_all(demo_dir);
    }
    if (cmd_log.is_open()) {
      cmd_log.close();
      fs::rename(o.cmd_log + ".tmp", o.cmd_log);
    }
    if (reg_log.is_open()) {
      reg_log.close();
      fs::rename(o.reg_log + ".tmp", o.reg_log);
    }
    if (!o.fst.empty()) {
      // The runner's engine is gone by now: the VCD is complete.
      const std::string tmp = o.fst + ".tmp";
      const std::string cmd = "vcd2fst '" + o.vcd + "' '" + tmp + "' > /dev/null 2>&1";
      const bool ok = std::system(cmd.c_str()) == 0;
      fs::remove(o.vcd);
      if (!ok) {
        fs::remove(tmp);
        std::cerr << "ipsec-sim: vcd2fst could not write " << o.fst << "\n";
        return 2;
      }
      fs::rename(tmp, o.fst);
    }
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "ipsec-sim: " << e.what() << "\n";
    return 2;
  }
}
