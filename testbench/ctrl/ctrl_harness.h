// Drives the Verilated control plane (rtl/top/ipsec_ctrl.sv) clock by clock: registers
// through the AXI4-Lite bus of sim/axil_bus.h, SA commands at the register level, random
// lookups on both lookup ports on every clock checked against a reference table, and
// simulation-only views of the SA store's key material and of the counters.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "Vipsec_ctrl.h"
#include "axil_bus.h"
#include "sa_image.h"

namespace ipsec::tb {

// The model's parameters and fixed timing (rtl/top/ipsec_ctrl.sv, rtl/sadb/sadb_pkg.sv).
constexpr uint32_t kNumSa = 1024;
constexpr uint32_t kMaxFrame = 9216;
constexpr int kLookupLatency = IPSEC_LOOKUP_LATENCY;  // sadb_pkg::LookupLatency
constexpr int kRecordCopies = 2;  // the SA store, once per lookup port

// Register offsets and fields used by the tests (docs/registers.md).
namespace reg {
constexpr uint32_t kVendorId = 0x000, kProductId = 0x004, kProductVersion = 0x008,
                   kImageVersion = 0x00C, kShellVersion = 0x010, kEngineParams = 0x014,
                   kCapEncapsulation = 0x020, kCapFlags = 0x024, kCapAuthAlg = 0x028,
                   kCapEncAlg = 0x02C, kCapSa = 0x030, kCapCounters = 0x034,
                   kCapCountersAddrLow = 0x038, kCapCountersAddrHigh = 0x03C,
                   kControl = 0x040, kIntrEnable = 0x044, kIntrStatus = 0x048,
                   kCmdDoorbell = 0x050, kCmdStatus = 0x054, kRspPop = 0x058,
                   kRspWord0 = 0x060, kCmdWindow = 0x100, kCounters = 0x200;
constexpr uint32_t kWindowWords = 37;
// CMD_STATUS fields.
inline uint32_t outstanding(uint32_t status) { return status & 0xF; }
inline uint32_t rsp_level(uint32_t status) { return (status >> 8) & 0xF; }
inline bool full(uint32_t status) { return (status >> 16) & 1; }
inline bool rsp_valid(uint32_t status) { return (status >> 17) & 1; }
}  // namespace reg

// The 14 hardware counters, in the contract's order (section 4).
enum class Counter {
  kDecIn, kDecOut, kDecBypass, kEncIn, kEncOut, kEncBypass, kDecDrop, kDecAuthFail,
  kEncDrop, kAddSaSuccess, kAddSaFail, kDelSaSuccess, kDelSaFail, kCmdDrop,
  kDecOverflowDrop  // the engine's own status counter after the 14 (input dec_overflow_i)
};
constexpr uint32_t counter_addr(Counter c) { return reg::kCounters + 8 * static_cast<uint32_t>(c); }

struct Response {
  uint32_t syndrome = 0;
  uint32_t echo = 0;
  uint32_t word2 = 0;  // read only in the packet-offload build (ADD_SA_PKT's index)
};

// The harness's build of the control plane: PktOffload 1 (tb_ctrl_pkt) or 0.
#ifdef IPSEC_CTRL_PKT_OFFLOAD
constexpr bool kPktBuild = true;
#else
constexpr bool kPktBuild = false;
#endif

// One record of ipsec_ctrl's pkt_sa port (sadb_pkg::pkt_sa_cmd_t), as the packet units take it.
struct PktSaRecord {
  bool add = false;
  uint16_t index = 0;
  bool tx = false, esn = false, ipv6 = false, tunnel = false;
  uint8_t replay_words = 0;
  uint64_t seq = 0;
  uint32_t handle = 0, spi = 0;
  std::array<uint8_t, 16> sip{}, dip{};  // as the key: IPv4 in the last 4 bytes
  uint8_t ttl = 0, tos = 0, tun_flags = 0;
  uint32_t flow = 0;
  uint64_t soft_bytes = 0, hard_bytes = 0, soft_packets = 0, hard_packets = 0;
  uint64_t cycle = 0;  // the clock it was taken on (not compared)

