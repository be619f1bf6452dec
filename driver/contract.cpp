#include "contract.h"

#include <cerrno>
#include <cstdio>

namespace ipsec::driver {

namespace {

std::string hex_word(const char* prefix, uint32_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "%s0x%08x", prefix, value);
  return text;
}

}  // namespace

std::string opcode_name(uint32_t opcode) {
  switch (static_cast<SaOpcode>(opcode)) {
    case SaOpcode::kAddSa: return "ADD_SA";
    case SaOpcode::kDelSa: return "DEL_SA";
    case SaOpcode::kAddSaV2: return "ADD_SA_V2";
    case SaOpcode::kDelSaV2: return "DEL_SA_V2";
    case SaOpcode::kModSaV2: return "MOD_SA_V2";
    case SaOpcode::kSetCap: return "SET_CAP";
    case SaOpcode::kAddSaPkt: return "ADD_SA_PKT";
  }
  return hex_word("OPCODE_", opcode);
}

size_t command_length(SaOpcode op) {
  switch (op) {
    case SaOpcode::kAddSa:
    case SaOpcode::kDelSa: return kSaImageV1Bytes;
    case SaOpcode::kAddSaV2:
    case SaOpcode::kDelSaV2:
    case SaOpcode::kModSaV2: return kSaImageV2Bytes;
    case SaOpcode::kSetCap: return kSetCapBytes;
    case SaOpcode::kAddSaPkt: return packet::kSaImageBytes;
  }
  return 0;
}

int syndrome_to_errno(uint32_t syndrome) {
  switch (static_cast<Syndrome>(syndrome)) {
    case Syndrome::kSuccess: return 0;
    case Syndrome::kIllegalRequest: return -EINVAL;
    case Syndrome::kSadbIssue: return -EEXIST;
    case Syndrome::kWriteResponseIssue: return -EIO;
  }
  return -EIO;
}

std::string syndrome_name(uint32_t syndrome) {
  switch (static_cast<Syndrome>(syndrome)) {
    case Syndrome::kSuccess: return "SUCCESS";
    case Syndrome::kIllegalRequest: return "ILLEGAL_REQUEST";
    case Syndrome::kSadbIssue: return "SADB_ISSUE";
    case Syndrome::kWriteResponseIssue: return "WRITE_RESPONSE_ISSUE";
  }
  return hex_word("SYNDROME_", syndrome);
}

}  // namespace ipsec::driver
