// A transaction-level reference model of the engine's control plane, written from
// docs/registers.md and the contract (sections 2, 3, 4), not from the RTL: the registers,
// the command mailbox with its 8-deep queue, the SA table and the 14 counters. It is a
// RegisterBus itself, so the driver runs against it as against the Verilated engine.
//
// With CtrlModelConfig::packet_offload it is also the control plane of full packet offload
// (docs/packet_offload.md, packet sections P1, P2, P5, P6): CAP_FLAGS bit 16 and CAP_PKT,
// the 208-byte command window, ADD_SA_PKT, the per-SA counters' snapshot registers, the
// event queue and EVT_DROP. Without it, none of that exists: those addresses are SLVERR,
// opcode 6 is an unknown opcode and the window is 148 bytes, exactly as on the Innova.
//
// Decisions where the packet contract says nothing:
// - ADD_SA_PKT is refused (ILLEGAL_REQUEST), beside the cases P2 lists, when: the doorbell's
//   LEN is not 208; a TX SA has replay_words other than 0 (P2: "0 on TX SAs"); the SA has no
//   ESN and seq's high 32 bits are not 0 (P2); a TX SA's seq is 0 (RFC 4303 section 3.3.3:
//   sequence number 0 is never sent); an RX SA has ESN and replay_words 0 (the high half is
//   inferred from the window, RFC 4303 Appendix A2.2; Linux refuses it too); the tunnel
//   bytes 0xC0..0xC7 are not 0 on an SA that is not a TX tunnel SA; the tunnel flags' bits
//   7:2 or the flow label's bits 31:20 are not 0. Every field the SA does not use is 0, so
//   a driver that fills the wrong field is told at once rather than silently ignored.
// - For a packet SA the ESN high bits at 0x8C and ESN_OVERLAP are ignored: seq (0x98) is
//   where the hardware keeps its sequence number.
// - Response word 2 is the index on success, 0 otherwise (and 0 for every other command).
// - SA indices (packet section P8): an SA, crypto or packet, takes the slot at the head of a
//   free list, and a deleted SA's slot goes to its tail; after reset the list holds every
//   slot, lowest first. So the first NumSa adds take 0, 1, 2, ... and a freed index comes
//   back only after every slot freed before it, not at once: a frame or an event still
//   naming a deleted packet SA's index rarely finds a new SA there (the handle check of P3
//   and P8 catches the rest). This is the RTL table's own rule (sa_table's FIFO free list,
//   one read a clock); the lowest free slot would need a priority search over NumSa slots.
//   A refused ADD takes no slot.
// - MOD_SA_V2 checks its image as for a crypto SA first; a matched packet SA then answers
//   ILLEGAL_REQUEST (counted in add_sa_fail, as every MOD is counted with the ADDs).
// - PKT_STATS_INDEX snapshots on a write whose strobes enable both byte lanes of the index
//   (bits 15:0); a write without them changes nothing (OKAY). An index out of the table or
//   holding no packet SA snapshots ten zero words. The snapshot stays until the next one.
// - EVT_POP drops the head on a write with bit 0 set in lane 0 (as RSP_POP); on an empty
//   queue it does nothing. EVT_WORD0/1 read 0 when the queue is empty.
// - INTR_ENABLE bit 1 (EVENT_READY) resets to 1, and is read and written in lane 0 with bit
//   0; irq is (RSP_READY and its enable) or (EVENT_READY and its enable).
// - EVT_DROP reads as the 64-bit counters at 0x200.. do: the low word latches the high word.
//   It is not cleared by anything but reset.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "driver/register_bus.h"
#include "packet_sa.h"
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
  // Full packet offload (docs/packet_offload.md): off, the engine is the Innova's.
  bool packet_offload = false;
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
  // A packet-offload SA (ADD_SA_PKT): its configuration and its state. Empty for crypto SAs.
  std::optional<PacketSa> pkt;
};

