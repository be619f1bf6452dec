// ipsec-sim's waveforms and captures in real time (sim/engine_clock.h): a clock lasts
// 3.2 ns (312.5 MHz) in the VCD and in the FST, pcap time stamps are on the same clock (each
// frame at the clock its first beat crossed the port), and
// the GTKWave layout written beside a waveform opens on the first frame's traffic.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine_clock.h"

namespace fs = std::filesystem;
using ipsec::sim::kClockPeriodPs;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A folder of its own under the build tree, emptied first.
fs::path work_dir(const std::string& name) {
  const fs::path d = fs::path(IPSEC_TEST_WORK_DIR) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int run(const std::string& cmd) { return std::system(cmd.c_str()); }

bool have(const char* tool) { return run(std::string("command -v ") + tool + " > /dev/null 2>&1") == 0; }

// A TX SA, its policy, the host's mix of frames, the wire captured; one run, the one implied
// at the end.
constexpr const char* kScript = R"(ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 \
    mode transport aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
    offload dev eth0 dir out
ip xfrm policy add src 192.0.2.1/32 dst 198.51.100.2/32 dir out \
    tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 1 mode transport
capture wire wire.pcap
send host host_mix_v4.pcap
)";

struct SimRun {
  fs::path dir;
  uint64_t cycles = 0;  // from the closing statistics line
};

// ipsec-sim on kScript in `dir`, with `wave_option` (--vcd FILE or --fst FILE).
SimRun run_sim(const std::string& name, const std::string& wave_option) {
  SimRun r;
  r.dir = work_dir(name);
  std::ofstream(r.dir / "waves.ipsec") << kScript;
  const std::string sim = IPSEC_SIM_EXE;
  REQUIRE(run("'" + sim + "' samples '" + r.dir.string() + "' > /dev/null") == 0);
  const std::string cmd = "cd '" + r.dir.string() + "' && '" + sim + "' run waves.ipsec --quiet " + wave_option +
                          " 2> stats.txt";
  REQUIRE_MESSAGE(run(cmd) == 0, cmd << "\n" << slurp(r.dir / "stats.txt"));
  // "ipsec-sim: 2779 cycles, frames ..."
  const std::string stats = slurp(r.dir / "stats.txt");
  const size_t at = stats.rfind("ipsec-sim: ");
  REQUIRE(at != std::string::npos);
  r.cycles = std::stoull(stats.substr(at + 11));
  return r;
}

// What a VCD says of the engine's top-level one-bit signals: its time scale and, for each,
// the times it changed and its values.
struct Vcd {
  std::string timescale;
  std::map<std::string, std::string> id_of;                               // top-level name -> id
  std::map<std::string, std::vector<std::pair<uint64_t, char>>> changes;  // id -> (time, value)

  explicit Vcd(const std::string& text) {
    std::istringstream in(text);
    std::string tok;
    int depth = 0;
    uint64_t now = 0;
    while (in >> tok) {
      if (tok == "$timescale") {
        for (std::string t; in >> t && t != "$end";) timescale += t;
      } else if (tok == "$scope") {
        ++depth;
      } else if (tok == "$upscope") {
        --depth;
      } else if (tok == "$var") {
        std::string type, width, id, name;
        in >> type >> width >> id >> name;
        if (depth == 1 && width == "1") id_of[name] = id;
      } else if (tok[0] == 'b' || tok[0] == 'r') {
        in >> tok;  // a vector's value, then its id (which may start with '#')
      } else if (tok[0] == '#') {
        now = std::stoull(tok.substr(1));
      } else if ((tok[0] == '0' || tok[0] == '1') && tok.size() > 1) {
        changes[tok.substr(1)].push_back({now, tok[0]});
      }
    }
  }

  // The signal's value at time t (its last change at or before t).
  char at(const std::string& name, uint64_t t) const {
    const auto& c = changes.at(id_of.at(name));
    char v = 'x';
    for (const auto& [when, value] : c) {
      if (when > t) break;
      v = value;
    }
    return v;
  }

  std::vector<uint64_t> edges(const std::string& name, char to) const {
    std::vector<uint64_t> out;
    for (const auto& [when, value] : changes.at(id_of.at(name))) {
      if (value == to) out.push_back(when);
    }
    return out;
  }
};

// The clock: 1 ps units, rising edges every 3,200 ps half a period into each clock, falling
// edges at the clocks' starts; one rising edge per clock simulated.
void check_clock(const Vcd& vcd, uint64_t cycles) {
  CHECK(vcd.timescale == "1ps");
  REQUIRE(vcd.id_of.count("clk_i"));
  const std::vector<uint64_t> rise = vcd.edges("clk_i", '1'), fall = vcd.edges("clk_i", '0');
  CHECK(rise.size() == cycles);
  REQUIRE(rise.size() > 100);
  CHECK(rise.front() == kClockPeriodPs / 2);
  for (size_t i = 1; i < rise.size(); ++i) {
    INFO("rising edge " << i);
    REQUIRE(rise[i] - rise[i - 1] == 3200);
  }
  for (size_t i = 1; i < fall.size(); ++i) {
    INFO("falling edge " << i);
    REQUIRE(fall[i] % 3200 == 0);
  }
}

