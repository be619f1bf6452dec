#include "gcm_stream_harness.h"

#include <stdexcept>
#include <string>

#include "Vgcm_stream.h"
#include "stall.h"
#include "verilated.h"
#include "vl_bytes.h"

namespace ipsec::tb {

namespace {

// gcm_pkg::gcm_beat_e
enum Kind : uint8_t { kPass = 0, kAad = 1, kText = 2, kTag = 3 };

// Big-endian fields (key, IV): byte 0 in the most significant bits of a `width`-byte field.
template <size_t N>
void set_be(VlWide<N>& w, size_t width, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < N; ++i) w[i] = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t pos = width - 1 - i;  // byte position counted from bit 0
    w[pos / 4] |= uint32_t{bytes[i]} << (8 * (pos % 4));
  }
}

uint16_t keep_of(size_t n) { return static_cast<uint16_t>((1u << n) - 1); }

}  // namespace

GcmStreamHarness::GcmStreamHarness(uint64_t seed, int in_stall_percent, int out_stall_percent)
    : context_(std::make_unique<VerilatedContext>()),
      in_stall_(std::make_unique<Staller>(seed, in_stall_percent)),
      out_stall_(std::make_unique<Staller>(seed ^ 0x9e3779b97f4a7c15ull, out_stall_percent)) {
  context_->randReset(2);
  dut_ = std::make_unique<Vgcm_stream>(context_.get(), "gcm");
  reset();
}

GcmStreamHarness::~GcmStreamHarness() { dut_->final(); }

void GcmStreamHarness::reset() {
  dut_->clk_i = 0;
  dut_->rst_ni = 0;
  dut_->s_valid_i = 0;
  dut_->m_ready_i = 0;
  for (int i = 0; i < 4; ++i) {
    dut_->clk_i = !dut_->clk_i;
    dut_->eval();
  }
  dut_->rst_ni = 1;
  dut_->clk_i = 0;
  dut_->eval();
}

void GcmStreamHarness::push(const GcmJob& job) {
  if (job.key.size() != 16 && job.key.size() != 32) throw std::invalid_argument("key size");
  const size_t index = jobs_.size();
  jobs_.push_back(job);
  results_.emplace_back();
  auto add = [&](Kind kind, const uint8_t* p, size_t n) {
    Beat b;
    std::copy(p, p + n, b.data.begin());
    b.keep = keep_of(n);
    b.kind = kind;
    b.job = index;
    beats_.push_back(b);
  };
  for (const Bytes& p : job.pass) add(kPass, p.data(), p.size());
  for (size_t off = 0; off < job.aad.size(); off += 16) {
    add(kAad, job.aad.data() + off, std::min<size_t>(16, job.aad.size() - off));
  }
  for (size_t off = 0; off < job.text.size(); off += 16) {
    add(kText, job.text.data() + off, std::min<size_t>(16, job.text.size() - off));
  }
  add(kTag, job.tag.data(), job.tag.size());
  ghash_blocks_ += (job.aad.size() + 15) / 16 + (job.text.size() + 15) / 16 + 1;
}

bool GcmStreamHarness::tick() {
  // Drive this clock's inputs.
  if (!presenting_ && !beats_.empty()) presenting_ = in_stall_->go();
  dut_->s_valid_i = presenting_;
  if (presenting_) {
    const Beat& b = beats_.front();
    const GcmJob& job = jobs_[b.job];
    uint8_t key[32] = {};
    std::copy(job.key.begin(), job.key.end(), key);
    set_be(dut_->key_i, 32, key, 32);
    dut_->key256_i = job.key.size() == 32;
    set_be(dut_->iv_i, 12, job.iv.data(), 12);
    dut_->decrypt_i = job.decrypt;
    set_le(dut_->s_data_i, b.data.data(), 16);
    dut_->s_keep_i = b.keep;
    dut_->s_kind_i = b.kind;
  }
  dut_->m_ready_i = out_stall_->go();
  dut_->eval();

  const bool in_fire = dut_->s_valid_i && dut_->s_ready_o;
  const bool out_fire = dut_->m_valid_o && dut_->m_ready_i;
  if (in_fire) {
    const Beat& b = beats_.front();
    GcmResult& r = results_[b.job];
    if (r.first_in_cycle == 0) r.first_in_cycle = cycle_ + 1;
    if (b.kind == kText && r.first_text_in_cycle == 0) r.first_text_in_cycle = cycle_ + 1;
  }
  if (out_fire) {
    if (results_done_ >= results_.size()) throw std::runtime_error("gcm_stream: beat from nowhere");
    GcmResult& r = results_[results_done_];
    if (r.first_out_cycle == 0) r.first_out_cycle = cycle_ + 1;
    uint8_t data[16];
    get_le(dut_->m_data_o, data, 16);
    size_t n = 0;
    while (n < 16 && (dut_->m_keep_o >> n & 1)) ++n;
    switch (dut_->m_kind_o) {
      case kPass: r.pass.emplace_back(data, data + n); break;
      case kText:
        if (r.first_text_out_cycle == 0) r.first_text_out_cycle = cycle_ + 1;
        r.text.insert(r.text.end(), data, data + n);
        break;
      case kTag:
        std::copy(data, data + 16, r.tag.begin());
        r.tag_ok = dut_->m_tag_ok_o;
        ++results_done_;
        break;
      default: throw std::runtime_error("gcm_stream: AAD beat on the output");
    }
  }

  dut_->clk_i = 1;
  dut_->eval();
  dut_->clk_i = 0;
  ++cycle_;
  if (in_fire) {
    beats_.pop_front();
    presenting_ = false;
  }
  return in_fire || out_fire;
}

std::vector<GcmResult> GcmStreamHarness::run() {
  uint64_t idle = 0;
  while (results_done_ < results_.size()) {
    idle = tick() ? 0 : idle + 1;
    if (idle > 10000) {
      throw std::runtime_error("gcm_stream made no progress for 10000 clocks at cycle " +
                               std::to_string(cycle_));
    }
  }
  std::vector<GcmResult> out(results_.begin(), results_.end());
  jobs_.clear();
  results_.clear();
  results_done_ = 0;
  return out;
}

}  // namespace ipsec::tb
