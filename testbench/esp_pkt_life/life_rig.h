// esp_pkt_life (rtl/esp/) on its own, clock by clock, against the model's packet SA
// (sim/model/packet_sa.h: PacketSa::hard_limit, PacketSa::count and the fired flags, the
// very code the model's datapath runs) kept per SA index. Every answer, event, EVT_DROP,
// hard-expired mark and snapshot is compared with it on the clock the unit gives it.
//
// Timing the reference follows (the unit's header): an op asked on clock r issues on the
// first clock k >= r of its direction's slot (k mod 4: TX 0, RX 2; the clock count starts at
// reset, so the round does too), reads the state on k and writes it at the end of k + 3; the
// reference applies it on k. An init (even clocks) of the op's index on k or k + 2 cancels
// it. The answer comes on r + 6, the events on k + 3 and k + 4 (one a clock) into the queue,
// a TX SA's hard-expired mark on k + 3. A snapshot asked on r reads on the first odd clock s
// >= r and shows every op issued before s; its words are compared on r + 5.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "packet_sa.h"

class Vesp_pkt_life;
class VerilatedContext;

namespace ipsec::tb::life {

// The unit's figures (esp_pkt_life_pkg).
constexpr uint32_t kNumSa = 1024;
constexpr uint64_t kOpLatency = 6;
constexpr uint64_t kOpSpacing = 4;
constexpr uint64_t kSnapLatency = 5;
constexpr size_t kEventDepth = 16;
constexpr uint64_t kNone = ~uint64_t{0};  // XFRM_INF

// The op codes (esp_pkt_life_pkg::life_op_e).
enum class Op : uint8_t { kCheck = 0, kDropA = 1, kDropB = 2, kDropC = 3 };
constexpr Op kSeqExhausted = Op::kDropA;   // TX
constexpr Op kReplayWindow = Op::kDropA;   // RX
constexpr Op kReplay = Op::kDropB;         // RX
constexpr Op kIntegrity = Op::kDropC;      // RX

struct Limits {
  uint64_t soft_bytes = kNone, hard_bytes = kNone, soft_packets = kNone, hard_packets = kNone;
};

struct Event {
  uint32_t kind = 0;
  uint32_t index = 0;
  uint32_t handle = 0;
  bool operator==(const Event& o) const { return kind == o.kind && index == o.index && handle == o.handle; }
};

using Words = std::array<uint32_t, 10>;

class LifeRig {
 public:
  LifeRig();  // reset, and the clear after it
  ~LifeRig();
  LifeRig(const LifeRig&) = delete;
  LifeRig& operator=(const LifeRig&) = delete;

  // ---- one clock at a time ----
  // What the next tick() presents. An init is held until taken (even clocks).
  void request_op(bool tx, Op op, uint32_t idx, uint32_t bytes);
  void request_init(uint32_t idx, bool sa, bool tx, uint32_t handle, const Limits& lim);
  void request_snapshot(uint32_t idx);
  void request_pop() { pop_ = true; }
  bool init_pending() const { return init_.has_value(); }
  bool op_allowed(bool tx) const;  // the direction's spacing rule, for the next tick
  bool snapshot_allowed() const { return !snap_ && cycle_ >= snap_free_; }
  void tick();
  uint64_t cycle() const { return cycle_; }

  // ---- whole operations, for directed tests ----
  void init(uint32_t idx, bool tx, uint32_t handle, const Limits& lim);
  void remove(uint32_t idx);  // init with no packet SA (DEL_SA_V2)
  // A check: the unit's answer (true: send / deliver), compared with the reference.
  bool check(bool tx, uint32_t idx, uint32_t bytes);
  void drop(bool tx, Op op, uint32_t idx);
  Words snapshot(uint32_t idx);
  void pop();
  void drain();  // ticks until nothing is in flight

  // ---- what the unit shows now (after the last tick) ----
  bool event_ready() const;
  Event head() const;  // EVT_WORD0 / EVT_WORD1 decoded
  uint64_t evt_drop() const;
  // The words of the last snapshot compared.
  const std::optional<Words>& last_snapshot() const { return snap_words_; }
  // The reference's queue, oldest first.
  const std::deque<Event>& queue() const { return queue_; }
  // The reference's SA (after init), as it stands for ops issued now.
  const model::PacketSa& reference(uint32_t idx) const;

  uint64_t answers_compared() const { return answers_compared_; }
  uint64_t snapshots_compared() const { return snapshots_compared_; }
  uint64_t events_pushed() const { return events_pushed_; }
  uint64_t events_lost() const { return evt_drop_; }

 private:
  struct Req {
    bool tx;
    Op op;
    uint32_t idx;
    uint32_t bytes;
    uint64_t asked;
  };
  struct InitReq {
    uint32_t idx;
    bool sa;
    bool tx;
    uint32_t handle;
    Limits lim;
  };
  struct RefSa {
    bool tx = false;
    uint32_t handle = 0;
    model::PacketSa sa;
  };
  struct InFlight {
    Req req;
    uint64_t issued;
    bool pass = false;
    bool dies = false;
    bool killed = false;
    bool killed_late = false;  // by an init two clocks after its read, after a snapshot's
    std::vector<Event> events;
    Words pre;  // the SA's words before the op
  };
  struct Snap {
    uint32_t idx;
    uint64_t asked;
    uint64_t issued;
    Words want;
  };

  void compare_outputs();
  void issue_ops();
  void decide_ops();
  Words words_of(uint32_t idx) const;
  void apply(InFlight& f);

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_pkt_life> m_;
  uint64_t cycle_ = 0;

  std::optional<Req> tx_req_, rx_req_;
  std::optional<InitReq> init_;
  std::optional<uint32_t> snap_;
  bool pop_ = false;
  uint64_t last_tx_ = kNone, last_rx_ = kNone, snap_free_ = 0;

  std::vector<std::optional<RefSa>> refs_;
  std::map<uint64_t, Req> waiting_;        // by the clock the op issues
  std::deque<InFlight> flight_;            // issued, oldest first
  std::map<uint64_t, bool> tx_answers_, rx_answers_;  // by the clock they are due
  std::map<uint64_t, Event> pushes_;       // by the clock the event enters the queue
  std::map<uint64_t, uint32_t> marks_;     // TX deaths, by the clock hx_* shows them
  std::optional<Snap> snap_flight_;
  std::deque<Event> queue_;
  uint64_t evt_drop_ = 0;
  uint64_t answers_compared_ = 0, snapshots_compared_ = 0, events_pushed_ = 0;
  std::deque<bool> answers_;  // the unit's check answers, for check()
  std::optional<Words> snap_words_;
};

}  // namespace ipsec::tb::life