  bool operator==(const PktSaRecord& o) const;
  std::string str() const;
};

// A stand-in for the packet units on ipsec_ctrl's pkt_sa port: it takes the records offered
// (valid and ready on one clock edge), with ready held low for random stretches, and counts
// the clocks a record waited while a command response was already out (irq_o with
// INTR_ENABLE.RSP_READY, the reset value): the executor posts the response only after the
// record is taken, so with responses popped one by one that count stays 0.
struct PktSaSink {
  std::vector<PktSaRecord> taken;
  bool hold_low = false;          // ready 0 until cleared
  uint32_t stall_percent = 0;     // chance per clock that a stretch of ready 0 begins
  uint32_t max_stretch = 1;       // its length: 1 .. max_stretch clocks
  uint32_t stretch_left = 0;
  uint64_t offered_clocks = 0;    // clocks with pkt_sa_valid_o
  uint64_t waits = 0;             // of them, with ready 0
  uint64_t response_while_offered = 0;
};

// What a lookup port answered beside hit and context (packet offload: the hit SA's mark and
// table index, both 0 on a miss and in the Innova build).
struct LookupMark {
  bool pkt = false;
  uint16_t index = 0;
};

// A stand-in for the packet SA unit on ipsec_ctrl's packet-offload ports (packet sections
// P5, P6): what the control plane asks of it and what it shows the control plane. It is not
// a model of the unit: the tests give it the events and the counter words they expect to
// read back through the registers, and count the requests the registers make.
struct PktUnitStub {
  struct Event {
    uint32_t word0 = 0;  // kind 7:0, SA index 31:16
    uint32_t word1 = 0;  // handle
  };
  std::deque<Event> events;           // head first; popped by evt_pop_o
  std::map<uint32_t, std::array<uint32_t, 10>> stats;  // by SA index; absent: zeros
  std::array<uint32_t, 10> words{};   // the last snapshot, driven on pkt_stats_word_i
  // As esp_pkt_life: busy for this many clocks after a request, then the new words.
  uint32_t snap_busy_clocks = 4;
  uint32_t busy_left = 0;
  std::array<uint32_t, 10> pending{};
  std::vector<uint32_t> requests;     // the index of each snapshot request, in order
  uint64_t pops = 0;                  // evt_pop_o pulses
  uint64_t pops_while_empty = 0;      // of them, while no event waited
  uint64_t evt_drop = 0;              // the lost events' count, driven on evt_drop_i
};

class CtrlHarness {
 public:
  using Bus = sim::AxiLiteBus<Vipsec_ctrl>;

  // `bus_delay_percent`: random master-side delays on the AXI4-Lite handshakes.
  explicit CtrlHarness(uint64_t seed, int bus_delay_percent = 0);
  // Any bus options (random channel order, pipelining); the seed is `seed`.
  CtrlHarness(uint64_t seed, sim::AxiLiteBusOptions bus_options);
  ~CtrlHarness();
  CtrlHarness(const CtrlHarness&) = delete;
  CtrlHarness& operator=(const CtrlHarness&) = delete;

  Vipsec_ctrl& dut() { return *dut_; }
  Bus& bus() { return *bus_; }
  uint64_t cycle() const { return cycle_; }

  // One clock: drives the lookup ports and the counter inputs, checks lookup results.
  void tick();
  void ticks(uint32_t n) { for (uint32_t i = 0; i < n; ++i) tick(); }
  // Reset for a few clocks, then (unless told not to) wait until the SA store's scrub is
  // over. Forgets every SA.
  void reset(bool wait_for_scrub = true);

  // ---- registers: throw on an unexpected AXI response ---------------------------------
  uint32_t read(uint32_t addr);
  void write(uint32_t addr, uint32_t value);
  uint64_t read_counter(Counter c);  // low word first: it latches the high word

  // ---- SA commands at the register level ----------------------------------------------
  // Writes the image into the command window (word i = be32 of bytes 4i..4i+3; a trailing
  // partial word is zero-padded).
  void write_window(const Bytes& image);
  void ring_doorbell(uint32_t length);
  // Polls CMD_STATUS until a response is waiting; throws after 5000 clocks.
  void wait_response_ready();
  // Waits for the oldest response, reads it and pops it.
  Response take_response();
  // write_window + ring_doorbell(image size) + take_response.
  Response execute(const Bytes& image) { return execute(image, static_cast<uint32_t>(image.size())); }
  Response execute(const Bytes& image, uint32_t length);

  // SA commands that also keep the reference table up to date from their responses.
  Response add_sa(const SaSpec& sa, bool v2);
  Response del_sa(const SaSpec& sa, bool v2);
  Response mod_sa(const SaSpec& sa);  // the ESN fields of `sa`
  // ADD_SA_PKT with `image` (208 bytes, built from `sa`): on success the SA is a packet SA at
  // the index of word 2, its context as ADD_SA_V2's without ESN_OVERLAP and ESN high bits.
  Response add_sa_pkt(const SaSpec& sa, const Bytes& image);
  // The index an SA was given, for the lookup checker (crypto SAs: from the reference model).
  void learn_index(const SaKey& key, uint16_t index);

