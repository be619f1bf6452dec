// The generated register files (RTL, driver header, documentation) record the SHA-256 of
// the register description they were made from; this test fails as soon as
// rtl/regs/ipsec_regs.rdl is edited without running `make regs`.

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <string>

// Relative to this file, so the test needs no include path of its own.
#include "../../driver/generated/ipsec_regs.h"

#ifndef IPSEC_SOURCE_DIR
#error "IPSEC_SOURCE_DIR must be defined as a string literal: the repository root"
#endif

namespace {

const std::string kRdlPath = "rtl/regs/ipsec_regs.rdl";
const std::string kStale =
    "rtl/regs/ipsec_regs.rdl changed since the generated files were made: run make regs";

// Each of these starts with a comment holding "rdl-sha256: <64 hex digits>".
constexpr const char* kGeneratedFiles[] = {
    "rtl/regs/generated/ipsec_regs.sv",
    "rtl/regs/generated/ipsec_regs_pkg.sv",
    "rtl/regs/generated/ipsec_regs_map_pkg.sv",
    "driver/generated/ipsec_regs.h",
    "docs/registers.md",
};

std::string read_source_file(const std::string& relative_path) {
    const std::string path = std::string(IPSEC_SOURCE_DIR) + "/" + relative_path;
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) == 1);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0xF];
    }
    return hex;
}

// The hash a generated file records, or "" when it records none.
std::string recorded_hash(const std::string& text) {
    const std::string key = "rdl-sha256: ";
    const auto pos = text.find(key);
    if (pos == std::string::npos) {
        return {};
    }
    return text.substr(pos + key.size(), 64);
}

}  // namespace

TEST_CASE("generated register files match the register description") {
    const std::string actual = sha256_hex(read_source_file(kRdlPath));

    CHECK_MESSAGE(std::string(IPSEC_REGS_RDL_SHA256) == actual,
                  "driver/generated/ipsec_regs.h (IPSEC_REGS_RDL_SHA256): " << kStale);
    for (const std::string file : kGeneratedFiles) {
        CHECK_MESSAGE(recorded_hash(read_source_file(file)) == actual, file << ": " << kStale);
    }
}
