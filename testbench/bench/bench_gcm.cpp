// gcm: the AES-GCM stream unit alone (gcm_stream: the engine's GCM datapath, the AES pipe
// and gcm_tag around the pipelined ghash as esp_gcm has them). A stream of 1,500-byte
// messages with 8 bytes of AAD and a new key on each, no stalls: GHASH blocks per clock (1.0
// is the limit), the latency of a text beat through the unit, and the simulation speed of
// the unit without tracing. Every message's result is checked against the reference model.
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>

#include "bench.h"
#include "aes_gcm.h"
#include "gcm_stream_harness.h"

namespace ipsec::bench {

std::vector<tb::GcmJob> gcm_bench_messages(int n) {
  std::mt19937_64 rng(1);
  auto bytes = [&](size_t size) {
    tb::Bytes b(size);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    return b;
  };
  std::vector<tb::GcmJob> jobs;
  for (int i = 0; i < n; ++i) {
    tb::GcmJob job;
    job.key = bytes(i % 2 ? 32 : 16);
    const tb::Bytes iv = bytes(12);
    std::copy(iv.begin(), iv.end(), job.iv.begin());
    job.aad = bytes(8);
    job.text = bytes(1500);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Section bench_gcm() {
  constexpr int kMessages = 2000;
  tb::GcmStreamHarness h(1, 0, 0);
  for (const auto& job : gcm_bench_messages(kMessages)) h.push(job);
  const auto start = std::chrono::steady_clock::now();
  const auto results = h.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Every message against the reference (OpenSSL), after the clock stopped: ciphertext and
  // tag byte for byte. A rate of wrong results would be no rate.
  const std::vector<tb::GcmJob> jobs = gcm_bench_messages(kMessages);
  if (results.size() != jobs.size()) {
    throw std::runtime_error("gcm: " + std::to_string(results.size()) + " results for " +
                             std::to_string(jobs.size()) + " messages");
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    const model::Sealed want = model::gcm_seal(jobs[i].key, jobs[i].iv, jobs[i].aad, jobs[i].text);
    if (results[i].text != want.ciphertext || results[i].tag != want.tag) {
      throw std::runtime_error("gcm: message " + std::to_string(i) + " (AES-" +
                               std::to_string(jobs[i].key.size() * 8) + "): " +
                               (results[i].text != want.ciphertext ? "ciphertext" : "tag") +
                               " differs from the reference");
    }
  }

  // Steady state: from the first beat taken to the last tag out.
  const uint64_t first_in = results.front().first_in_cycle;
  const uint64_t last_out = h.cycles();
  const double blocks_per_cycle = static_cast<double>(h.ghash_blocks()) / static_cast<double>(last_out - first_in + 1);
  const double latency = static_cast<double>(results.front().first_text_out_cycle - results.front().first_text_in_cycle);
  return {"gcm",
          {{"blocks_per_cycle", blocks_per_cycle, "GHASH blocks per clock (limit 1.0)"},
           {"latency_cycles", latency, "clocks, text beat in to out"},
           {"sim_cycles_per_second", static_cast<double>(h.cycles()) / wall, "wall time: simulated clocks per second"}}};
}

}  // namespace ipsec::bench
