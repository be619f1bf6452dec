// make bench: runs every measurement, prints a table, writes JSON.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "bench.h"

namespace {

std::string json_number(double v) {
  char buf[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

// Writes `path` through a temporary file, so that it never exists half-written.
bool write_json(const std::string& path, const std::vector<ipsec::bench::Section>& sections) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\n";
    for (size_t s = 0; s < sections.size(); ++s) {
      out << "  \"" << sections[s].name << "\": {";
      const auto& f = sections[s].figures;
      for (size_t i = 0; i < f.size(); ++i) {
        out << (i ? ", " : "") << "\"" << f[i].key << "\": " << json_number(f[i].value);
      }
      out << "}" << (s + 1 < sections.size() ? "," : "") << "\n";
    }
    out << "}\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else {
      std::cerr << "usage: ipsec-bench [--json FILE]\n";
      return 2;
    }
  }
  std::vector<ipsec::bench::Section> sections;
  sections.push_back(ipsec::bench::bench_gcm());

  std::printf("%-10s %-28s %16s  %s\n", "section", "figure", "value", "unit");
  for (const auto& s : sections) {
    for (const auto& f : s.figures) {
      std::printf("%-10s %-28s %16s  %s\n", s.name.c_str(), f.key.c_str(),
                  json_number(f.value).c_str(), f.unit.c_str());
    }
  }
  if (!json.empty()) {
    if (!write_json(json, sections)) {
      std::cerr << "ipsec-bench: cannot write " << json << "\n";
      return 1;
    }
    std::printf("written to %s\n", json.c_str());
  }
  return 0;
}
