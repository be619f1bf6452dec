#include "ctrl_model.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "driver/generated/ipsec_regs.h"
#include "packet_contract.h"

namespace ipsec::model {

using driver::BusStatus;

namespace {

// The command formats, restated here from contract section 3 on purpose: this model is an
// independent reading of the contract, so a mistake in the driver's constants cannot hide
// in both.
enum : uint32_t {
  kOpAddSa = 0,
  kOpDelSa = 1,
  kOpAddSaV2 = 2,
  kOpDelSaV2 = 3,
  kOpModSaV2 = 4,
  kOpSetCap = 5,
};
enum : uint32_t {
  kSynSuccess = 0,
  kSynIllegalRequest = 1,
  kSynSadbIssue = 2,
};
constexpr size_t kLenV1 = 132;
constexpr size_t kLenV2 = 148;
constexpr size_t kLenSetCap = 32;

// SA image offsets.
constexpr size_t kOffKeyEnc = 0x04;
constexpr size_t kOffSip = 0x44;
constexpr size_t kOffDip = 0x54;
constexpr size_t kOffSaltIv = 0x68;
constexpr size_t kOffSalt = 0x70;
constexpr size_t kOffSpi = 0x74;
constexpr size_t kOffHandle = 0x78;
constexpr size_t kOffEncMode = 0x7E;
constexpr size_t kOffFlags = 0x81;
constexpr size_t kOffEsn = 0x8C;

// flags byte.
constexpr uint8_t kFlagEsnEn = 0x01;
constexpr uint8_t kFlagEsnOverlap = 0x02;
constexpr uint8_t kFlagIpv6 = 0x04;
constexpr uint8_t kFlagDirSx = 0x08;
constexpr uint8_t kFlagsRequired = 0x10 | 0x20 | 0x40;  // SPI_EN, SA_VALID, IP_ESP

// enc_mode values the engine implements: AES-GCM-128 and -256.
constexpr uint8_t kEncModeGcm128 = 1;
constexpr uint8_t kEncModeGcm256 = 3;

// SET_CAP flags at byte 4, bit 0 NO_TRAILER.
constexpr size_t kOffSetCapFlags = 4;
constexpr uint32_t kCapNoTrailer = 0x1;

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t be32(const std::vector<uint8_t>& b, size_t off) { return be32(&b[off]); }
uint64_t be64(const std::vector<uint8_t>& b, size_t off) {
  return uint64_t{be32(b, off)} << 32 | be32(b, off + 4);
}

// A full SA image (ADD_SA, ADD_SA_V2, MOD_SA_V2): an AES-GCM mode this engine implements
// and the flags every SA carries.
bool sa_image_ok(const std::vector<uint8_t>& b) {
  const uint8_t enc_mode = b[kOffEncMode];
  return (enc_mode == kEncModeGcm128 || enc_mode == kEncModeGcm256) &&
         (b[kOffFlags] & kFlagsRequired) == kFlagsRequired;
}

SaKey key_of(const std::vector<uint8_t>& b) {
  SaKey k;
  const uint8_t flags = b[kOffFlags];
  k.tx = (flags & kFlagDirSx) != 0;
  k.ipv6 = (flags & kFlagIpv6) != 0;
  // An IPv4 SA's addresses are the last word of their fields; the engine ignores the rest
  // (docs/architecture.md, "The SA index"), so two images differing only there are one SA.
  const size_t from = k.ipv6 ? 0 : 12;
  std::memcpy(k.sip.data() + from, &b[kOffSip + from], 16 - from);
  std::memcpy(k.dip.data() + from, &b[kOffDip + from], 16 - from);
  k.spi = be32(b, kOffSpi);
  return k;
}

}  // namespace

bool SaKey::operator<(const SaKey& o) const {
  return std::tie(tx, sip, dip, spi, ipv6) < std::tie(o.tx, o.sip, o.dip, o.spi, o.ipv6);
}
bool SaKey::operator==(const SaKey& o) const {
  return std::tie(tx, sip, dip, spi, ipv6) == std::tie(o.tx, o.sip, o.dip, o.spi, o.ipv6);
}

CtrlModel::CtrlModel(CtrlModelConfig config) : config_(config), sa_index_(config.num_sa) {
  reset();
}

void CtrlModel::reset() {
  no_trailer_ = false;
  fwd_bad_frames_ = false;
  intr_enable_ = true;
  window_.fill(0);
  counters_.fill(0);
  latched_high_.fill(0);
  intr_event_enable_ = true;
  pkt_stats_.fill(0);
  events_.clear();
  evt_drop_ = 0;
  evt_drop_latched_high_ = 0;
  pending_.clear();
  responses_.clear();
  last_ready_ = now_;
  held_ = false;
  corrupt_echo_.reset();
  forced_syndrome_.reset();
  slots_.assign(config_.num_sa, std::nullopt);  // key material cleared with the entries
  // The free list as the table's reset fills it: every slot, lowest first.
  free_.clear();
  for (size_t i = 0; i < config_.num_sa; ++i) free_.push_back(i);
  index_.clear();
  sa_index_.clear();
}

// ---- the register map (docs/registers.md) -----------------------------------------------

// Addresses: the register block decodes byte address bits [11:2] and ignores bits [1:0]
// (docs/architecture.md, "Register access rules"), so an unaligned address reaches the
// word that contains it. AXI4-Lite (IHI 0022, B1.1) has every transfer the full width of
// the bus; the low address bits only say which byte lanes a master means.
BusStatus CtrlModel::read32(uint32_t addr, uint32_t& data) {
  data = 0;
  addr &= ~3u;
  if (read_counter_word(addr, data)) return BusStatus::kOk;
  if (config_.packet_offload && read_packet_register(addr, data)) return BusStatus::kOk;
  const Response empty{};
  const Response& rsp = responses_.empty() ? empty : responses_.front();
  switch (addr) {
    case IPSEC_REGS_VENDOR_ID_OFFSET: data = config_.vendor_id; break;
    case IPSEC_REGS_PRODUCT_ID_OFFSET: data = config_.product_id; break;
    case IPSEC_REGS_PRODUCT_VERSION_OFFSET: data = IPSEC_REGS_PRODUCT_VERSION_RESET; break;
    case IPSEC_REGS_IMAGE_VERSION_OFFSET: data = IPSEC_REGS_IMAGE_VERSION_RESET; break;
    case IPSEC_REGS_SHELL_VERSION_OFFSET: data = IPSEC_REGS_SHELL_VERSION_RESET; break;
    case IPSEC_REGS_ENGINE_PARAMS_OFFSET:
      data = (config_.num_sa & 0xFFFFu) | (config_.max_frame & 0xFFFFu) << 16;
      break;
    case IPSEC_REGS_CAP_ENCAPSULATION_OFFSET: data = IPSEC_REGS_CAP_ENCAPSULATION_RESET; break;
    case IPSEC_REGS_CAP_FLAGS_OFFSET:
      data = config_.cap_flags | (config_.packet_offload ? pkt::kCapFlagsPktOffload : 0);
      break;
    case IPSEC_REGS_CAP_AUTH_ALG_OFFSET: data = IPSEC_REGS_CAP_AUTH_ALG_RESET; break;
    case IPSEC_REGS_CAP_ENC_ALG_OFFSET: data = IPSEC_REGS_CAP_ENC_ALG_RESET; break;
    case IPSEC_REGS_CAP_SA_OFFSET: data = config_.num_sa & 0xFFFFu; break;
    case IPSEC_REGS_CAP_COUNTERS_OFFSET: data = IPSEC_REGS_CAP_COUNTERS_RESET; break;
    case IPSEC_REGS_CAP_COUNTERS_ADDR_LOW_OFFSET:
      data = IPSEC_REGS_CAP_COUNTERS_ADDR_LOW_RESET;
      break;
    case IPSEC_REGS_CAP_COUNTERS_ADDR_HIGH_OFFSET:
      data = IPSEC_REGS_CAP_COUNTERS_ADDR_HIGH_RESET;
      break;
    case IPSEC_REGS_CONTROL_OFFSET:
      data = (no_trailer_ ? IPSEC_REGS_CONTROL_NO_TRAILER_MASK : 0) |
             (fwd_bad_frames_ ? IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK : 0);
      break;
    case IPSEC_REGS_INTR_ENABLE_OFFSET:
      data = (intr_enable_ ? IPSEC_REGS_INTR_ENABLE_RSP_READY_MASK : 0) |
             (config_.packet_offload && intr_event_enable_ ? pkt::kIntrEventReadyMask : 0);
      break;
    case IPSEC_REGS_INTR_STATUS_OFFSET:
      data = (responses_.empty() ? 0 : IPSEC_REGS_INTR_STATUS_RSP_READY_MASK) |
             (events_.empty() ? 0 : pkt::kIntrEventReadyMask);
      break;
    case IPSEC_REGS_CMD_STATUS_OFFSET:
      data = static_cast<uint32_t>(outstanding()) << IPSEC_REGS_CMD_STATUS_OUTSTANDING_SHIFT |
             static_cast<uint32_t>(responses_.size()) << IPSEC_REGS_CMD_STATUS_RSP_LEVEL_SHIFT |
             (outstanding() >= kQueueDepth ? IPSEC_REGS_CMD_STATUS_FULL_MASK : 0) |
             (responses_.empty() ? 0 : IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK);
      break;
    case IPSEC_REGS_RSP_WORD0_OFFSET: data = rsp[0]; break;
    case IPSEC_REGS_RSP_WORD1_OFFSET: data = rsp[1]; break;
    case IPSEC_REGS_RSP_WORD2_OFFSET: data = rsp[2]; break;
    case IPSEC_REGS_RSP_WORD3_OFFSET: data = rsp[3]; break;
    case IPSEC_REGS_RSP_WORD4_OFFSET: data = rsp[4]; break;
    case IPSEC_REGS_RSP_WORD5_OFFSET: data = rsp[5]; break;
    case IPSEC_REGS_RSP_WORD6_OFFSET: data = rsp[6]; break;
    case IPSEC_REGS_RSP_WORD7_OFFSET: data = rsp[7]; break;
    default:
      // Write-only (CMD_DOORBELL, RSP_POP, CMD_WINDOW) and unmapped addresses.
      return BusStatus::kSlvErr;
  }
  return BusStatus::kOk;
}

bool CtrlModel::read_counter_word(uint32_t addr, uint32_t& data) {
  const uint32_t first = IPSEC_REGS_DEC_IN_PACKETS_OFFSET;
  if (addr < first || addr >= first + 8 * kCtrlCounters) return false;
  const size_t i = (addr - first) / 8;
  if ((addr - first) % 8 == 0) {
    // Low word: latch the high word so the pair reads atomically.
    data = static_cast<uint32_t>(counters_[i]);
    latched_high_[i] = static_cast<uint32_t>(counters_[i] >> 32);
  } else {
    data = latched_high_[i];
  }
  return true;
}

// Packet section P1, P5, P6: the registers only an engine with packet offload has.
bool CtrlModel::read_packet_register(uint32_t addr, uint32_t& data) {
  const uint32_t stats_end = pkt::kPktStatsWord0Offset + 4 * pkt::kPktStatsWords;
  if (addr >= pkt::kPktStatsWord0Offset && addr < stats_end) {
    data = pkt_stats_[(addr - pkt::kPktStatsWord0Offset) / 4];
    return true;
  }
  const PacketEvent* head = events_.empty() ? nullptr : &events_.front();
  switch (addr) {
    case pkt::kCapPktOffset: data = pkt::kMaxReplayBits; return true;
    case pkt::kEvtWord0Offset:
      data = head ? static_cast<uint32_t>(head->kind) | uint32_t{head->index} << 16 : 0;
      return true;
    case pkt::kEvtWord1Offset: data = head ? head->handle : 0; return true;
    case pkt::kEvtDropOffset:
      // Low word first: it latches the high word, as the counters at 0x200.. do.
      data = static_cast<uint32_t>(evt_drop_);
      evt_drop_latched_high_ = static_cast<uint32_t>(evt_drop_ >> 32);
      return true;
    case pkt::kEvtDropOffset + 4: data = evt_drop_latched_high_; return true;
    default: return false;
  }
}

bool CtrlModel::write_packet_register(uint32_t addr, uint32_t data, uint8_t strb) {
  switch (addr) {
    case pkt::kPktStatsIndexOffset:
      // The index is bits 15:0: a snapshot needs both of its lanes.
      if ((strb & 0x3u) == 0x3u) {
        pkt_stats_.fill(0);
        if (const PacketSa* p = packet_sa(data & pkt::kRspIndexMask)) {
          const PacketSaCounters& c = p->counters;
          const bool tx = sa_at(p->index)->key.tx;
          const uint64_t words[5] = {c.packets, c.bytes, tx ? c.seq_exhausted : c.replay_window,
                                     tx ? 0 : c.replay, tx ? 0 : c.integrity_failed};
          for (size_t i = 0; i < 5; ++i) {
            pkt_stats_[2 * i] = static_cast<uint32_t>(words[i]);
            pkt_stats_[2 * i + 1] = static_cast<uint32_t>(words[i] >> 32);
          }
        }
      }
      return true;
    case pkt::kEvtPopOffset:
      if ((strb & 1u) && (data & 1u) && !events_.empty()) events_.pop_front();
      return true;
    default: return false;
  }
}

BusStatus CtrlModel::write32(uint32_t addr, uint32_t data) {
  return write32_strobe(addr, data, 0xF);
}

// Byte strobes (docs/architecture.md, "Register access rules"): WSTRB bit i enables byte
// lane i, data bits [8i+7:8i] (IHI 0022, A3.4.3). A bit of a register changes only if its
// lane is enabled. Every field this engine has that hardware acts on a write of (the
// doorbell's LEN, RSP_POP.POP, CONTROL.FWD_BAD_FRAMES, INTR_ENABLE.RSP_READY) sits in lane
// 0: without that lane the write changes nothing and, for the doorbell, rings nothing. The
// response does not depend on the strobes: OKAY for a writable register, SLVERR otherwise.
BusStatus CtrlModel::write32_strobe(uint32_t addr, uint32_t data, uint8_t strb) {
  addr &= ~3u;
  const bool lane0 = (strb & 1u) != 0;
  const uint32_t window_end = IPSEC_REGS_CMD_WINDOW_OFFSET + window_bytes();
  if (addr >= IPSEC_REGS_CMD_WINDOW_OFFSET && addr < window_end) {
    // Word i holds image bytes 4i..4i+3 as a be32 value: image byte 4i+j is lane 3-j.
    const size_t off = addr - IPSEC_REGS_CMD_WINDOW_OFFSET;
    for (size_t j = 0; j < 4; ++j) {
      const unsigned lane = static_cast<unsigned>(3 - j);
      if (strb >> lane & 1u) window_[off + j] = static_cast<uint8_t>(data >> (8 * lane));
    }
    return BusStatus::kOk;
  }
  switch (addr) {
    case IPSEC_REGS_CONTROL_OFFSET:
      // NO_TRAILER is read-only (SET_CAP sets it); reserved bits ignore writes.
      if (lane0) fwd_bad_frames_ = (data & IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK) != 0;
      return BusStatus::kOk;
    case IPSEC_REGS_INTR_ENABLE_OFFSET:
      if (lane0) {
        intr_enable_ = (data & IPSEC_REGS_INTR_ENABLE_RSP_READY_MASK) != 0;
        if (config_.packet_offload) intr_event_enable_ = (data & pkt::kIntrEventReadyMask) != 0;
      }
      return BusStatus::kOk;
    case IPSEC_REGS_CMD_DOORBELL_OFFSET:
      // LEN is bits 7:0; bits 31:8 are ignored, so 0x100 | n rings with length n.
      if (lane0) {
        doorbell((data & IPSEC_REGS_CMD_DOORBELL_LEN_MASK) >> IPSEC_REGS_CMD_DOORBELL_LEN_SHIFT);
      }
      return BusStatus::kOk;
    case IPSEC_REGS_RSP_POP_OFFSET:
      if (lane0 && (data & IPSEC_REGS_RSP_POP_POP_MASK) && !responses_.empty()) {
        responses_.pop_front();
      }
      return BusStatus::kOk;
    default:
      if (config_.packet_offload && write_packet_register(addr, data, strb)) return BusStatus::kOk;
      // Read-only and unmapped addresses.
      return BusStatus::kSlvErr;
  }
}

void CtrlModel::wait_cycles(uint32_t cycles) {
  now_ += cycles;
  advance();
}

bool CtrlModel::irq() {
  return (intr_enable_ && !responses_.empty()) || (intr_event_enable_ && !events_.empty());
}

// ---- the command engine -----------------------------------------------------------------

void CtrlModel::hold_commands(bool hold) {
  held_ = hold;
  if (!hold) {
    // The held commands run one after another from now on.
    last_ready_ = now_;
    for (Command& c : pending_) {
      last_ready_ += config_.exec_cycles;
      c.ready_at = last_ready_;
    }
    advance();
  }
}

void CtrlModel::doorbell(uint32_t len) {
  ++doorbells_;
  // The command is the whole window and the length rung with it (docs/architecture.md,
  // "Command lengths"): the length is checked against the opcode, it does not cut the image.
  Command c;
  c.bytes.assign(window_.begin(), window_.end());
  c.len = len;
  // The doorbell takes the image out of the window (docs/architecture.md): no key material
  // stays behind, whether the command is queued or dropped.
  window_.fill(0);
  if (outstanding() >= kQueueDepth) {
    count(CtrlCounter::kCmdDrop);  // no response for a dropped command
    return;
  }
  last_ready_ = std::max(last_ready_, now_) + config_.exec_cycles;
  c.ready_at = last_ready_;
  pending_.push_back(std::move(c));
  advance();
}

void CtrlModel::advance() {
  while (!held_ && !pending_.empty() && pending_.front().ready_at <= now_) {
    responses_.push_back(execute(pending_.front()));
    pending_.pop_front();
  }
}

CtrlModel::Response CtrlModel::execute(const Command& cmd) {
  Response rsp{};
  const std::vector<uint8_t>& b = cmd.bytes;
  const size_t len = cmd.len;
  // The opcode is image word 0 whatever the length, so an ADD or DEL rung with a wrong
  // length (even one shorter than the opcode) is a failed ADD or DEL and counted as one.
  const uint32_t op = be32(b, 0);
  const bool pkt_add = config_.packet_offload && op == pkt::kOpAddSaPkt;
  const bool counts_as_add = op == kOpAddSa || op == kOpAddSaV2 || op == kOpModSaV2 || pkt_add;
  const bool counts_as_del = op == kOpDelSa || op == kOpDelSaV2;
  uint32_t word2 = 0;  // ADD_SA_PKT: the SA's index (P2)

  uint32_t syndrome = kSynIllegalRequest;
  // Word 1 echoes the sw_sa_handle bytes (0x78..0x7B) when the length covers them, else 0:
  // a command shorter than that carried no handle. SET_CAP answers its granted flags.
  uint32_t word1 = len >= kOffHandle + 4 ? be32(b, kOffHandle) : 0;
  if (op == kOpSetCap) word1 = 0;
  if (forced_syndrome_) {
    syndrome = *forced_syndrome_;
    forced_syndrome_.reset();
  } else {
    switch (op) {
      case kOpAddSa: syndrome = len == kLenV1 ? add_sa(b, false) : kSynIllegalRequest; break;
      case kOpAddSaV2: syndrome = len == kLenV2 ? add_sa(b, true) : kSynIllegalRequest; break;
      case kOpDelSa:
        syndrome = len == kLenV1 ? del_sa(b) : kSynIllegalRequest;
        break;
      case kOpDelSaV2:
        syndrome = len == kLenV2 ? del_sa(b) : kSynIllegalRequest;
        break;
      case kOpModSaV2:
        syndrome = len == kLenV2 ? mod_sa(b) : kSynIllegalRequest;
        break;
      case kOpSetCap:
        if (len == kLenSetCap) {
          const bool offered = (config_.cap_flags & IPSEC_REGS_CAP_FLAGS_RX_NO_TRAILER_MASK) != 0;
          const uint32_t granted = be32(b, kOffSetCapFlags) & (offered ? kCapNoTrailer : 0);
          no_trailer_ = (granted & kCapNoTrailer) != 0;
          word1 = granted;
          syndrome = kSynSuccess;
        }
        break;
      case pkt::kOpAddSaPkt:
        // P2: ADD_SA_PKT. Without packet offload opcode 6 is an unknown opcode, as on the Innova.
        if (pkt_add) syndrome = len == pkt::kLenAddSaPkt ? add_sa_pkt(b, word2) : kSynIllegalRequest;
        break;
      default: break;  // unknown opcode: ILLEGAL_REQUEST
    }
  }
  if (counts_as_add) {
    count(syndrome == kSynSuccess ? CtrlCounter::kAddSaSuccess : CtrlCounter::kAddSaFail);
  } else if (counts_as_del) {
    count(syndrome == kSynSuccess ? CtrlCounter::kDelSaSuccess : CtrlCounter::kDelSaFail);
  }
  if (corrupt_echo_) {
    word1 ^= *corrupt_echo_;
    corrupt_echo_.reset();
  }
  rsp[0] = syndrome;
  rsp[1] = word1;
  rsp[2] = syndrome == kSynSuccess ? word2 : 0;
  return rsp;
}

uint32_t CtrlModel::add_sa(const std::vector<uint8_t>& b, bool v2) {
  if (!sa_image_ok(b)) return kSynIllegalRequest;
  const uint8_t enc_mode = b[kOffEncMode];
  const uint8_t flags = b[kOffFlags];
  if ((flags & kFlagEsnEn) && !v2) return kSynIllegalRequest;

  const SaKey key = key_of(b);
  if (index_.count(key)) return kSynSadbIssue;  // duplicate
  if (free_.empty()) return kSynSadbIssue;  // table full
  // Both buckets the hash gives the key hold 8 SAs (docs/architecture.md, "The SA index").
  const std::optional<IndexPlace> place = sa_index_.place_for(key);
  if (!place) return kSynSadbIssue;

  SaEntry e;
  e.key = key;
  std::memcpy(e.key_enc.data(), &b[kOffKeyEnc], e.key_enc.size());
  std::memcpy(e.salt_iv.data(), &b[kOffSaltIv], e.salt_iv.size());
  std::memcpy(e.salt.data(), &b[kOffSalt], e.salt.size());
  e.sw_sa_handle = be32(b, kOffHandle);
  e.enc_mode = enc_mode;
  e.flags = flags;
  e.esn_en = (flags & kFlagEsnEn) != 0;
  e.esn_overlap = e.esn_en && (flags & kFlagEsnOverlap) != 0;
  e.esn = v2 && e.esn_en ? be32(b, kOffEsn) : 0;
  // The slot at the free list's head (ctrl_model.h, "SA indices"), taken only by a success.
  const size_t slot = free_.front();
  free_.pop_front();
  slots_[slot] = e;
  index_.emplace(key, slot);
  sa_index_.insert(key, *place);
  return kSynSuccess;
}

// Packet section P2. The first 148 bytes are checked as ADD_SA_V2's are; the rest as P2 lists,
// with the stricter cases of ctrl_model.h's list.
uint32_t CtrlModel::add_sa_pkt(const std::vector<uint8_t>& b, uint32_t& index) {
  if (!sa_image_ok(b)) return kSynIllegalRequest;
  for (size_t off : pkt::kReservedBytes) {
    if (b[off] != 0) return kSynIllegalRequest;
  }
  const uint8_t flags = b[kOffFlags];
  const bool tx = (flags & kFlagDirSx) != 0;
  const bool esn = (flags & kFlagEsnEn) != 0;
  PacketSaConfig cfg;
  const uint8_t mode = b[pkt::kOffMode];
  if (mode > pkt::kModeTunnel) return kSynIllegalRequest;
  cfg.tunnel = mode == pkt::kModeTunnel;
  cfg.replay_words = b[pkt::kOffReplayWords];
  if (cfg.replay_words > pkt::kMaxReplayWords) return kSynIllegalRequest;
  if (tx && cfg.replay_words != 0) return kSynIllegalRequest;
  if (!tx && esn && cfg.replay_words == 0) return kSynIllegalRequest;
  const uint64_t seq = be64(b, pkt::kOffSeq);
  if (!esn && seq >> 32 != 0) return kSynIllegalRequest;
  if (tx && seq == 0) return kSynIllegalRequest;
  cfg.soft_bytes = be64(b, pkt::kOffSoftBytes);
  cfg.hard_bytes = be64(b, pkt::kOffHardBytes);
  cfg.soft_packets = be64(b, pkt::kOffSoftPackets);
  cfg.hard_packets = be64(b, pkt::kOffHardPackets);
  if (cfg.soft_bytes > cfg.hard_bytes || cfg.soft_packets > cfg.hard_packets) {
    return kSynIllegalRequest;
  }
  cfg.ttl = b[pkt::kOffTtl];
  cfg.dscp_ecn = b[pkt::kOffDscpEcn];
  cfg.tunnel_flags = b[pkt::kOffTunnelFlags];
  const uint32_t flow = be32(b, pkt::kOffFlowLabel);
  if (!(tx && cfg.tunnel)) {
    for (size_t off = pkt::kOffTtl; off < pkt::kOffFlowLabel + 4; ++off) {
      if (b[off] != 0) return kSynIllegalRequest;
    }
  }
  if ((cfg.tunnel_flags & ~(pkt::kTunnelCopyDscp | pkt::kTunnelCopyDf)) != 0) {
    return kSynIllegalRequest;
  }
  if ((flow & ~pkt::kFlowLabelMask) != 0) return kSynIllegalRequest;
  cfg.flow_label = flow;

  // The SA table as ADD_SA_V2 fills it: the same key, the same checks, the same slots.
  const uint32_t syndrome = add_sa(b, true);
  if (syndrome != kSynSuccess) return syndrome;
  const size_t slot = index_.at(key_of(b));
  SaEntry& e = *slots_[slot];
  e.esn_overlap = false;
  e.esn = 0;
  PacketSa p;
  p.index = static_cast<uint16_t>(slot);
  p.cfg = cfg;
  p.seq = seq;
  e.pkt = p;
  index = static_cast<uint32_t>(slot) & pkt::kRspIndexMask;
  return kSynSuccess;
}

uint32_t CtrlModel::del_sa(const std::vector<uint8_t>& b) {
  const auto it = index_.find(key_of(b));
  if (it == index_.end()) return kSynSadbIssue;
  slots_[it->second].reset();  // key material gone with the entry
  free_.push_back(it->second);  // last in the free list: not given again at once
  sa_index_.erase(it->first);
  index_.erase(it);
  return kSynSuccess;
}

uint32_t CtrlModel::mod_sa(const std::vector<uint8_t>& b) {
  // MOD_SA_V2 carries a full SA image and is checked as ADD_SA_V2 is.
  if (!sa_image_ok(b)) return kSynIllegalRequest;
  const auto it = index_.find(key_of(b));
  if (it == index_.end()) return kSynSadbIssue;
  SaEntry& e = *slots_[it->second];
  // P2: the hardware keeps a packet SA's sequence numbers and ESN itself.
  if (e.pkt) return kSynIllegalRequest;
  const uint8_t flags = b[kOffFlags];
  e.esn_en = (flags & kFlagEsnEn) != 0;
  e.esn_overlap = e.esn_en && (flags & kFlagEsnOverlap) != 0;
  e.esn = e.esn_en ? be32(b, kOffEsn) : 0;
  e.flags = static_cast<uint8_t>((e.flags & ~(kFlagEsnEn | kFlagEsnOverlap)) |
                                 (flags & (kFlagEsnEn | kFlagEsnOverlap)));
  return kSynSuccess;
}

// ---- test access ------------------------------------------------------------------------

std::vector<SaEntry> CtrlModel::sas() const {
  std::vector<SaEntry> out;
  for (const auto& s : slots_) {
    if (s) out.push_back(*s);
  }
  return out;
}

SaEntry* CtrlModel::sa_at(size_t index) {
  return index < slots_.size() && slots_[index] ? &*slots_[index] : nullptr;
}

const SaEntry* CtrlModel::sa_at(size_t index) const {
  return index < slots_.size() && slots_[index] ? &*slots_[index] : nullptr;
}

const PacketSa* CtrlModel::packet_sa(size_t index) const {
  const SaEntry* e = sa_at(index);
  return e && e->pkt ? &*e->pkt : nullptr;
}

SaEntry* CtrlModel::find_sa_mutable(const SaKey& key) {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &*slots_[it->second];
}

void CtrlModel::raise_event(const PacketEvent& e) {
  if (events_.size() >= pkt::kEventQueueDepth) {
    ++evt_drop_;  // P6: the driver then reads every packet SA's counters
    return;
  }
  events_.push_back(e);
}

const SaEntry* CtrlModel::find_sa(const SaKey& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &*slots_[it->second];
}

}  // namespace ipsec::model
