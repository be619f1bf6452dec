#include "frame_coverage.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace ipsec::tb {

SizeBucket size_bucket(size_t bytes) {
  if (bytes <= 64) return SizeBucket::kUpTo64;
  if (bytes <= 127) return SizeBucket::k65To127;
  if (bytes <= 511) return SizeBucket::k128To511;
  if (bytes <= 1499) return SizeBucket::k512To1499;
  if (bytes <= 9216) return SizeBucket::k1500To9216;
  return SizeBucket::kAbove9216;
}

std::pair<size_t, size_t> bucket_range(SizeBucket b) {
  switch (b) {
    case SizeBucket::kUpTo64: return {1, 64};
    case SizeBucket::k65To127: return {65, 127};
    case SizeBucket::k128To511: return {128, 511};
    case SizeBucket::k512To1499: return {512, 1499};
    case SizeBucket::k1500To9216: return {1500, 9216};
    case SizeBucket::kAbove9216: return {9217, 9416};
  }
  throw std::logic_error("size bucket");
}

StallLevel stall_level(int stall_percent) {
  if (stall_percent <= 0) return StallLevel::kNone;
  return stall_percent < 40 ? StallLevel::kLight : StallLevel::kHeavy;
}

const char* to_string(CoverFate f) {
  switch (f) {
    case CoverFate::kOut: return "out";
    case CoverFate::kBypass: return "bypass";
    case CoverFate::kDrop: return "drop";
    case CoverFate::kAuthFail: return "auth-fail";
  }
  return "?";
}

const char* to_string(SizeBucket b) {
  switch (b) {
    case SizeBucket::kUpTo64: return "<=64";
    case SizeBucket::k65To127: return "65-127";
    case SizeBucket::k128To511: return "128-511";
    case SizeBucket::k512To1499: return "512-1499";
    case SizeBucket::k1500To9216: return "1500-9216";
    case SizeBucket::kAbove9216: return ">9216";
  }
  return "?";
}

const char* to_string(StallLevel s) {
  switch (s) {
    case StallLevel::kNone: return "none";
    case StallLevel::kLight: return "light";
    case StallLevel::kHeavy: return "heavy";
  }
  return "?";
}

std::string to_string(const std::optional<SaKind>& k) {
  if (!k) return "none";
  return std::string(k->ipv6 ? "v6" : "v4") + (k->tunnel ? "-tunnel" : "-transport") +
         (k->key256 ? "-256" : "-128") + (k->esn ? "-esn" : "");
}

FrameCoverage::FrameCoverage(std::string test) : test_(std::move(test)) {}

FrameCoverage::~FrameCoverage() {
  const char* dir = std::getenv("IPSEC_FCOV_DIR");
  if (!dir || !*dir) return;
  static std::atomic<int> n{0};
  std::string name;
  for (char c : test_) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  const std::string path = std::string(dir) + "/" + name.substr(0, 80) + "." +
                           std::to_string(getpid()) + "." + std::to_string(n++) + ".fcov";
  try {
    write(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "functional coverage: %s\n", e.what());
  }
}

void FrameCoverage::sample(bool tx, CoverFate fate, size_t frame_bytes,
                           const std::optional<SaKind>& sa, StallLevel stall) {
  const std::string bin = std::string(tx ? "tx" : "rx") + " " + to_string(fate) + " " +
                          to_string(size_bucket(frame_bytes)) + " " + to_string(sa) + " " +
                          to_string(stall);
  ++bins_[bin];
  ++frames_;
}

void FrameCoverage::write(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  // The bin space first, so that the report takes it from the collector (one definition).
  out << "# functional coverage of one test (testbench/common/frame_coverage.h): " << test_ << "\n";
  out << "dimension direction tx rx\n";
  out << "dimension fate";
  for (CoverFate f : {CoverFate::kOut, CoverFate::kBypass, CoverFate::kDrop, CoverFate::kAuthFail})
    out << " " << to_string(f);
  out << "\ndimension size";
  for (SizeBucket b : kSizeBuckets) out << " " << to_string(b);
  out << "\ndimension sa none";
  for (int i = 0; i < 16; ++i) {
    const SaKind k{(i & 8) != 0, (i & 4) != 0, (i & 2) != 0, (i & 1) != 0};
    out << " " << to_string(std::optional<SaKind>(k));
  }
  out << "\ndimension stall";
  for (StallLevel s : {StallLevel::kNone, StallLevel::kLight, StallLevel::kHeavy})
    out << " " << to_string(s);
  out << "\n";
  for (const auto& [bin, count] : bins_) out << "bin " << bin << " " << count << "\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace ipsec::tb
