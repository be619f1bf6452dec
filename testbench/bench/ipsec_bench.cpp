// make bench: runs every measurement, prints a table, writes JSON.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bench.h"

namespace {

std::string json_number(double v) {
  if (std::isnan(v)) return "null";  // an absent figure
  char buf[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// A JSON object whose keys keep their order; a figure key "a.b" nests b inside a.
struct Node {
  std::vector<std::pair<std::string, Node>> children;
  std::string value;  // a leaf
  Node& at(const std::string& key) {
    for (auto& c : children) {
      if (c.first == key) return c.second;
    }
    children.push_back({key, Node{}});
    return children.back().second;
  }
  void write(std::ostream& out, int indent) const {
    if (children.empty()) {
      out << value;
      return;
    }
    out << "{\n";
    for (size_t i = 0; i < children.size(); ++i) {
      out << std::string(indent + 2, ' ') << '"' << children[i].first << "\": ";
      children[i].second.write(out, indent + 2);
      out << (i + 1 < children.size() ? ",\n" : "\n");
    }
    out << std::string(indent, ' ') << "}";
  }
};

// Writes `path` through a temporary file, so that it never exists half-written.
bool write_json(const std::string& path, const std::vector<ipsec::bench::Section>& sections) {
  Node root;
  for (const auto& s : sections) {
    for (const auto& f : s.figures) {
      Node* n = &root.at(s.name);
      size_t from = 0;
      for (size_t dot; (dot = f.key.find('.', from)) != std::string::npos; from = dot + 1) {
        n = &n->at(f.key.substr(from, dot - from));
      }
      if (f.is_text) {
        n->at(f.key.substr(from)).value = json_string(f.unit);
        continue;
      }
      n->at(f.key.substr(from)).value = json_number(f.value);
      if (std::isnan(f.value)) n->at(f.key.substr(from) + "_note").value = json_string(f.unit);
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    root.write(out, 0);
    out << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json, svg, only;
  int sim_frames = 1500, sim_runs = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else if (!std::strcmp(argv[i], "--svg") && i + 1 < argc) {
      svg = argv[++i];
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      only = "," + std::string(argv[++i]) + ",";
    } else if (!std::strcmp(argv[i], "--sim-frames") && i + 1 < argc) {
      sim_frames = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--sim-runs") && i + 1 < argc) {
      sim_runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: ipsec-bench [--json FILE] [--svg FILE] [--only GROUP[,GROUP...]]\n"
                   "                   [--sim-frames N] [--sim-runs N]\n"
                   "  GROUP: gcm, tx, rx, engine (engine, duplex, sa_switch, sa_add, sim),\n"
                   "         engine_pkt (engine_pkt, sa_switch_pkt: packet offload), icarus, host;\n"
                   "  sim_speed: sim.cycles_per_second alone, N frames each way (1500), best of N runs (3)\n";
      return 2;
    }
  }
  // Every group but sim_speed (engine measures the same, with the rest), or those --only names.
  auto want = [&only](const char* group) {
    return only.empty() ? std::strcmp(group, "sim_speed") != 0
                        : only.find("," + std::string(group) + ",") != std::string::npos;
  };
  // The harnesses check every frame with doctest assertions: outside a test they report
  // through this context, and a failed one ends the run.
  doctest::Context checks;
  checks.setAsDefaultForAssertsOutOfTestCases();
  checks.setAssertHandler([](const doctest::AssertData& d) {
    std::cerr << "ipsec-bench: check failed at " << d.m_file << ":" << d.m_line << ": " << d.m_expr << "\n";
    std::exit(1);
  });
  std::vector<ipsec::bench::Section> sections;
  try {
    if (want("gcm")) sections.push_back(ipsec::bench::bench_gcm());
    if (want("tx")) sections.push_back(ipsec::bench::bench_tx());
    if (want("rx")) sections.push_back(ipsec::bench::bench_rx());
    if (want("engine")) {
      for (auto& s : ipsec::bench::bench_engine()) sections.push_back(std::move(s));
    }
    if (want("engine_pkt")) {
      for (auto& s : ipsec::bench::bench_engine_packet()) sections.push_back(std::move(s));
    }
    if (want("sim_speed")) sections.push_back(ipsec::bench::bench_sim_speed(sim_frames, sim_runs));
    if (want("icarus")) sections.push_back(ipsec::bench::bench_icarus());
    if (want("host")) sections.push_back(ipsec::bench::bench_host());
  } catch (const std::exception& e) {
    std::cerr << "ipsec-bench: " << e.what() << "\n";
    return 1;
  }

  std::printf("%-10s %-34s %14s  %s\n", "section", "figure", "value", "unit");
  for (const auto& s : sections) {
    for (const auto& f : s.figures) {
      if (f.is_text) {
        std::printf("%-10s %-34s %s\n", s.name.c_str(), f.key.c_str(), f.unit.c_str());
        continue;
      }
      std::printf("%-10s %-34s %14s  %s\n", s.name.c_str(), f.key.c_str(),
                  std::isnan(f.value) ? "absent" : json_number(f.value).c_str(), f.unit.c_str());
    }
  }
  if (!json.empty()) {
    if (!write_json(json, sections)) {
      std::cerr << "ipsec-bench: cannot write " << json << "\n";
      return 1;
    }
    std::printf("written to %s\n", json.c_str());
  }
  if (!svg.empty()) {
    if (!ipsec::bench::write_plot(svg, sections)) {
      std::cerr << "ipsec-bench: cannot write " << svg << "\n";
      return 1;
    }
    std::printf("written to %s\n", svg.c_str());
  }
  return 0;
}
