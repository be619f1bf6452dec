// The kernel log the driver and the xfrm core write to (printk), read back as `dmesg`
// prints it: one line per message, stamped with the device clock instead of seconds.
// `ip` itself prints only what iproute2 prints (`RTNETLINK answers: ...`); what the kernel
// said about it is here, as on a real system.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ipsec::driver {

// printk levels (include/linux/kern_levels.h), the ones the driver uses.
enum class LogLevel : uint8_t { kErr = 3, kWarn = 4, kInfo = 6, kDebug = 7 };

struct LogLine {
  uint64_t cycle = 0;
  LogLevel level = LogLevel::kInfo;
  std::string text;  // without a trailing newline
};

class KernelLog {
 public:
  void log(uint64_t cycle, LogLevel level, std::string text);
  const std::vector<LogLine>& lines() const { return lines_; }
  // The lines from index `from` on, as dmesg prints them: "[CYCLE] text", the cycle
  // right-aligned in 12 columns (dmesg's "[    5.123456]" with clocks for seconds).
  std::string dmesg(size_t from = 0) const;
  // Warnings and errors logged so far (for tests and for a scenario's summary).
  uint64_t warnings() const { return warnings_; }
  void clear() { lines_.clear(); }

 private:
  std::vector<LogLine> lines_;
  uint64_t warnings_ = 0;
};

}  // namespace ipsec::driver
