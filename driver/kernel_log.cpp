#include "kernel_log.h"

#include <cstdio>
#include <utility>

namespace ipsec::driver {

void KernelLog::log(uint64_t cycle, LogLevel level, std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (level == LogLevel::kWarn || level == LogLevel::kErr) ++warnings_;
  lines_.push_back(LogLine{cycle, level, std::move(text)});
}

std::string KernelLog::dmesg(size_t from) const {
  std::string out;
  char stamp[32];
  for (size_t i = from; i < lines_.size(); ++i) {
    std::snprintf(stamp, sizeof stamp, "[%12llu] ",
                  static_cast<unsigned long long>(lines_[i].cycle));
    out += stamp;
    out += lines_[i].text;
    out += '\n';
  }
  return out;
}

}  // namespace ipsec::driver
