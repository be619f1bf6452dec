// The AES-GCM stream unit against OpenSSL: random messages, directed corner cases, and the
// throughput of back-to-back messages with a new key each.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include "aes_gcm.h"
#include "bytes.h"
#include "gcm_stream_harness.h"
#include "test_seed.h"

using ipsec::model::gcm_seal;
using ipsec::tb::Bytes;
using ipsec::tb::first_difference;
using ipsec::tb::GcmJob;
using ipsec::tb::GcmResult;
using ipsec::tb::GcmStreamHarness;
using ipsec::tb::seed_hint;
using ipsec::tb::stall_percent;
using ipsec::tb::test_seed;

namespace {

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// A message and what the unit must make of it.
struct Case {
  GcmJob job;
  Bytes want_text;
  std::array<uint8_t, 16> want_tag{};
  bool want_ok = true;
};

Case make_case(std::mt19937_64& rng, size_t key_bytes, size_t aad_len, size_t text_len,
               bool decrypt, bool corrupt_tag, size_t pass_beats) {
  Case c;
  c.job.key = random_bytes(rng, key_bytes);
  const Bytes iv = random_bytes(rng, 12);
  std::copy(iv.begin(), iv.end(), c.job.iv.begin());
  c.job.aad = random_bytes(rng, aad_len);
  c.job.decrypt = decrypt;
  for (size_t i = 0; i < pass_beats; ++i) c.job.pass.push_back(random_bytes(rng, 1 + rng() % 16));
  const Bytes plain = random_bytes(rng, text_len);
  const auto sealed = gcm_seal(c.job.key, c.job.iv, c.job.aad, plain);
  c.want_tag = sealed.tag;
  if (decrypt) {
    c.job.text = sealed.ciphertext;
    c.job.tag = sealed.tag;
    if (corrupt_tag) c.job.tag[rng() % 16] ^= static_cast<uint8_t>(1u << (rng() % 8));
    c.want_text = plain;
    c.want_ok = !corrupt_tag;
  } else {
    c.job.text = plain;
    c.want_text = sealed.ciphertext;
  }
  return c;
}

void check_result(const Case& c, const GcmResult& r, size_t index) {
  INFO("message " << index << (c.job.decrypt ? " (decrypt)" : " (encrypt)") << ", AES-"
                  << c.job.key.size() * 8 << ", AAD " << c.job.aad.size() << " B, text "
                  << c.job.text.size() << " B; " << seed_hint());
  CHECK_MESSAGE(first_difference(r.text, c.want_text) == "",
                "text: " << first_difference(r.text, c.want_text));
  const Bytes got_tag(r.tag.begin(), r.tag.end()), want_tag(c.want_tag.begin(), c.want_tag.end());
  CHECK_MESSAGE(first_difference(got_tag, want_tag) == "", "tag: " << first_difference(got_tag, want_tag));
  if (c.job.decrypt) CHECK(r.tag_ok == c.want_ok);
  REQUIRE(r.pass.size() == c.job.pass.size());
  for (size_t i = 0; i < r.pass.size(); ++i) CHECK(r.pass[i] == c.job.pass[i]);
}

void run_cases(GcmStreamHarness& h, const std::vector<Case>& cases) {
  for (const Case& c : cases) h.push(c.job);
  const auto results = h.run();
  REQUIRE(results.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) check_result(cases[i], results[i], i);
}

}  // namespace

TEST_CASE("gcm stream matches OpenSSL on 20,000 random messages with random stalls") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const int stall = stall_percent(25);
  GcmStreamHarness h(seed, stall, stall);

  // AAD lengths: ESP's 8 and 12, block multiples and everything else up to 64.
  const size_t aad_choices[] = {0, 8, 12, 16, 32, 64};
  std::set<size_t> text_mod16, aad_seen;
  std::map<std::string, int> kinds;
  std::vector<Case> batch;
  for (int i = 0; i < 20000; ++i) {
    const size_t key_bytes = rng() % 2 ? 32 : 16;
    const size_t aad = rng() % 2 ? aad_choices[rng() % 6] : rng() % 65;
    const size_t text = rng() % 2049;
    const bool decrypt = rng() % 2;
    const bool corrupt = decrypt && rng() % 4 == 0;
    const size_t pass = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
    batch.push_back(make_case(rng, key_bytes, aad, text, decrypt, corrupt, pass));
    text_mod16.insert(text % 16);
    aad_seen.insert(aad);
    kinds[std::string(decrypt ? "decrypt" : "encrypt") + (key_bytes == 32 ? "256" : "128") +
          (corrupt ? "bad" : "")]++;
    if (batch.size() == 500) {
      run_cases(h, batch);
      batch.clear();
    }
  }
  run_cases(h, batch);
  // The random mix covered what it must.
  CHECK(text_mod16.size() == 16);
  for (size_t a : {0, 8, 12, 16, 32, 64}) CHECK(aad_seen.count(a) == 1);
  CHECK(kinds.size() == 6);
  MESSAGE("20000 messages, " << h.cycles() << " clocks, stall " << stall << "%");
}

TEST_CASE("empty messages, text without AAD and pass-through beats come out right") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  GcmStreamHarness h(seed, stall_percent(25), stall_percent(25));
  std::vector<Case> cases;
  for (size_t key : {16, 32}) {
    for (bool decrypt : {false, true}) {
      cases.push_back(make_case(rng, key, 0, 0, decrypt, false, 0));   // nothing at all
      cases.push_back(make_case(rng, key, 0, 1, decrypt, false, 0));   // text, no AAD
      cases.push_back(make_case(rng, key, 20, 0, decrypt, false, 0));  // AAD only
      cases.push_back(make_case(rng, key, 0, 33, decrypt, false, 3));  // pass, then text
      cases.push_back(make_case(rng, key, 8, 100, decrypt, decrypt, 2));
    }
  }
  run_cases(h, cases);
}

TEST_CASE("a decrypt with any single tag bit flipped fails authentication") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  GcmStreamHarness h(seed, stall_percent(25), stall_percent(25));
  Case base = make_case(rng, 32, 12, 64, true, false, 0);
  std::vector<Case> cases{base};
  for (int bit = 0; bit < 128; ++bit) {
    Case c = base;
    c.job.tag[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    c.want_ok = false;
    cases.push_back(c);
  }
  run_cases(h, cases);
}

TEST_CASE("1,000 back-to-back 1,500-byte messages with a new key each take one clock per GHASH block") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  GcmStreamHarness h(seed, 0, 0);  // no stalls: this measures the unit
  std::vector<Case> cases;
  for (int i = 0; i < 1000; ++i) cases.push_back(make_case(rng, i % 2 ? 32 : 16, 8, 1500, i % 3 == 0, false, 0));
  for (const Case& c : cases) h.push(c.job);
  const auto results = h.run();
  REQUIRE(results.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) check_result(cases[i], results[i], i);
  // Per message: 1 AAD + 94 text + 1 length block; the latency of the pipe is paid once.
  const uint64_t blocks = h.ghash_blocks();
  CHECK(blocks == 1000u * 96u);
  constexpr uint64_t kPipelineLatency = 20;
  CHECK(h.cycles() <= blocks + kPipelineLatency + 8 /* reset */);
  // A text beat in to its result out: slot, 14 AES rounds, the output queue (block RAM),
  // the output register.
  const uint64_t latency = results.front().first_text_out_cycle - results.front().first_text_in_cycle;
  CHECK(latency <= 19);
  MESSAGE(blocks << " GHASH blocks in " << h.cycles() << " clocks; text latency " << latency << " clocks");
}