// One entry of the event queue (packet section P6).
struct PacketEvent {
  pkt::EventKind kind = pkt::EventKind::kSoftBytes;
  uint16_t index = 0;   // the SA's table index
  uint32_t handle = 0;  // its sw_sa_handle
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

  // ---- packet offload (docs/packet_offload.md) ----
  bool packet_offload() const { return config_.packet_offload; }
  // The SA at table index `index` (the index ADD_SA_PKT answers in word 2), or nullptr.
  SaEntry* sa_at(size_t index);
  const SaEntry* sa_at(size_t index) const;
  // The packet SA at `index`, or nullptr when the index holds none or a crypto SA.
  const PacketSa* packet_sa(size_t index) const;
  // The SA matched by `key` (contract section 3), for the datapath to change its state.
  SaEntry* find_sa_mutable(const SaKey& key);
  // Queue an event (P6): lost, and counted in EVT_DROP, when the queue holds 16.
  void raise_event(const PacketEvent& e);
  const std::deque<PacketEvent>& events() const { return events_; }
  uint64_t evt_drop() const { return evt_drop_; }
  // For tests of the 64-bit read of EVT_DROP, as set_counter is for the counters.
  void set_evt_drop(uint64_t value) { evt_drop_ = value; }

  // Fault injection.
  // The next response echoes a word1 XORed with `mask`.
  void corrupt_next_echo(uint32_t mask = 0xFFFFFFFFu) { corrupt_echo_ = mask; }
  // The next command is not executed and is answered with `syndrome`.
  void fail_next_command(uint32_t syndrome) { forced_syndrome_ = syndrome; }
  // While held, queued commands are not executed (a stuck engine).
  void hold_commands(bool hold);

 private:
  static constexpr size_t kQueueDepth = 8;
  static constexpr size_t kWindowBytes = 148;  // the Innova's window, 0x100..0x193
  // With packet offload the window is 208 bytes (P2); the storage holds the larger one.
  static constexpr size_t kWindowStorage = pkt::kLenAddSaPkt;
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
  uint32_t add_sa_pkt(const std::vector<uint8_t>& b, uint32_t& index);
  uint32_t del_sa(const std::vector<uint8_t>& b);
  uint32_t mod_sa(const std::vector<uint8_t>& b);
  bool read_counter_word(uint32_t addr, uint32_t& data);
  bool read_packet_register(uint32_t addr, uint32_t& data);
  bool write_packet_register(uint32_t addr, uint32_t data, uint8_t strb);
  uint32_t window_bytes() const { return config_.packet_offload ? kWindowStorage : kWindowBytes; }

  CtrlModelConfig config_;
  uint64_t now_ = 0;

  // Registers.
  bool no_trailer_ = false;
  bool fwd_bad_frames_ = false;
  bool intr_enable_ = true;
  std::array<uint8_t, kWindowStorage> window_{};
  std::array<uint64_t, kCtrlCounters> counters_{};
  std::array<uint32_t, kCtrlCounters> latched_high_{};
  // Packet offload registers (P5, P6).
  bool intr_event_enable_ = true;
  std::array<uint32_t, pkt::kPktStatsWords> pkt_stats_{};
  std::deque<PacketEvent> events_;
  uint64_t evt_drop_ = 0;
  uint32_t evt_drop_latched_high_ = 0;

  // Command engine.
  std::deque<Command> pending_;
  std::deque<Response> responses_;
  uint64_t last_ready_ = 0;
  uint64_t doorbells_ = 0;
  bool held_ = false;
  std::optional<uint32_t> corrupt_echo_;
  std::optional<uint32_t> forced_syndrome_;

  // SA table: NumSa slots, looked up by key, and the free ones in the order they are given
  // out (a FIFO: "SA indices" above).
  std::vector<std::optional<SaEntry>> slots_;
  std::deque<size_t> free_;
  std::map<SaKey, size_t> index_;
  // Which buckets the SAs occupy: an ADD whose two buckets are full is refused.
  SaIndex sa_index_;
};

}  // namespace ipsec::model
