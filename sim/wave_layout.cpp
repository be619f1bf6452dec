#include "wave_layout.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine_clock.h"
#include "engine_layout_template.h"  // kEngineLayoutTemplate: waves/engine.gtkw, generated

namespace ipsec::sim {

std::string engine_layout(const std::string& wave_path, std::optional<uint64_t> first_beat, uint64_t trace_from) {
  std::ostringstream out;
  uint64_t start_cycle = trace_from;
  if (first_beat && *first_beat > trace_from + kLayoutLeadClocks) start_cycle = *first_beat - kLayoutLeadClocks;
  // GTKWave's zoom z draws 2^-z time units in 200 pixels (its calczoom()): kLayoutClocks
  // in about 1,000 pixels.
  const double ps_per_pixel = static_cast<double>(kLayoutClocks * kClockPeriodPs) / 1000.0;
  const double zoom = -std::log2(ps_per_pixel * 200.0);
  out << "[*] Written by ipsec-sim from waves/engine.gtkw for " << wave_path << ": opens on ";
  if (first_beat) {
    out << "the first frame beat (clock " << *first_beat << ", the marker)\n";
  } else {
    out << "the first clock traced (no frame beat in it)\n";
  }
  out << "[dumpfile] \"" << wave_path << "\"\n";
  out << "[timestart] " << cycle_start_ps(start_cycle) << "\n";
  char zoom_line[64];
  std::snprintf(zoom_line, sizeof zoom_line, "*%.6f %lld", zoom,
                first_beat ? static_cast<long long>(cycle_edge_ps(*first_beat)) : -1LL);
  out << zoom_line;
  for (int i = 0; i < 26; ++i) out << " -1";  // the named markers A..Z: unset
  out << "\n";
  // The layout itself: everything but the template's comments, start time, dump file and zoom.
  std::istringstream in(kEngineLayoutTemplate);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[*]", 0) == 0 || line.rfind("[timestart]", 0) == 0 || line.rfind("[dumpfile]", 0) == 0 ||
        line.rfind("*", 0) == 0) {
      continue;
    }
    out << line << "\n";
  }
  return out.str();
}

void write_engine_layout(const std::string& layout_path, const std::string& wave_path,
                         std::optional<uint64_t> first_beat, uint64_t trace_from) {
  const std::string tmp = layout_path + ".tmp";
  {
    std::ofstream f(tmp);
    f << engine_layout(wave_path, first_beat, trace_from);
    if (!f.flush()) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write " + layout_path + ": " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), layout_path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + layout_path + ": " + std::strerror(err));
  }
}

}  // namespace ipsec::sim
