// pcap files of Ethernet frames (link type DLT_EN10MB), read and written with libpcap. A
// file that cannot be read is an error naming it; a file being written lives under a
// temporary name in the same directory until commit() renames it, so no half-written
// output is ever left under the name asked for.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipsec::tool {

using Frame = std::vector<uint8_t>;

class PcapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every frame of the file, in order. Throws PcapError ("FILE: why") when the file cannot be
// opened, is not a pcap file, is not of the Ethernet link type, is cut short, or holds a
// frame captured shorter than it was on the wire.
std::vector<Frame> read_pcap(const std::string& path);

class PcapWriter {
 public:
  // Creates the temporary file; throws PcapError naming `path` when it cannot.
  explicit PcapWriter(std::string path);
  ~PcapWriter();  // a writer never committed removes its temporary file
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // One frame, stamped `time_ns` nanoseconds after the epoch (the file has nanosecond
  // time stamps).
  void write(const Frame& frame, uint64_t time_ns);
  // Flushes, closes and renames the file to its name; throws PcapError when it cannot.
  void commit();

  const std::string& path() const { return path_; }
  size_t frames() const { return frames_; }

 private:
  void close();

  std::string path_;
  std::string temp_path_;
  void* pcap_ = nullptr;    // pcap_t
  void* dumper_ = nullptr;  // pcap_dumper_t
  size_t frames_ = 0;
  bool committed_ = false;
};

}  // namespace ipsec::tool
