#include "pcap_io.h"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ipsec::tool {

namespace {

constexpr int kSnapLen = 65535;  // every frame the engine takes fits

std::string link_type_name(int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  return name ? std::string(name) : "link type " + std::to_string(dlt);
}

}  // namespace

std::vector<Frame> read_pcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (!p) throw PcapError(path + ": " + errbuf);
  struct Closer {
    pcap_t* p;
    ~Closer() { pcap_close(p); }
  } closer{p};
  if (pcap_datalink(p) != DLT_EN10MB) {
    throw PcapError(path + ": link type " + link_type_name(pcap_datalink(p)) +
                    ", not Ethernet (EN10MB)");
  }
  std::vector<Frame> frames;
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(p, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      throw PcapError(path + ": frame " + std::to_string(frames.size() + 1) + ": " +
                      pcap_geterr(p));
    }
    if (hdr->caplen < hdr->len) {
      throw PcapError(path + ": frame " + std::to_string(frames.size() + 1) +
                      " was captured short (" + std::to_string(hdr->caplen) + " of " +
                      std::to_string(hdr->len) + " bytes)");
    }
    frames.emplace_back(data, data + hdr->caplen);
  }
  return frames;
}

PcapWriter::PcapWriter(std::string path) : path_(std::move(path)) {
  std::string templ = path_ + ".XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) throw PcapError(path_ + ": cannot create: " + std::strerror(errno));
  temp_path_ = name.data();
  // mkstemp makes the file private; the output gets the permissions of any new file.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  FILE* file = fdopen(fd, "wb");
  if (!file) {
    const int err = errno;
    ::close(fd);
    std::remove(temp_path_.c_str());
    throw PcapError(path_ + ": cannot create: " + std::strerror(err));
  }
  // Nanosecond time stamps: the engine's clock lasts 3.2 ns (sim/engine_clock.h).
  pcap_t* p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, kSnapLen, PCAP_TSTAMP_PRECISION_NANO);
  pcap_dumper_t* d = p ? pcap_dump_fopen(p, file) : nullptr;
  if (!d) {
    const std::string why = p ? pcap_geterr(p) : "libpcap failed";
    if (p) pcap_close(p);
    std::fclose(file);
    std::remove(temp_path_.c_str());
    throw PcapError(path_ + ": cannot create: " + why);
  }
  pcap_ = p;
  dumper_ = d;
}

PcapWriter::~PcapWriter() {
  close();
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

void PcapWriter::close() {
  if (dumper_) pcap_dump_close(static_cast<pcap_dumper_t*>(dumper_));
  if (pcap_) pcap_close(static_cast<pcap_t*>(pcap_));
  dumper_ = nullptr;
  pcap_ = nullptr;
}

void PcapWriter::write(const Frame& frame, uint64_t time_ns) {
  if (!dumper_) throw PcapError(path_ + ": written after it was closed");
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(time_ns / 1000000000u);
  hdr.ts.tv_usec = static_cast<suseconds_t>(time_ns % 1000000000u);  // nanoseconds in this file
  hdr.caplen = static_cast<bpf_u_int32>(std::min<size_t>(frame.size(), kSnapLen));
  hdr.len = static_cast<bpf_u_int32>(frame.size());
  pcap_dump(static_cast<u_char*>(dumper_), &hdr, frame.data());
  ++frames_;
}

void PcapWriter::commit() {
  if (committed_) return;
  pcap_dumper_t* d = static_cast<pcap_dumper_t*>(dumper_);
  const bool flushed = d && pcap_dump_flush(d) == 0 && !std::ferror(pcap_dump_file(d));
  close();
  if (!flushed) throw PcapError(path_ + ": write failed");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw PcapError(path_ + ": cannot write: " + std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace ipsec::tool
