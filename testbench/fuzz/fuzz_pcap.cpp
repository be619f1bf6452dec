// Fuzz target "pcap": the bytes are a pcap file; sim/tool/pcap_io.cpp reads it (libpcap
// underneath). read_pcap must either return frames or throw PcapError, nothing else. Frames
// it returns go back out through PcapWriter and are read again: frames of at most 65,535
// bytes (the writer's snapshot length) must come back unchanged; a file holding a longer
// one must be refused on reading, as captured short.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "pcap_io.h"

namespace {

using ipsec::tool::Frame;
using ipsec::tool::PcapError;

constexpr size_t kSnapLen = 65535;  // PcapWriter's
std::string g_dir;

void fail(const std::string& m) { ipsec::fuzz::finding("pcap", m); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ipsec-fuzz-pcap.XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  if (!mkdtemp(name.data())) fail("cannot create a temporary folder under " + templ);
  g_dir = name.data();
  std::atexit([] {
    std::remove((g_dir + "/in.pcap").c_str());
    std::remove((g_dir + "/out.pcap").c_str());
    rmdir(g_dir.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in = g_dir + "/in.pcap", out = g_dir + "/out.pcap";
  {
    FILE* f = std::fopen(in.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) fail("cannot write " + in);
  }
  std::vector<Frame> frames;
  try {
    frames = ipsec::tool::read_pcap(in);
  } catch (const PcapError& e) {
    if (std::string(e.what()).rfind(in + ": ", 0) != 0) fail("a PcapError that does not name the file: " + std::string(e.what()));
    return 0;
  }
  bool too_long = false;
  {
    ipsec::tool::PcapWriter w(out);
    uint64_t t = 1'700'000'000'000'000'000ull;
    for (const Frame& f : frames) {
      too_long |= f.size() > kSnapLen;
      w.write(f, t);
      t += 1234567;
    }
    w.commit();
    if (w.frames() != frames.size()) fail("the writer counted " + std::to_string(w.frames()) + " frames of " + std::to_string(frames.size()));
  }
  std::vector<Frame> again;
  try {
    again = ipsec::tool::read_pcap(out);
  } catch (const PcapError& e) {
    if (!too_long) fail(std::string("a file PcapWriter wrote cannot be read: ") + e.what());
    return 0;
  }
  if (too_long) fail("a frame longer than the snapshot length was written and read back without error");
  if (again != frames) {
    fail("frames changed on a write and read: " + std::to_string(frames.size()) + " frames in, " +
         std::to_string(again.size()) + " out");
  }
  return 0;
}