// The rising edge that took the first frame beat on an input port.
std::optional<uint64_t> first_beat_edge(const Vcd& vcd) {
  for (uint64_t edge : vcd.edges("clk_i", '1')) {
    const uint64_t before = edge - 1;  // the clock's inputs, set up at its start
    const bool tx = vcd.at("host_tx_tvalid_i", before) == '1' && vcd.at("host_tx_tready_o", before) == '1';
    const bool rx = vcd.at("wire_rx_tvalid_i", before) == '1' && vcd.at("wire_rx_tready_o", before) == '1';
    if (tx || rx) return edge;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("the engine's nominal clock is 312.5 MHz: 3,200 ps a clock, named once") {
  CHECK(ipsec::sim::kClockHz == 312'500'000);
  CHECK(kClockPeriodPs == 3200);
  CHECK(ipsec::sim::cycle_start_ns(1) == 3);  // 3.2 ns, to pcap's nanosecond
  CHECK(ipsec::sim::cycle_start_ns(5) == 16);
  CHECK(ipsec::sim::cycle_edge_ps(2) == 8000);
}

TEST_CASE("VCD: a clock lasts 3.2 ns, and the layout beside it opens on the first frame beat") {
  const SimRun r = run_sim("vcd", "--vcd demo.vcd");
  const Vcd vcd(slurp(r.dir / "demo.vcd"));
  check_clock(vcd, r.cycles);

  const std::optional<uint64_t> beat = first_beat_edge(vcd);
  REQUIRE(beat);
  // Not the reset scrub: the SA table's takes 1,024 clocks, and the SA is added after it.
  CHECK(*beat > 1024 * kClockPeriodPs);
  const std::string layout = slurp(r.dir / "demo.gtkw");
  REQUIRE(!layout.empty());
  CHECK(layout.find("[dumpfile] \"demo.vcd\"\n") != std::string::npos);
  CHECK(layout.find("[timestart] " + std::to_string(*beat - kClockPeriodPs / 2 - 4 * kClockPeriodPs) + "\n") !=
        std::string::npos);
  // The primary marker, after the zoom, on the beat's edge.
  const size_t zoom = layout.find("\n*-");
  REQUIRE(zoom != std::string::npos);
  std::istringstream z(layout.substr(zoom + 2));
  double factor = 0;
  long long marker = 0;
  z >> factor >> marker;
  CHECK(marker == static_cast<long long>(*beat));
  // GTKWave draws 2^-zoom time units in 200 pixels: about 154 ps a pixel, 48 clocks in
  // 1,000 pixels.
  CHECK(factor < -14.5);
  CHECK(factor > -15.5);
  // The signals are waves/engine.gtkw's.
  const std::string source = slurp(fs::path(IPSEC_SOURCE_DIR) / "waves/engine.gtkw");
  const size_t signals = source.find("\n@");
  REQUIRE(signals != std::string::npos);
  CHECK(layout.find(source.substr(signals)) != std::string::npos);
}

TEST_CASE("pcap time stamps are on the same clock: each frame at the clock its first beat left, to the nanosecond") {
  const SimRun r = run_sim("pcap", "--vcd demo.vcd");
  const Vcd vcd(slurp(r.dir / "demo.vcd"));
  // The clocks whose rising edge took a frame's first beat on wire TX, from the waveform.
  std::vector<uint64_t> first_beats_ns;
  bool inside = false;
  for (uint64_t edge : vcd.edges("clk_i", '1')) {
    const uint64_t before = edge - 1;
    if (vcd.at("wire_tx_tvalid_o", before) != '1' || vcd.at("wire_tx_tready_i", before) != '1') continue;
    if (!inside) first_beats_ns.push_back((edge - kClockPeriodPs / 2) / 1000);  // the clock's start
    inside = vcd.at("wire_tx_tlast_o", before) != '1';
  }
  REQUIRE(first_beats_ns.size() > 2);

  const std::string pcap = slurp(r.dir / "wire.pcap");
  REQUIRE(pcap.size() > 24 + 16);
  uint32_t magic;
  std::memcpy(&magic, pcap.data(), 4);
  CHECK(magic == 0xa1b23c4du);  // nanosecond time stamps
  // After the wall clock's whole seconds at the start: the run is far shorter than a second.
  REQUIRE(ipsec::sim::cycle_start_ns(r.cycles) < 1'000'000'000);
  std::vector<uint64_t> stamps_ns;
  size_t at = 24;
  while (at + 16 <= pcap.size()) {
    uint32_t sec, nsec, caplen;
    std::memcpy(&sec, &pcap[at], 4);
    std::memcpy(&nsec, &pcap[at + 4], 4);
    std::memcpy(&caplen, &pcap[at + 8], 4);
    CHECK(sec > 0);
    stamps_ns.push_back(nsec);
    at += 16 + caplen;
  }
  CHECK(at == pcap.size());
  // One stamp per frame, each where the waveform shows the frame starting.
  CHECK(stamps_ns == first_beats_ns);
}

TEST_CASE("FST: a clock lasts 3.2 ns there too") {
  if (!have("vcd2fst") || !have("fst2vcd")) {
    MESSAGE("vcd2fst and fst2vcd not found (Debian package gtkwave; scripts/install-deps): FST not checked");
    return;
  }
  const SimRun r = run_sim("fst", "--fst demo.fst");
  CHECK(fs::exists(r.dir / "demo.gtkw"));
  CHECK(slurp(r.dir / "demo.gtkw").find("[dumpfile] \"demo.fst\"\n") != std::string::npos);
  REQUIRE(run("fst2vcd '" + (r.dir / "demo.fst").string() + "' > '" + (r.dir / "back.vcd").string() + "' 2>/dev/null") == 0);
  check_clock(Vcd(slurp(r.dir / "back.vcd")), r.cycles);
}
