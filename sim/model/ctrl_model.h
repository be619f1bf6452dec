// A transaction-level reference model of the engine's control plane, written from
// docs/registers.md and the contract (sections 2, 3, 4), not from the RTL: the registers,
// the command mailbox with its 8-deep queue, the SA table and the 14 counters. It is a
// RegisterBus itself, so the driver runs against it as against the Verilated engine.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "driver/register_bus.h"
#include "sa_index.h"
#include "sa_key.h"

namespace ipsec::model {

struct CtrlModelConfig {
  uint32_t num_sa = 1024;          // the engine's NumSa parameter
  uint32_t max_frame = 9216;       // the engine's MaxFrame parameter
  uint32_t vendor_id = 0x2C9;      // VENDOR_ID
  uint32_t product_id = 2;         // PRODUCT_ID
  uint32_t cap_flags = 0x2BF4;     // CAP_FLAGS: what this engine offers
  uint32_t exec_cycles = 2;        // clocks one command takes, doorbell to response
};

// The 64-bit counters in register order: the contract's 14 (DEC_IN_PACKETS at 0x200 ...
// CMD_DROP at 0x268), then the engine's own status counter DEC_OVERFLOW_DROP_PACKETS (0x270).
enum class CtrlCounter : size_t {
  kDecInPackets = 0,
  kDecOutPackets,
  kDecBypassPackets,
  kEncInPackets,
  kEncOutPackets,
  kEncBypassPackets,
  kDecDropPackets,
  kDecAuthFailPackets,
  kEncDropPackets,
  kAddSaSuccess,
  kAddSaFail,
  kDelSaSuccess,
  kDelSaFail,
  kCmdDrop,
  kDecOverflowDropPackets,
};
inline constexpr size_t kCtrlCounters = 15;

// One SA table entry, key material and all.
struct SaEntry {
  SaKey key;
  std::array<uint8_t, 32> key_enc{};
  std::array<uint8_t, 8> salt_iv{};
  std::array<uint8_t, 4> salt{};
  uint32_t sw_sa_handle = 0;
  uint8_t enc_mode = 0;
  uint8_t flags = 0;
  bool esn_en = false;
  bool esn_overlap = false;
  uint32_t esn = 0;
};

class CtrlModel final : public driver::RegisterBus {
 public:
  explicit CtrlModel(CtrlModelConfig config = {});

  // RegisterBus: 32-bit words; address bits [1:0] are ignored (the word containing the
  // address is accessed, as the RTL's register block does); SLVERR for unmapped addresses,
  // writes to read-only and reads of write-only registers, with no effect. Bus accesses
  // take no model time.
  driver::BusStatus read32(uint32_t addr, uint32_t& data) override;
  driver::BusStatus write32(uint32_t addr, uint32_t data) override;
  // A write with AXI4-Lite byte strobes (WSTRB bit i enables data bits [8i+7:8i]); see
  // docs/architecture.md, "Register access rules". write32 is write32_strobe(.., 0xF).
  driver::BusStatus write32_strobe(uint32_t addr, uint32_t data, uint8_t strb);
  void wait_cycles(uint32_t cycles) override;
  bool irq() override;
  uint64_t now() const override { return now_; }

  // Reset: SAs (and their keys), queues, counters and control bits cleared.
  void reset();
  uint64_t cycle() const { return now_; }
  const CtrlModelConfig& config() const { return config_; }

  // ---- for tests ----
  // Live SAs in table-slot order.
  std::vector<SaEntry> sas() const;
  size_t sa_count() const { return index_.size(); }
  const SaEntry* find_sa(const SaKey& key) const;
  // The hashed index (docs/architecture.md, "The SA index"): where each SA went.
  const SaIndex& sa_index() const { return sa_index_; }

  // Datapath hooks and counter access.
  void count(CtrlCounter c, uint64_t n = 1) { counters_[static_cast<size_t>(c)] += n; }
  void set_counter(CtrlCounter c, uint64_t value) { counters_[static_cast<size_t>(c)] = value; }
  uint64_t counter(CtrlCounter c) const { return counters_[static_cast<size_t>(c)]; }

  bool no_trailer() const { return no_trailer_; }
  bool fwd_bad_frames() const { return fwd_bad_frames_; }
  size_t outstanding() const { return pending_.size() + responses_.size(); }
  size_t responses_waiting() const { return responses_.size(); }
  uint64_t doorbells() const { return doorbells_; }  // every doorbell, dropped ones too

  // Fault injection.
  // The next response echoes a word1 XORed with `mask`.
  void corrupt_next_echo(uint32_t mask = 0xFFFFFFFFu) { corrupt_echo_ = mask; }
  // The next command is not executed and is answered with `syndrome`.
  void fail_next_command(uint32_t syndrome) { forced_syndrome_ = syndrome; }
  // While held, queued commands are not executed (a stuck engine).
  void hold_commands(bool hold);

 private:
  static constexpr size_t kQueueDepth = 8;
  static constexpr size_t kWindowBytes = 148;
  static constexpr size_t kResponseWords = 8;

  struct Command {
    std::vector<uint8_t> bytes;  // the whole window at doorbell time
    uint32_t len = 0;            // the doorbell's LEN
    uint64_t ready_at = 0;
  };
  using Response = std::array<uint32_t, kResponseWords>;

  void doorbell(uint32_t len);
  void advance();
  Response execute(const Command& cmd);
  uint32_t add_sa(const std::vector<uint8_t>& b, bool v2);
  uint32_t del_sa(const std::vector<uint8_t>& b);
  uint32_t mod_sa(const std::vector<uint8_t>& b);
  bool read_counter_word(uint32_t addr, uint32_t& data);

  CtrlModelConfig config_;
  uint64_t now_ = 0;

  // Registers.
  bool no_trailer_ = false;
  bool fwd_bad_frames_ = false;
  bool intr_enable_ = true;
  std::array<uint8_t, kWindowBytes> window_{};
  std::array<uint64_t, kCtrlCounters> counters_{};
  std::array<uint32_t, kCtrlCounters> latched_high_{};

  // Command engine.
  std::deque<Command> pending_;
  std::deque<Response> responses_;
  uint64_t last_ready_ = 0;
  uint64_t doorbells_ = 0;
  bool held_ = false;
  std::optional<uint32_t> corrupt_echo_;
  std::optional<uint32_t> forced_syndrome_;

  // SA table: NumSa slots, looked up by key.
  std::vector<std::optional<SaEntry>> slots_;
  std::map<SaKey, size_t> index_;
  // Which buckets the SAs occupy: an ADD whose two buckets are full is refused.
  SaIndex sa_index_;
};

}  // namespace ipsec::model
