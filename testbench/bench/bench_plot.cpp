// The picture of make bench: bus utilization and latency of the whole engine against frame
// size, TX and RX, drawn from the figures themselves (section engine) as a plain SVG, so
// that it needs nothing but this program and always shows the numbers of the same run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench.h"

namespace ipsec::bench {

namespace {

struct Point {
  double bytes, util, lat_worst, lat_mean;
};

// The fixed frame sizes of one direction (IMIX has no single size: it is left out).
std::vector<Point> series(const Section& engine, const std::string& dir) {
  std::map<std::string, double> v;
  for (const Figure& f : engine.figures) {
    if (!f.is_text) v[f.key] = f.value;
  }
  std::vector<Point> pts;
  for (size_t size : kFrameSizes) {
    if (!size) continue;
    const std::string k = dir + "." + size_key(size) + ".";
    if (!v.count(k + "bus_utilization")) continue;
    // RX names the size that ran (64 is raised to the smallest ESP frame).
    const double bytes = v.count(k + "frame_bytes") ? v[k + "frame_bytes"] : static_cast<double>(size);
    pts.push_back({bytes, v[k + "bus_utilization"], v[k + "latency_cycles"], v[k + "latency_mean_cycles"]});
  }
  return pts;
}

std::string num(double x, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// One panel: x is the frame size on a log scale, y linear from y0 to y1.
class Panel {
 public:
  Panel(double left, double top, double y0, double y1) : left_(left), top_(top), y0_(y0), y1_(y1) {}
  double x(double bytes) const {
    return left_ + kW * (std::log(bytes) - std::log(kX0)) / (std::log(kX1) - std::log(kX0));
  }
  double y(double v) const { return top_ + kH * (1 - (v - y0_) / (y1_ - y0_)); }
  void frame(std::ostream& out, const std::string& title, const std::string& unit, int decimals) const {
    out << "<rect x='" << left_ << "' y='" << top_ << "' width='" << kW << "' height='" << kH
        << "' fill='none' stroke='#888'/>\n";
    out << "<text x='" << left_ + kW / 2 << "' y='" << top_ - 12 << "' text-anchor='middle' font-weight='bold'>"
        << title << "</text>\n";
    // 1024 and 1500 stand close on the log scale: their labels lean apart.
    for (double b : {64.0, 128.0, 256.0, 512.0, 1024.0, 1500.0, 9000.0}) {
      out << "<line x1='" << x(b) << "' y1='" << top_ << "' x2='" << x(b) << "' y2='" << top_ + kH
          << "' stroke='#eee'/>\n<text x='" << x(b) << "' y='" << top_ + kH + 16
          << "' text-anchor='" << (b == 1024.0 ? "end" : b == 1500.0 ? "start" : "middle") << "'>"
          << num(b, 0) << "</text>\n";
    }
    out << "<text x='" << left_ + kW / 2 << "' y='" << top_ + kH + 34
        << "' text-anchor='middle'>frame size, bytes (log scale)</text>\n";
    for (int i = 0; i <= 4; ++i) {
      const double v = y0_ + (y1_ - y0_) * i / 4;
      out << "<text x='" << left_ - 6 << "' y='" << y(v) + 4 << "' text-anchor='end'>" << num(v, decimals)
          << "</text>\n";
    }
    out << "<text transform='translate(" << left_ - 52 << "," << top_ + kH / 2
        << ") rotate(-90)' text-anchor='middle'>" << unit << "</text>\n";
  }
  void line(std::ostream& out, const std::vector<std::pair<double, double>>& pts, const std::string& colour,
            bool dashed) const {
    out << "<polyline fill='none' stroke='" << colour << "' stroke-width='2'" << (dashed ? " stroke-dasharray='5,4'" : "")
        << " points='";
    for (const auto& p : pts) out << num(x(p.first), 1) << "," << num(y(p.second), 1) << " ";
    out << "'/>\n";
    for (const auto& p : pts) {
      out << "<circle cx='" << num(x(p.first), 1) << "' cy='" << num(y(p.second), 1) << "' r='3' fill='" << colour
          << "'/>\n";
    }
  }
  static constexpr double kW = 380, kH = 260, kX0 = 56, kX1 = 11000;

 private:
  double left_, top_, y0_, y1_;
};

}  // namespace

bool write_plot(const std::string& path, const std::vector<Section>& sections) {
  const Section* engine = nullptr;
  for (const Section& s : sections) {
    if (s.name == "engine") engine = &s;
  }
  if (!engine) return false;
  const std::vector<Point> tx = series(*engine, "tx"), rx = series(*engine, "rx");
  // Utilization sits just under 1.0: the axis spans from a little below the lowest point
  // (never above 0.99, the target) to 1.0, so that a dip shows.
  double umin = 0.99, lmax = 10;
  for (const auto* s : {&tx, &rx}) {
    for (const Point& p : *s) {
      umin = std::min(umin, p.util);
      lmax = std::max(lmax, p.lat_worst);
    }
  }
  const double u0 = std::floor(umin * 200 - 1) / 200;  // steps of 0.005
  const double l1 = std::ceil(lmax * 1.2 / 10) * 10;
  const Panel util(90, 50, u0, 1.0), lat(590, 50, 0, l1);
  auto pick = [](const std::vector<Point>& s, double Point::*m) {
    std::vector<std::pair<double, double>> out;
    for (const Point& p : s) out.push_back({p.bytes, p.*m});
    return out;
  };
  const std::string tx_colour = "#1f6fb4", rx_colour = "#d1601a";
  std::ostringstream out;
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='1000' height='420' font-family='sans-serif' "
         "font-size='12'>\n<rect width='1000' height='420' fill='white'/>\n";
  util.frame(out, "Bus utilization, whole engine (engine.*.bus_utilization)", "busy beats per clock", 3);
  out << "<line x1='90' y1='" << util.y(0.99) << "' x2='" << 90 + Panel::kW << "' y2='" << util.y(0.99)
      << "' stroke='#c00' stroke-dasharray='2,3'/>\n";
  util.line(out, pick(tx, &Point::util), tx_colour, false);
  util.line(out, pick(rx, &Point::util), rx_colour, false);
  lat.frame(out, "Latency over every frame (engine.*.latency_*)", "clocks", 0);
  lat.line(out, pick(tx, &Point::lat_worst), tx_colour, false);
  lat.line(out, pick(tx, &Point::lat_mean), tx_colour, true);
  lat.line(out, pick(rx, &Point::lat_worst), rx_colour, false);
  lat.line(out, pick(rx, &Point::lat_mean), rx_colour, true);
  const double ly = 392;
  out << "<rect x='90' y='" << ly - 10 << "' width='14' height='4' fill='" << tx_colour << "'/><text x='110' y='" << ly
      << "'>TX (host to wire): last beat in to first beat out</text>\n";
  out << "<rect x='500' y='" << ly - 10 << "' width='14' height='4' fill='" << rx_colour << "'/><text x='520' y='" << ly
      << "'>RX (wire to host, all ESP, decrypted): last beat in to first beat out</text>\n";
  out << "<text x='90' y='" << ly + 18 << "'>Solid: worst frame; dashed: mean. Red dotted: 0.99. "
         "RX's smallest point is the smallest ESP frame. Simulated clocks; IMIX not shown.</text>\n";
  out << "</svg>\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << out.str();
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace ipsec::bench
