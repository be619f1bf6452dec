// The NIST CAVP AES-GCM vectors (96-bit IVs, 128-bit tags) through the RTL, encrypt and
// decrypt, including the decrypt cases that must fail.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bytes.h"
#include "gcm_stream_harness.h"
#include "test_seed.h"

using ipsec::tb::Bytes;
using ipsec::tb::first_difference;
using ipsec::tb::from_hex;
using ipsec::tb::GcmJob;
using ipsec::tb::GcmStreamHarness;

namespace {

struct Vector {
  std::string where;  // file:line of its Count
  Bytes key, iv, pt, aad, ct, tag;
  bool fail = false;  // decrypt vectors: the tag must not authenticate
};

std::vector<Vector> read_rsp(const std::string& name) {
  const std::string path = std::string(IPSEC_SOURCE_DIR) + "/testbench/crypto/vectors/" + name;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<Vector> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    if (line == "FAIL") {
      out.back().fail = true;
      continue;
    }
    const auto eq = line.find(" = ");
    const std::string key = line.substr(0, line.find(' '));
    const std::string value = eq == std::string::npos ? "" : line.substr(eq + 3);
    if (key == "Count") {
      out.push_back({name + ":" + std::to_string(number), {}, {}, {}, {}, {}, {}, false});
    } else if (key == "Key") out.back().key = from_hex(value);
    else if (key == "IV") out.back().iv = from_hex(value);
    else if (key == "PT") out.back().pt = from_hex(value);
    else if (key == "AAD") out.back().aad = from_hex(value);
    else if (key == "CT") out.back().ct = from_hex(value);
    else if (key == "Tag") out.back().tag = from_hex(value);
  }
  return out;
}

void run_file(const std::string& name, bool decrypt, size_t want_count) {
  const auto vectors = read_rsp(name);
  REQUIRE(vectors.size() == want_count);
  const int stall = ipsec::tb::stall_percent(25);
  GcmStreamHarness h(ipsec::tb::test_seed(), stall, stall);
  for (const Vector& v : vectors) {
    GcmJob job;
    job.key = v.key;
    REQUIRE(v.iv.size() == 12);
    std::copy(v.iv.begin(), v.iv.end(), job.iv.begin());
    job.aad = v.aad;
    job.decrypt = decrypt;
    job.text = decrypt ? v.ct : v.pt;
    if (decrypt) std::copy(v.tag.begin(), v.tag.end(), job.tag.begin());
    h.push(job);
  }
  const auto results = h.run();
  int failures_expected = 0;
  for (size_t i = 0; i < vectors.size(); ++i) {
    const Vector& v = vectors[i];
    INFO(v.where);
    const Bytes tag(results[i].tag.begin(), results[i].tag.end());
    if (decrypt) {
      CHECK(results[i].tag_ok == !v.fail);
      failures_expected += v.fail;
      if (!v.fail) CHECK_MESSAGE(first_difference(results[i].text, v.pt) == "", first_difference(results[i].text, v.pt));
    } else {
      CHECK_MESSAGE(first_difference(results[i].text, v.ct) == "", first_difference(results[i].text, v.ct));
      CHECK_MESSAGE(first_difference(tag, v.tag) == "", first_difference(tag, v.tag));
    }
  }
  if (decrypt) CHECK(failures_expected > 0);
}

}  // namespace

TEST_CASE("NIST CAVP AES-128-GCM encryption vectors") { run_file("gcmEncryptExtIV128.rsp", false, 375); }
TEST_CASE("NIST CAVP AES-256-GCM encryption vectors") { run_file("gcmEncryptExtIV256.rsp", false, 375); }
TEST_CASE("NIST CAVP AES-128-GCM decryption vectors, failures included") { run_file("gcmDecrypt128.rsp", true, 375); }
TEST_CASE("NIST CAVP AES-256-GCM decryption vectors, failures included") { run_file("gcmDecrypt256.rsp", true, 375); }
