#include "icarus_gcm.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "stall.h"

#ifndef IPSEC_SOURCE_DIR
#error "IPSEC_SOURCE_DIR: the source tree (rtl/crypto/sources.f and the bench)"
#endif

namespace ipsec::tb {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("icarus: cannot read " + p.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  if (!out) throw std::runtime_error("icarus: cannot write " + p.string());
}

std::string tail(const fs::path& log, size_t lines) {
  std::ifstream in(log);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

double run_timed(const std::string& cmd, int* status) {
  const auto t0 = std::chrono::steady_clock::now();
  *status = std::system(cmd.c_str());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Icarus Verilog 11 mis-elaborates two constructs of rtl/crypto that Yosys 0.23 needs (it
// reads no `import` in a module header); these rewrites, applied to copies in the temporary
// directory (never to rtl/), give the same design in forms Icarus handles. Anything they
// miss shows as a port width warning (refused below) or as outputs that differ from the
// Verilated model's (refused by the callers).
//  1. A package-scoped type, `gcm_pkg::gcm_slot_t x;` or an enum port type: iverilog
//     aborts ("elab_type.cc:86: failed assertion scope") or crashes. The `pkg::` prefixes
//     go and a compilation-unit `import pkg::*;` follows the package.
//  2. `$bits(variable)` in a parameter override evaluates to 0 (ports truncated):
//     `$bits(x)` of a variable declared with a package type becomes `$bits(type)`.
// (A third, `assign y = array_q[N]` reading an unpacked array written in generate blocks,
// stays X under Icarus; rtl/crypto/aes_cipher_pipe.sv avoids the form.)
std::vector<fs::path> rewrite_sources(const fs::path& src_root, const fs::path& dir) {
  std::vector<fs::path> files;
  {
    std::ifstream list(src_root / "rtl/crypto/sources.f");
    if (!list) throw std::runtime_error("icarus: cannot read rtl/crypto/sources.f");
    for (std::string l; std::getline(list, l);) {
      l = std::regex_replace(l, std::regex(R"(^\s+|\s+$)"), "");
      if (!l.empty() && l[0] != '#' && l.rfind("//", 0) != 0) files.push_back(src_root / l);
    }
  }
  const std::regex package_re(R"(^\s*package\s+(\w+)\s*;)");
  std::vector<std::string> texts;
  std::set<std::string> packages;
  for (const auto& f : files) {
    texts.push_back(read_text(f));
    std::istringstream in(texts.back());
    std::smatch m;
    for (std::string l; std::getline(in, l);) {
      if (std::regex_search(l, m, package_re)) packages.insert(m[1]);
    }
  }
  const std::regex decl_re(R"(^\s*(\w+)::(\w+)\s+([\w\s,]+);)");
  std::vector<fs::path> out;
  for (size_t i = 0; i < files.size(); ++i) {
    std::map<std::string, std::string> var_type;
    std::vector<std::string> lines;
    std::istringstream in(texts[i]);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::smatch m;
    for (const auto& l : lines) {
      if (std::regex_search(l, m, decl_re) && packages.count(m[1])) {
        std::istringstream names(std::regex_replace(m[3].str(), std::regex(","), " "));
        for (std::string n; names >> n;) var_type[n] = m[2];
      }
    }
    std::string text;
    for (auto l : lines) {
      // A package function call (`pkg::f(`) keeps its prefix: Icarus finds the function
      // there, and not through the compilation-unit import.
      for (const auto& p : packages) l = std::regex_replace(l, std::regex("\\b" + p + "::(?!\\w+\\s*\\()"), "");
      for (const auto& [var, type] : var_type) {
        l = std::regex_replace(l, std::regex("\\$bits\\(\\s*" + var + "\\s*\\)"), "$$bits(" + type + ")");
      }
      text += l + "\n";
    }
    const fs::path copy = dir / ("rtl_" + std::to_string(i) + "_" + files[i].filename().string());
    write_text(copy, text);
    out.push_back(copy);
    std::istringstream again(texts[i]);
    std::string imports;
    for (std::string l; std::getline(again, l);) {
      if (std::regex_search(l, m, package_re)) imports += "import " + m[1].str() + "::*;\n";
    }
    if (!imports.empty()) {
      const fs::path imp = dir / ("rtl_" + std::to_string(i) + "_import.sv");
      write_text(imp, imports);
      out.push_back(imp);
    }
  }
  return out;
}

std::string hex_be(const uint8_t* p, size_t n) {  // p[0] first
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

std::string hex_le16(const uint8_t* p, size_t n) {  // a beat: byte 15 first
  uint8_t full[16] = {};
  std::copy(p, p + n, full);
  std::string s;
  char b[3];
  for (int i = 15; i >= 0; --i) {
    std::snprintf(b, sizeof b, "%02x", full[i]);
    s += b;
  }
  return s;
}

}  // namespace

std::string icarus_missing() {
  if (std::system("command -v iverilog > /dev/null 2>&1 && command -v vvp > /dev/null 2>&1") != 0) {
    return "iverilog/vvp not found (Debian package iverilog)";
  }
  return {};
}

IcarusGcm::IcarusGcm() {
  char tmpl[] = "/tmp/ipsec-icarus-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("icarus: cannot make a temporary directory");
  dir_ = tmpl;
  const fs::path root(IPSEC_SOURCE_DIR);
  const auto files = rewrite_sources(root, dir_);
  vvp_ = dir_ + "/gcm_stream_icarus_tb.vvp";
  std::string cmd = "iverilog -g2012 -s gcm_stream_icarus_tb -o '" + vvp_ + "'";
  for (const auto& f : files) cmd += " '" + f.string() + "'";
  cmd += " '" + (root / "testbench/crypto/gcm_stream_icarus_tb.sv").string() + "'";
  const std::string log = dir_ + "/iverilog.log";
  cmd += " > '" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string text = read_text(log);
  std::smatch m;
  if (rc != 0 || !fs::exists(vvp_)) {
    throw std::runtime_error("icarus: iverilog failed (" + dir_ + "):\n" + tail(log, 20));
  }
  if (std::regex_search(text, m, std::regex(R"([^\n]*warning: Port[^\n]*)"))) {
    throw std::runtime_error("icarus: a port width mismatch after the Icarus rewrites (" + dir_ +
                             "): " + m[0].str());
  }
}

IcarusGcm::~IcarusGcm() {
  std::error_code ec;
  if (!dir_.empty() && !std::getenv("IPSEC_KEEP_ICARUS")) fs::remove_all(dir_, ec);
}

IcarusRun IcarusGcm::run(const std::vector<GcmJob>& jobs, uint64_t seed, int in_stall_percent,
                         int out_stall_percent, uint64_t clocks_bound) {
  // The stimulus, as gcm_stream_harness.cpp turns jobs into beats.
  std::vector<std::string> msg_lines, beat_lines;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const GcmJob& job = jobs[j];
    if (job.key.size() != 16 && job.key.size() != 32) throw std::invalid_argument("key size");
    uint8_t key[32] = {};
    std::copy(job.key.begin(), job.key.end(), key);
    msg_lines.push_back(hex_be(key, 32) + " " + hex_be(job.iv.data(), 12) + " " +
                        (job.key.size() == 32 ? "1" : "0") + " " + (job.decrypt ? "1" : "0"));
    char head[64];
    auto add = [&](int kind, const uint8_t* p, size_t n) {
      std::snprintf(head, sizeof head, "%zx %x %x ", j, kind, (1u << n) - 1);
      beat_lines.push_back(head + hex_le16(p, n));
    };
    for (const Bytes& p : job.pass) add(0, p.data(), p.size());
    for (size_t off = 0; off < job.aad.size(); off += 16) {
      add(1, job.aad.data() + off, std::min<size_t>(16, job.aad.size() - off));
    }
    for (size_t off = 0; off < job.text.size(); off += 16) {
      add(2, job.text.data() + off, std::min<size_t>(16, job.text.size() - off));
    }
    add(3, job.tag.data(), 16);
  }
  // GcmStreamHarness's two generators, drawn in the order the harness asks them.
  const uint64_t decisions = in_stall_percent || out_stall_percent ? clocks_bound + 16 : 0;
  Staller in_go(seed, in_stall_percent), out_go(seed ^ 0x9e3779b97f4a7c15ull, out_stall_percent);
  const std::string stim = dir_ + "/stimulus.hex", out = dir_ + "/outputs.txt";
  {
    std::ofstream f(stim);
    char head[96];
    std::snprintf(head, sizeof head, "%zx %zx %llx %llx\n", jobs.size(), beat_lines.size(),
                  static_cast<unsigned long long>(decisions), static_cast<unsigned long long>(decisions));
    f << head;
    for (const auto& l : msg_lines) f << l << "\n";
    for (const auto& l : beat_lines) f << l << "\n";
    for (uint64_t i = 0; i < decisions; ++i) f << (in_go.go() ? "1" : "0") << (i % 64 == 63 ? "\n" : " ");
    f << "\n";
    for (uint64_t i = 0; i < decisions; ++i) f << (out_go.go() ? "1" : "0") << (i % 64 == 63 ? "\n" : " ");
    f << "\n";
    if (!f) throw std::runtime_error("icarus: cannot write " + stim);
  }
  // vvp's own start-up (loading the design, reading a file): a run with no messages.
  const std::string empty = dir_ + "/empty.hex";
  write_text(empty, "0 0 0 0\n");
  const std::string log = dir_ + "/vvp.log";
  int status = 0;
  const double startup = run_timed("vvp -n '" + vvp_ + "' +stim='" + empty + "' +out='" + out + "' > '" + log + "' 2>&1", &status);
  if (status != 0) throw std::runtime_error("icarus: vvp failed (" + dir_ + "):\n" + tail(log, 10));
  fs::remove(out);
  const double wall = run_timed("vvp -n '" + vvp_ + "' +stim='" + stim + "' +out='" + out + "' > '" + log + "' 2>&1", &status);
  const std::string log_text = read_text(log);
  if (status != 0 || log_text.find("FATAL") != std::string::npos || log_text.find("ERROR") != std::string::npos) {
    throw std::runtime_error("icarus: vvp failed (" + dir_ + "):\n" + tail(log, 10));
  }

  // Outputs back into results, as the harness collects them.
  IcarusRun r;
  r.seconds = std::max(wall - startup, 1e-6);
  r.results.resize(jobs.size());
  std::ifstream in(out);
  size_t done = 0;
  bool finished = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string kind, keep, data, ok;
    l >> kind;
    if (kind == "clocks") {
      l >> r.clocks;
      finished = true;
      break;
    }
    l >> keep >> data >> ok;
    if (data.size() != 32 || done >= jobs.size()) throw std::runtime_error("icarus: bad output line '" + line + "'");
    uint8_t bytes[16];
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(std::stoul(data.substr(static_cast<size_t>(30 - 2 * i), 2), nullptr, 16));
    size_t n = 0;
    const unsigned long keep_bits = std::stoul(keep, nullptr, 16);
    while (n < 16 && (keep_bits >> n & 1)) ++n;
    GcmResult& res = r.results[done];
    switch (std::stoi(kind, nullptr, 16)) {
      case 0: res.pass.emplace_back(bytes, bytes + n); break;
      case 2: res.text.insert(res.text.end(), bytes, bytes + n); break;
      case 3:
        std::copy(bytes, bytes + 16, res.tag.begin());
        res.tag_ok = ok == "1";
        ++done;
        break;
      default: throw std::runtime_error("icarus: AAD beat on the output");
    }
  }
  if (!finished || done != jobs.size()) {
    throw std::runtime_error("icarus: " + std::to_string(done) + " of " + std::to_string(jobs.size()) +
                             " messages came out (" + dir_ + ")");
  }
  return r;
}

std::string compare_gcm_results(const std::vector<GcmResult>& a, const std::vector<GcmResult>& b) {
  if (a.size() != b.size()) {
    return std::to_string(a.size()) + " messages against " + std::to_string(b.size());
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string m = "message " + std::to_string(i) + ": ";
    if (a[i].pass != b[i].pass) return m + "pass-through beats differ";
    if (a[i].text.size() != b[i].text.size()) {
      return m + "text of " + std::to_string(a[i].text.size()) + " bytes against " + std::to_string(b[i].text.size());
    }
    for (size_t k = 0; k < a[i].text.size(); ++k) {
      if (a[i].text[k] != b[i].text[k]) return m + "text byte " + std::to_string(k) + " differs";
    }
    if (a[i].tag != b[i].tag) return m + "tags differ";
    if (a[i].tag_ok != b[i].tag_ok) return m + "tag_ok differs";
  }
  return {};
}

}  // namespace ipsec::tb