  // ---- the reference table and the lookup checker ---------------------------------------
  const std::map<SaKey, SaCtx>& live() const { return live_; }
  // Random lookups on both ports on every clock, checked against the reference table.
  void enable_lookups(bool on) { lookups_on_ = on; }
  // Keys the random lookups draw from (besides live SAs and random keys).
  void remember_key(const SaKey& key) { pool_.push_back(key); }
  // Keys the random lookups ask for on most clocks (empty: no preference).
  void focus_lookups(std::vector<SaKey> keys) { focus_ = std::move(keys); }
  uint64_t lookup_hits() const { return lookup_hits_; }
  uint64_t lookup_misses() const { return lookup_misses_; }
  const std::vector<std::string>& lookup_errors() const { return lookup_errors_; }
  // One lookup on the TX (port 0) or RX (port 1) port, waiting for its result.
  bool lookup(int port, const SaKey& key, SaCtx& ctx);
  bool lookup(int port, const SaKey& key, SaCtx& ctx, LookupMark& mark);
  // One lookup by index on the TX port (packet offload: an encapsulated frame's), waiting
  // for its result.
  bool lookup_index(uint16_t index, SaCtx& ctx, LookupMark& mark);

  // ---- simulation-only views ------------------------------------------------------------
  // The key bytes stored in record `index` of copy `copy` (0: the TX port's, 1: the RX
  // port's) of the SA store.
  std::array<uint8_t, 32> stored_key(int copy, uint32_t index);
  // Overwrites a 64-bit hardware counter (only the datapath counters 0..8: they are
  // located by pulsing their increment input).
  void preload_counter(Counter c, uint64_t value);
  // Pulses the increment input of a datapath counter (0..8, kDecOverflowDrop) for `n`
  // clocks; pulse_counters holds several high in the same clocks.
  void pulse_counter(Counter c, uint32_t n);
  void pulse_counters(std::initializer_list<Counter> cs, uint32_t n);

  // The packet SA unit's side of the packet-offload ports (see PktUnitStub).
  PktUnitStub& pkt_unit() { return pkt_unit_; }
  // The packet units' side of the pkt_sa port (see PktSaSink).
  PktSaSink& pkt_sink() { return pkt_sink_; }

 private:
  struct Pending {
    uint64_t due;
    SaKey key;
    std::optional<uint16_t> index;  // a lookup by index (TX, packet offload)
    bool manual;  // asked by lookup(): report the result, do not check it
    // While a command for the key is in flight, its outcome is also acceptable.
    bool in_flight;
    bool alt_hit;
    SaCtx alt_ctx;
    bool hit;
    SaCtx ctx;
    std::optional<LookupMark> mark;  // expected with a hit, when known
  };

  void apply_inputs();
  void check_results();
  void step_pkt_unit();
  void step_pkt_sink();
  void drive_lookup(int port, const SaKey& key, std::optional<uint16_t> index = std::nullopt);
  // What the TX port of the packet build answers: crypto SAs by key, packet SAs by index.
  void expect_tx_rule(Pending& p) const;
  SaKey pick_key();
  void set_counter_inputs(Counter c, bool on);
  void live_insert(const SaKey& key, const SaCtx& ctx);
  void live_erase(const SaKey& key);

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vipsec_ctrl> dut_;
  std::unique_ptr<Bus> bus_;
  std::mt19937_64 rng_;
  uint64_t cycle_ = 0;

  std::map<SaKey, SaCtx> live_;
  std::vector<SaKey> live_keys_;          // live_'s keys, for picking one at random
  std::map<SaKey, size_t> live_index_;    // position in live_keys_
  std::map<SaKey, LookupMark> marks_;     // live SAs' marks, where known
  // Keys with a command in flight, and the state the command would leave (nullopt: absent).
  std::map<SaKey, std::optional<SaCtx>> in_flight_;
  // Packet SAs being added (their index comes with the response), and their contexts.
  std::map<SaKey, SaCtx> pkt_flight_;
  std::vector<SaKey> focus_;
  std::vector<SaKey> pool_;
  bool lookups_on_ = false;
  std::vector<Pending> pending_[2];
  std::optional<SaKey> manual_[2];
  std::optional<uint16_t> manual_index_;  // the TX port's manual lookup is by this index
  bool manual_hit_[2] = {false, false};
  SaCtx manual_ctx_[2];
  LookupMark manual_mark_[2];
  uint64_t lookup_hits_ = 0, lookup_misses_ = 0;
  std::vector<std::string> lookup_errors_;
  uint32_t forced_counters_ = 0;  // counter inputs held high this clock, one bit each
  PktUnitStub pkt_unit_;
  PktSaSink pkt_sink_;
};

}  // namespace ipsec::tb
