// esp_gcm: AES-GCM in place on frames, against OpenSSL. Text at any offset and length,
// encrypt (ICV written after the text), decrypt (ICV and ESP trailer checked), pass-through,
// random stalls on every port, and the rate of back-to-back frames.
#include <doctest/doctest.h>

#include <memory>
#include <random>

#include "Vesp_gcm.h"
#include "aes_gcm.h"
#include "axis.h"
#include "bytes.h"
#include "test_seed.h"
#include "verilated.h"
#include "vl_bytes.h"

using namespace ipsec::tb;
using ipsec::model::gcm_seal;

namespace {

enum Mode { kNone = 0, kEncrypt = 1, kDecrypt = 2 };

struct Case {
  Bytes frame;
  Mode mode = kNone;
  Bytes key;
  std::array<uint8_t, 12> nonce{};
  Bytes aad;
  size_t text_start = 0, text_len = 0;
  Bytes want;
  bool tag_ok = true, trailer_ok = true;
  uint8_t pad_len = 0, next_hdr = 0;
};

bool trailer_valid(const Bytes& pt) {
  if (pt.size() < 2) return false;
  const size_t c = pt.size(), pad = pt[c - 2];
  if (pad > c - 2) return false;
  for (size_t i = 0; i < pad; ++i) {
    if (pt[c - 2 - pad + i] != i + 1) return false;
  }
  return true;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : r_(seed) {}
  uint64_t operator()() { return r_(); }
  size_t range(size_t lo, size_t hi) { return lo + r_() % (hi - lo + 1); }
  Bytes bytes(size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(r_());
    return b;
  }

 private:
  std::mt19937_64 r_;
};

Case make_case(Rng& rng, Mode mode, size_t text_start, size_t text_len, size_t tail) {
  Case c;
  c.mode = mode;
  c.key = rng.bytes(rng() % 2 ? 32 : 16);
  const Bytes nonce = rng.bytes(12);
  std::copy(nonce.begin(), nonce.end(), c.nonce.begin());
  c.aad = rng.bytes(rng() % 2 ? 12 : 8);
  c.text_start = text_start;
  c.text_len = text_len;
  const Bytes head = rng.bytes(text_start), after = rng.bytes(tail);
  Bytes pt = rng.bytes(text_len);
  if (mode == kDecrypt && text_len >= 2 && rng() % 4 != 0) {
    // A well-formed ESP trailer (RFC 4303 section 2.4), or one with a bad pad byte.
    const size_t pad = rng.range(0, std::min<size_t>(text_len - 2, 40));
    for (size_t i = 0; i < pad; ++i) pt[text_len - 2 - pad + i] = static_cast<uint8_t>(i + 1);
    pt[text_len - 2] = static_cast<uint8_t>(pad);
    if (pad > 0 && rng() % 5 == 0) pt[text_len - 2 - pad + rng() % pad] ^= 0x40;
  }
  const auto sealed = gcm_seal(c.key, c.nonce, c.aad, pt);
  Bytes icv(sealed.tag.begin(), sealed.tag.end());
  auto cat = [](std::initializer_list<const Bytes*> parts) {
    Bytes out;
    for (const Bytes* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
  };
  if (mode == kEncrypt) {
    const Bytes placeholder = rng.bytes(16);
    c.frame = cat({&head, &pt, &placeholder, &after});
    c.want = cat({&head, &sealed.ciphertext, &icv, &after});
  } else if (mode == kDecrypt) {
    if (rng() % 5 == 0) {
      icv[rng() % 16] ^= static_cast<uint8_t>(1u << (rng() % 8));
      c.tag_ok = false;
    }
    c.frame = cat({&head, &sealed.ciphertext, &icv, &after});
    c.want = cat({&head, &pt, &icv, &after});
    c.trailer_ok = trailer_valid(pt);
    if (text_len >= 2) {
      c.pad_len = pt[text_len - 2];
      c.next_hdr = pt[text_len - 1];
    }
  } else {
    c.frame = cat({&head, &pt, &icv, &after});
    c.want = c.frame;
  }
  return c;
}

class EspGcmHarness {
 public:
  EspGcmHarness(uint64_t seed, int stall)
      : ctx_(std::make_unique<VerilatedContext>()),
        src_(seed, stall),
        sink_(seed + 1, stall),
        st_stall_(seed + 2, stall) {
    ctx_->randReset(2);
    dut_ = std::make_unique<Vesp_gcm>(ctx_.get(), "esp_gcm");
    dut_->rst_ni = 0;
    for (int i = 0; i < 4; ++i) {
      dut_->clk_i = i & 1;
      dut_->eval();
    }
    dut_->rst_ni = 1;
    dut_->clk_i = 0;
    dut_->eval();
  }
  ~EspGcmHarness() { dut_->final(); }

  void push(const Case& c) {
    cases_.push_back(c);
    src_.push(c.frame);
    for (size_t i = 0; i < to_beats(c.frame).size(); ++i) frame_of_beat_.push_back(cases_.size() - 1);
  }

  // Runs until every frame is out; checks each frame and status as it leaves.
  void run() {
    uint64_t idle = 0;
    while (!src_.idle() || out_done_ < cases_.size() || st_done_ < decrypts_pushed()) {
      idle = tick() ? 0 : idle + 1;
      REQUIRE_MESSAGE(idle < 5000, "esp_gcm made no progress at clock " << cycles_ << "; " << seed_hint());
    }
  }
  uint64_t cycles() const { return cycles_; }

 private:
  size_t decrypts_pushed() const {
    size_t n = 0;
    for (const Case& c : cases_) n += c.mode == kDecrypt;
    return n;
  }

  bool tick() {
    const bool valid = src_.valid();
    dut_->s_valid_i = valid;
    if (valid) {
      const Beat& b = src_.beat();
      set_le(dut_->s_data_i, b.data.data(), 16);
      dut_->s_keep_i = b.keep;
      dut_->s_last_i = b.last;
      const Case& c = cases_[frame_of_beat_.front()];
      // esp_pkg::gcm_ctx_t, most significant field first: mode 2, key 256, key256 1,
      // nonce 96, aad 96, aad12 1, text_start 14, text_len 14.
      auto& w = dut_->s_ctx_i;
      set_bits(w, 0, 14, c.text_len);
      set_bits(w, 14, 14, c.text_start);
      set_bits(w, 28, 1, c.aad.size() == 12);
      Bytes aad12(12, 0);
      std::copy(c.aad.begin(), c.aad.end(), aad12.begin());
      set_bits_be(w, 29, aad12.data(), 12);
      set_bits_be(w, 125, c.nonce.data(), 12);
      set_bits(w, 221, 1, c.key.size() == 32);
      Bytes key32(32, 0);
      std::copy(c.key.begin(), c.key.end(), key32.begin());
      set_bits_be(w, 222, key32.data(), 32);
      set_bits(w, 478, 2, c.mode);
    }
    dut_->m_ready_i = sink_.ready();
    dut_->st_ready_i = st_stall_.go();
    dut_->eval();

    const bool in_fire = dut_->s_valid_i && dut_->s_ready_o;
    const bool out_fire = dut_->m_valid_o && dut_->m_ready_i;
    const bool st_fire = dut_->st_valid_o && dut_->st_ready_i;
    if (out_fire) {
      Beat b;
      get_le(dut_->m_data_o, b.data.data(), 16);
      b.keep = dut_->m_keep_o;
      b.last = dut_->m_last_o;
      if (sink_.take(b)) check_frame();
    }
    if (st_fire) check_status(static_cast<uint32_t>(dut_->st_o));

    dut_->clk_i = 1;
    dut_->eval();
    dut_->clk_i = 0;
    ++cycles_;
    if (in_fire) {
      src_.taken();
      frame_of_beat_.pop_front();
    }
    return in_fire || out_fire || st_fire;
  }

  void check_frame() {
    REQUIRE(out_done_ < cases_.size());
    const Case& c = cases_[out_done_];
    const Bytes got = sink_.frames().front();
    sink_.frames().pop_front();
    INFO("frame " << out_done_ << " mode " << c.mode << " text " << c.text_start << "+" << c.text_len
                  << " frame " << c.frame.size() << " B; " << seed_hint());
    CHECK_MESSAGE(first_difference(got, c.want) == "", first_difference(got, c.want));
    ++out_done_;
  }

  // esp_pkg::gcm_status_t: tag_ok 1, trailer_ok 1, pad_len 8, next_hdr 8.
  void check_status(uint32_t st) {
    while (st_next_ < cases_.size() && cases_[st_next_].mode != kDecrypt) ++st_next_;
    REQUIRE(st_next_ < cases_.size());
    const Case& c = cases_[st_next_++];
    INFO("status of frame " << st_next_ - 1 << ", text " << c.text_start << "+" << c.text_len << "; "
                            << seed_hint());
    CHECK(bool(st >> 17 & 1) == c.tag_ok);
    CHECK(bool(st >> 16 & 1) == c.trailer_ok);
    if (c.text_len >= 2) {
      CHECK((st >> 8 & 0xff) == c.pad_len);
      CHECK((st & 0xff) == c.next_hdr);
    }
    ++st_done_;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_gcm> dut_;
  FrameSource src_;
  FrameSink sink_;
  Staller st_stall_;
  std::vector<Case> cases_;
  std::deque<size_t> frame_of_beat_;
  size_t out_done_ = 0, st_done_ = 0, st_next_ = 0;
  uint64_t cycles_ = 0;
};

}  // namespace

TEST_CASE("esp_gcm encrypts, decrypts and passes frames like OpenSSL, text at any offset") {
  const uint64_t seed = test_seed();
  Rng rng(seed);
  EspGcmHarness h(seed, stall_percent(25));
  for (int i = 0; i < 3000; ++i) {
    const Mode mode = static_cast<Mode>(rng() % 3);
    const size_t start = rng.range(32, 96);
    const size_t len = rng() % 8 == 0 ? rng.range(1, 2000) : rng.range(1, 200);
    h.push(make_case(rng, mode, start, len, rng() % 4 == 0 ? rng.range(0, 20) : 0));
  }
  h.run();
}

TEST_CASE("esp_gcm keeps one beat per clock on back-to-back frames of every kind") {
  const uint64_t seed = test_seed();
  Rng rng(seed);
  EspGcmHarness h(seed, 0);
  uint64_t beats = 0;
  for (int i = 0; i < 600; ++i) {
    // ESP over IPv4 (text at 50) and IPv6 (70), short and long, both directions.
    const size_t start = i % 2 ? 50 : 70;
    const size_t len = (i % 3 == 0) ? 1436 : rng.range(4, 120);
    const Case c = make_case(rng, i % 3 == 2 ? kDecrypt : kEncrypt, start, len, 0);
    beats += (c.frame.size() + 15) / 16;
    h.push(c);
  }
  h.run();
  constexpr uint64_t kLatency = 40;  // pipe fill and the first frame's tag
  CHECK(h.cycles() <= beats + kLatency);
  MESSAGE(beats << " beats in " << h.cycles() << " clocks");
}
