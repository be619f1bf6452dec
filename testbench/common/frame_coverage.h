// Functional coverage of the datapath: what happened to each frame, as a cross of
//   direction x fate (contract section 4) x input frame size x kind of the SA it matched
//   x stall level of the ports.
// A test samples each frame from the reference model's classification as the frame passes
// (the engine tests check the RTL against that model frame by frame and counter by counter).
// Each collector writes its counts, when it goes, to a file of its own in $IPSEC_FCOV_DIR (if
// set); scripts/functional_coverage.py merges the files of a run, applies the written
// exclusions (testbench/coverage/functional_exclusions.txt) and prints
// `functional coverage: X% (hit/total bins)` with the holes (docs/coverage.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace ipsec::tb {

// Each frame ends as exactly one of these (contract section 4: dec_out/enc_out,
// dec_bypass/enc_bypass, dec_drop/enc_drop, dec_auth_fail).
enum class CoverFate { kOut, kBypass, kDrop, kAuthFail };

// Bytes of the frame as it enters its port (no FCS; TX metadata included). The last bucket
// is above the largest frame the engine takes (9,216 bytes): oversize, dropped.
enum class SizeBucket { kUpTo64, k65To127, k128To511, k512To1499, k1500To9216, kAbove9216 };
inline constexpr SizeBucket kSizeBuckets[] = {SizeBucket::kUpTo64,     SizeBucket::k65To127,
                                              SizeBucket::k128To511,   SizeBucket::k512To1499,
                                              SizeBucket::k1500To9216, SizeBucket::kAbove9216};
SizeBucket size_bucket(size_t bytes);
// The smallest and largest size of the bucket (kUpTo64: 1; kAbove9216: 9,416, the largest
// oversize frame the stimulus makes).
std::pair<size_t, size_t> bucket_range(SizeBucket b);

// The kind of an SA: outer family, xfrm mode, key length, ESN. Tunnel vs transport is not in
// the SA image (contract section 3): it is the mode of the xfrm state the SA was added for,
// and the tests build each SA's frames in that mode.
struct SaKind {
  bool ipv6 = false;
  bool tunnel = false;
  bool key256 = false;
  bool esn = false;
};

// The stall level of the stream ports: none (0 %), light (1-39 %), heavy (40 % and more of
// the clocks a source pauses or a sink refuses).
enum class StallLevel { kNone, kLight, kHeavy };
StallLevel stall_level(int stall_percent);

const char* to_string(CoverFate f);
const char* to_string(SizeBucket b);
const char* to_string(StallLevel s);
// "none", or e.g. "v4-transport-128", "v6-tunnel-256-esn".
std::string to_string(const std::optional<SaKind>& kind);

class FrameCoverage {
 public:
  // `test` names the file the counts go to.
  explicit FrameCoverage(std::string test);
  ~FrameCoverage();  // writes the counts to $IPSEC_FCOV_DIR, if set
  FrameCoverage(const FrameCoverage&) = delete;
  FrameCoverage& operator=(const FrameCoverage&) = delete;

  // One frame: `sa` is the kind of the SA it matched, none when it matched none.
  void sample(bool tx, CoverFate fate, size_t frame_bytes, const std::optional<SaKind>& sa,
              StallLevel stall);

  // Number of distinct bins hit so far, and frames sampled.
  size_t bins_hit() const { return bins_.size(); }
  uint64_t frames() const { return frames_; }

  // Writes the bin space and the counts to `path` (what the destructor does into the folder).
  void write(const std::string& path) const;

 private:
  std::string test_;
  std::map<std::string, uint64_t> bins_;
  uint64_t frames_ = 0;
};

}  // namespace ipsec::tb
