// CTest "crypto: icarus": gcm_stream under Icarus Verilog on a few short messages with
// random stalls on both ports, against the Verilated unit (outputs and clocks) and against
// the reference model. Fails, saying why, when iverilog is not installed: scripts/install-deps
// installs it, so a missing simulator is a broken set-up, not a reason to skip.
#include <cstdio>
#include <exception>
#include <random>
#include <string>

#include "aes_gcm.h"
#include "gcm_stream_harness.h"
#include "icarus_gcm.h"

namespace {

using ipsec::tb::Bytes;

int fail(const std::string& what) {
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  const std::string missing = ipsec::tb::icarus_missing();
  if (!missing.empty()) {
    return fail(missing + ": scripts/install-deps installs it");
  }
  try {
    std::mt19937_64 rng(11);
    auto bytes = [&](size_t n) {
      Bytes b(n);
      for (auto& x : b) x = static_cast<uint8_t>(rng());
      return b;
    };
    // AES-128 encryption; AES-256 decryption with its right tag, after a pass-through beat;
    // AES-128 decryption with a wrong tag; text that ends mid-beat in each.
    std::vector<ipsec::tb::GcmJob> jobs(3);
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto& job = jobs[i];
      job.key = bytes(i == 1 ? 32 : 16);
      const Bytes iv = bytes(12);
      std::copy(iv.begin(), iv.end(), job.iv.begin());
      job.aad = bytes(i == 1 ? 12 : 8);
      job.text = bytes(i == 0 ? 37 : 21);
      if (i > 0) {
        job.decrypt = true;
        const auto sealed = ipsec::model::gcm_seal(job.key, job.iv, job.aad, job.text);
        job.text = sealed.ciphertext;
        job.tag = sealed.tag;
        if (i == 2) job.tag[5] ^= 0x40;
      }
      if (i == 1) job.pass.push_back(bytes(6));
    }
    constexpr uint64_t kSeed = 5;
    constexpr int kStall = 25;
    ipsec::tb::GcmStreamHarness verilated(kSeed, kStall, kStall);
    for (const auto& j : jobs) verilated.push(j);
    const auto expected = verilated.run();

    ipsec::tb::IcarusGcm icarus;
    const auto run = icarus.run(jobs, kSeed, kStall, kStall, verilated.cycles());
    const std::string diff = ipsec::tb::compare_gcm_results(run.results, expected);
    if (!diff.empty()) return fail("Icarus against Verilator: " + diff);
    if (run.clocks != verilated.cycles()) {
      return fail("Icarus took " + std::to_string(run.clocks) + " clocks, Verilator " +
                  std::to_string(verilated.cycles()));
    }
    // And against the model.
    for (size_t i = 0; i < jobs.size(); ++i) {
      const auto& job = jobs[i];
      const auto& got = run.results[i];
      if (got.pass != job.pass) return fail("message " + std::to_string(i) + ": pass-through beats");
      if (!job.decrypt) {
        const auto sealed = ipsec::model::gcm_seal(job.key, job.iv, job.aad, job.text);
        if (got.text != sealed.ciphertext || got.tag != sealed.tag) {
          return fail("message " + std::to_string(i) + ": ciphertext or tag differs from the model");
        }
      } else {
        const auto opened = ipsec::model::gcm_open(job.key, job.iv, job.aad, job.text, job.tag);
        if (got.tag_ok != opened.has_value()) return fail("message " + std::to_string(i) + ": tag_ok");
        // The plaintext comes out whether or not the tag authenticates: CTR mode both ways.
        const Bytes plain = ipsec::model::gcm_seal(job.key, job.iv, job.aad, job.text).ciphertext;
        if (got.text != plain) return fail("message " + std::to_string(i) + ": plaintext");
        if (opened && *opened != plain) return fail("message " + std::to_string(i) + ": model disagrees");
      }
    }
    std::printf("Icarus and Verilator agree on %zu messages in %llu clocks (%.1f clocks/s under Icarus)\n",
                jobs.size(), static_cast<unsigned long long>(run.clocks),
                static_cast<double>(run.clocks) / run.seconds);
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
