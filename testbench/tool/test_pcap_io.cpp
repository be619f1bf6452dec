// pcap files: Ethernet frames round trip through libpcap; bad files are errors naming the
// file; an output file appears whole or not at all.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "pcap_io.h"
#include "tool_fixture.h"

using namespace ipsec::tb::tool;
using ipsec::tool::PcapError;
using ipsec::tool::PcapWriter;
using ipsec::tool::read_pcap;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A classic pcap header (little-endian, microseconds) of link type `dlt`.
std::string pcap_header(uint32_t dlt) {
  std::string h;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>(v >> (8 * i)));
  };
  auto u16 = [&](uint16_t v) {
    h.push_back(static_cast<char>(v));
    h.push_back(static_cast<char>(v >> 8));
  };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(dlt);
  return h;
}

std::string record(const std::string& data, uint32_t wire_len) {
  std::string r;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) r.push_back(static_cast<char>(v >> (8 * i)));
  };
  u32(1);
  u32(0);
  u32(static_cast<uint32_t>(data.size()));
  u32(wire_len);
  return r + data;
}

std::string error_of(const std::string& path) {
  try {
    read_pcap(path);
  } catch (const PcapError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("frames round trip through a pcap file in order, jumbo frames too") {
  TempDir dir;
  std::vector<Bytes> frames = {host_frame(17, 60), host_frame(6, 1514), host_frame(1, 9216)};
  frames.push_back(Bytes(14, 0xAB));
  {
    PcapWriter w(dir.file("out.pcap"));
    for (size_t i = 0; i < frames.size(); ++i) w.write(frames[i], 1000000123 + i);
    CHECK(w.frames() == frames.size());
    w.commit();
  }
  CHECK(read_pcap(dir.file("out.pcap")) == frames);
  // Nanosecond time stamps (magic 0xa1b23c4d), Ethernet link type: 1 s and 123 ns for
  // 1000000123 ns.
  const std::string raw = read_file(dir.file("out.pcap"));
  REQUIRE(raw.size() > 32);
  uint32_t magic;
  std::memcpy(&magic, raw.data(), 4);
  CHECK(magic == 0xa1b23c4du);
  CHECK(static_cast<uint8_t>(raw[20]) == 1);
  CHECK(static_cast<uint8_t>(raw[24]) == 1);
  CHECK(static_cast<uint8_t>(raw[28]) == 123);
}

TEST_CASE("an empty capture is a valid pcap file with no frames") {
  TempDir dir;
  PcapWriter w(dir.file("empty.pcap"));
  w.commit();
  CHECK(read_pcap(dir.file("empty.pcap")).empty());
}

TEST_CASE(
    "an output file appears only when committed and a writer never committed leaves nothing") {
  TempDir dir;
  const std::string path = dir.file("cap.pcap");
  write_file(path, "previous contents");
  {
    PcapWriter w(path);
    w.write(host_frame(17, 100), 0);
    CHECK(read_file(path) == "previous contents");
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      ++files;
      CHECK(e.path().parent_path() == std::filesystem::path(dir.path()));
    }
    CHECK(files == 2);  // the old file and the temporary one beside it
  }
  CHECK(read_file(path) == "previous contents");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("a pcap that cannot be read is an error naming the file") {
  TempDir dir;
  CHECK(error_of(dir.file("missing.pcap")).rfind(dir.file("missing.pcap") + ": ", 0) == 0);

  write_file(dir.file("text.pcap"), "this is not a capture\n");
  CHECK(error_of(dir.file("text.pcap")).rfind(dir.file("text.pcap") + ": ", 0) == 0);

  write_file(dir.file("raw.pcap"), pcap_header(101) + record(std::string(20, 'x'), 20));
  CHECK(error_of(dir.file("raw.pcap")) ==
        dir.file("raw.pcap") + ": link type RAW, not Ethernet (EN10MB)");

  write_file(dir.file("short.pcap"), pcap_header(1) + record(std::string(60, 'x'), 60) +
                                         record(std::string(60, 'y'), 1514));
  CHECK(error_of(dir.file("short.pcap")) ==
        dir.file("short.pcap") + ": frame 2 was captured short (60 of 1514 bytes)");

  const std::string whole =
      pcap_header(1) + record(std::string(60, 'x'), 60) + record(std::string(100, 'y'), 100);
  write_file(dir.file("cut.pcap"), whole.substr(0, whole.size() - 10));
  const std::string cut = error_of(dir.file("cut.pcap"));
  CHECK(cut.rfind(dir.file("cut.pcap") + ": frame 2: ", 0) == 0);
}

TEST_CASE("an output pcap in a directory that does not exist is an error naming it") {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/out.pcap");
  try {
    PcapWriter w(path);
    FAIL("no error");
  } catch (const PcapError& e) {
    CHECK(std::string(e.what()).rfind(path + ": cannot create: ", 0) == 0);
  }
}
