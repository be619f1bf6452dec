#include "life_rig.h"

#include <doctest/doctest.h>

#include <stdexcept>

#include "Vesp_pkt_life.h"
#include "packet_contract.h"
#include "verilated.h"
#include "verilated_reset.h"

namespace ipsec::tb::life {

namespace {

using model::pkt::EventKind;

uint32_t kind_of(EventKind k) { return static_cast<uint32_t>(k); }

}  // namespace

LifeRig::LifeRig() : ctx_(std::make_unique<VerilatedContext>()), refs_(kNumSa) {
  ctx_->randReset(2);  // memories and data flops start random: the clear must make them sane
  m_ = std::make_unique<Vesp_pkt_life>(ctx_.get());
  m_->init_valid_i = 0;
  m_->tx_valid_i = 0;
  m_->rx_valid_i = 0;
  m_->snap_valid_i = 0;
  m_->evt_pop_i = 0;
  async_reset(*m_);
  // The clear after reset: NumSa clocks.
  while (cycle_ < kNumSa) {
    REQUIRE_FALSE(m_->ready_o);
    tick();
  }
  REQUIRE(m_->ready_o);
}

LifeRig::~LifeRig() { m_->final(); }

bool LifeRig::op_allowed(bool tx) const {
  const uint64_t last = tx ? last_tx_ : last_rx_;
  return cycle_ >= kNumSa && (last == kNone || cycle_ >= last + kOpSpacing) && !(tx ? tx_req_ : rx_req_);
}

void LifeRig::request_op(bool tx, Op op, uint32_t idx, uint32_t bytes) {
  REQUIRE_MESSAGE(op_allowed(tx), "test error: " << (tx ? "TX" : "RX") << " ops closer than " << kOpSpacing);
  REQUIRE_MESSAGE((!tx || op == Op::kCheck || op == kSeqExhausted), "test error: a TX op the port does not take");
  (tx ? tx_req_ : rx_req_) = Req{tx, op, idx, bytes, cycle_};
}

void LifeRig::request_init(uint32_t idx, bool sa, bool tx, uint32_t handle, const Limits& lim) {
  init_ = InitReq{idx, sa, tx, handle, lim};
}

void LifeRig::request_snapshot(uint32_t idx) {
  REQUIRE_MESSAGE(snapshot_allowed(), "test error: a snapshot while one is under way");
  snap_ = idx;
}

const model::PacketSa& LifeRig::reference(uint32_t idx) const {
  if (!refs_.at(idx)) throw std::logic_error("no packet SA at the index");
  return refs_[idx]->sa;
}

Words LifeRig::words_of(uint32_t idx) const {
  Words w{};
  if (!refs_.at(idx)) return w;
  const RefSa& r = *refs_[idx];
  const model::PacketSaCounters& c = r.sa.counters;
  const uint64_t v[5] = {c.packets, c.bytes, r.tx ? c.seq_exhausted : c.replay_window, r.tx ? 0 : c.replay,
                         r.tx ? 0 : c.integrity_failed};
  for (size_t i = 0; i < 5; ++i) {
    w[2 * i] = static_cast<uint32_t>(v[i]);
    w[2 * i + 1] = static_cast<uint32_t>(v[i] >> 32);
  }
  return w;
}

// The op as the model decides it (sim/model/esp_packet.cpp: tx_packet's dead path, exhaustion
// and hard limit then count; rx_packet_verify's dead path and counters; rx_packet_commit's
// hard limit then count), on the reference SA.
void LifeRig::apply(InFlight& f) {
  f.pre = words_of(f.req.idx);
  std::optional<RefSa>& slot = refs_.at(f.req.idx);
  if (!slot || slot->tx != f.req.tx) return;  // no packet SA of this direction: drop, nothing counted
  model::PacketSa& p = slot->sa;
  std::vector<EventKind> raised;
  if (f.req.op == Op::kCheck) {
    if (p.dead) {
      if (p.has_fired(EventKind::kSeqExhausted)) ++p.counters.seq_exhausted;
    } else if (p.hard_limit(f.req.bytes, raised)) {
      f.dies = true;
    } else {
      p.count(f.req.bytes, raised);
      f.pass = true;
    }
  } else if (f.req.tx) {
    if (p.dead) {
      if (p.has_fired(EventKind::kSeqExhausted)) ++p.counters.seq_exhausted;
    } else {
      ++p.counters.seq_exhausted;
      if (p.fire(EventKind::kSeqExhausted)) raised.push_back(EventKind::kSeqExhausted);
      p.dead = true;
      f.dies = true;
    }
  } else if (!p.dead) {
    if (f.req.op == kReplayWindow) ++p.counters.replay_window;
    if (f.req.op == kReplay) ++p.counters.replay;
    if (f.req.op == kIntegrity) ++p.counters.integrity_failed;
    f.pass = true;  // an RX drop's answer: counted
  }
  for (EventKind k : raised) f.events.push_back(Event{kind_of(k), f.req.idx, slot->handle});
}

void LifeRig::issue_ops() {
  auto it = waiting_.find(cycle_);
  if (it == waiting_.end()) return;
  InFlight f;
  f.req = it->second;
  f.issued = cycle_;
  apply(f);
  flight_.push_back(f);
  waiting_.erase(it);
}

void LifeRig::decide_ops() {
  while (!flight_.empty() && flight_.front().issued + 2 <= cycle_) {
    InFlight& f = flight_.front();
    if (f.killed) {
      f.pass = false;
      f.dies = false;
      f.events.clear();
      // A snapshot read the clock after this op was issued counted on its write, which the
      // init two clocks after the op's read cancelled.
      if (f.killed_late && snap_flight_ && snap_flight_->issued == f.issued + 1 &&
          snap_flight_->idx == f.req.idx) {
        snap_flight_->want = f.pre;
      }
    }
    // TX answers its checks; RX every op (a drop: whether it was counted).
    if (f.req.op == Op::kCheck || !f.req.tx) (f.req.tx ? tx_answers_ : rx_answers_)[f.req.asked + kOpLatency] = f.pass;
    for (size_t i = 0; i < f.events.size(); ++i) pushes_[cycle_ + 1 + i] = f.events[i];
    if (f.dies && f.req.tx) marks_[cycle_ + 1] = f.req.idx;
    flight_.pop_front();
  }
}

void LifeRig::tick() {
  // ---- the inputs of this clock ----
  m_->tx_valid_i = tx_req_.has_value();
  if (tx_req_) {
    m_->tx_op_i = static_cast<uint8_t>(tx_req_->op);
    m_->tx_index_i = tx_req_->idx;
    m_->tx_bytes_i = tx_req_->bytes;
    waiting_[cycle_ + (4 - cycle_ % 4) % 4] = *tx_req_;
    last_tx_ = cycle_;
  }
  m_->rx_valid_i = rx_req_.has_value();
  if (rx_req_) {
    m_->rx_op_i = static_cast<uint8_t>(rx_req_->op);
    m_->rx_index_i = rx_req_->idx;
    m_->rx_bytes_i = rx_req_->bytes;
    waiting_[cycle_ + (6 - cycle_ % 4) % 4] = *rx_req_;
    last_rx_ = cycle_;
  }
  m_->init_valid_i = init_.has_value();
  if (init_) {
    m_->init_index_i = init_->idx;
    m_->init_sa_i = init_->sa;
    m_->init_tx_i = init_->tx;
    // life_cfg_t: {handle, soft_bytes, hard_bytes, soft_packets, hard_packets}, word 0 low.
    const uint64_t v[4] = {init_->lim.hard_packets, init_->lim.soft_packets, init_->lim.hard_bytes,
                           init_->lim.soft_bytes};
    for (size_t i = 0; i < 4; ++i) {
      m_->init_cfg_i[2 * i] = static_cast<uint32_t>(v[i]);
      m_->init_cfg_i[2 * i + 1] = static_cast<uint32_t>(v[i] >> 32);
    }
    m_->init_cfg_i[8] = init_->handle;
  }
  m_->snap_valid_i = snap_.has_value();
  if (snap_) m_->snap_index_i = *snap_;
  m_->evt_pop_i = pop_;
  m_->eval();

  // ---- the reference's clock ----
  issue_ops();
  const bool init_ready = cycle_ >= kNumSa && cycle_ % 2 == 0;
  CHECK_MESSAGE(static_cast<bool>(m_->init_ready_o) == init_ready, "clock " << cycle_ << ": init_ready");
  std::optional<uint32_t> mark_clear;
  if (init_ && init_ready) {
    for (InFlight& f : flight_) {
      if (f.req.idx == init_->idx && (f.issued == cycle_ || f.issued + 2 == cycle_)) {
        f.killed = true;
        f.killed_late = f.issued + 2 == cycle_;
      }
    }
    std::optional<RefSa>& slot = refs_.at(init_->idx);
    slot.reset();
    if (init_->sa) {
      slot.emplace();
      slot->tx = init_->tx;
      slot->handle = init_->handle;
      slot->sa.index = static_cast<uint16_t>(init_->idx);
      slot->sa.cfg.soft_bytes = init_->lim.soft_bytes;
      slot->sa.cfg.hard_bytes = init_->lim.hard_bytes;
      slot->sa.cfg.soft_packets = init_->lim.soft_packets;
      slot->sa.cfg.hard_packets = init_->lim.hard_packets;
    }
    mark_clear = init_->idx;
    init_.reset();
  }
  decide_ops();
  if (snap_) {
    const uint64_t s = cycle_ % 2 == 1 ? cycle_ : cycle_ + 1;
    snap_flight_ = Snap{*snap_, cycle_, s, Words{}};
    snap_free_ = cycle_ + kSnapLatency;
    snap_.reset();
  }
  if (snap_flight_ && snap_flight_->issued == cycle_) snap_flight_->want = words_of(snap_flight_->idx);

  // ---- the unit's outputs on this clock ----
  compare_outputs();
  if (mark_clear) {
    CHECK_MESSAGE((m_->hx_valid_o && m_->hx_index_o == *mark_clear && !m_->hx_expired_o),
                  "clock " << cycle_ << ": the init's hard-expired clear of SA " << *mark_clear);
  } else if (marks_.count(cycle_)) {
    CHECK_MESSAGE((m_->hx_valid_o && m_->hx_index_o == marks_[cycle_] && m_->hx_expired_o),
                  "clock " << cycle_ << ": the hard-expired mark of SA " << marks_[cycle_]);
  } else {
    CHECK_MESSAGE(!m_->hx_valid_o, "clock " << cycle_ << ": an unexpected hard-expired mark of SA "
                                            << static_cast<uint32_t>(m_->hx_index_o));
  }
  marks_.erase(cycle_);

  // ---- the event queue on this clock: a push finds it as it was, a pop takes the head ----
  auto push = pushes_.find(cycle_);
  const bool was_full = queue_.size() == kEventDepth;
  if (pop_ && !queue_.empty()) queue_.pop_front();
  if (push != pushes_.end()) {
    ++events_pushed_;
    if (was_full) ++evt_drop_;
    else queue_.push_back(push->second);
    pushes_.erase(push);
  }

  // ---- the clock edge ----
  clock_edge(*m_);
  ++cycle_;
  tx_req_.reset();
  rx_req_.reset();
  pop_ = false;
}

void LifeRig::compare_outputs() {
  for (bool tx : {true, false}) {
    std::map<uint64_t, bool>& due = tx ? tx_answers_ : rx_answers_;
    const bool valid = tx ? m_->tx_ans_valid_o : m_->rx_ans_valid_o;
    const bool pass = tx ? m_->tx_ans_pass_o : m_->rx_ans_pass_o;
    auto it = due.find(cycle_);
    CHECK_MESSAGE(valid == (it != due.end()), "clock " << cycle_ << ": " << (tx ? "TX" : "RX") << " answer "
                                                       << (valid ? "unexpected" : "missing"));
    if (valid) answers_.push_back(pass);
    if (it != due.end()) {
      CHECK_MESSAGE(pass == it->second, "clock " << cycle_ << ": " << (tx ? "TX" : "RX") << " answer "
                                                 << (pass ? "pass" : "drop") << ", the model says "
                                                 << (it->second ? "pass" : "drop"));
      ++answers_compared_;
      due.erase(it);
    }
  }

  CHECK_MESSAGE(event_ready() == !queue_.empty(), "clock " << cycle_ << ": EVENT_READY " << event_ready());
  const Event got = head();
  const Event want = queue_.empty() ? Event{} : queue_.front();
  CHECK_MESSAGE(got == want, "clock " << cycle_ << ": event head kind " << got.kind << " SA " << got.index
                                      << " handle " << got.handle << ", the model's kind " << want.kind << " SA "
                                      << want.index << " handle " << want.handle);
  CHECK_MESSAGE(evt_drop() == evt_drop_, "clock " << cycle_ << ": EVT_DROP " << evt_drop() << ", the model's "
                                                  << evt_drop_);

  if (snap_flight_) {
    const Snap& s = *snap_flight_;
    if (cycle_ > s.asked && cycle_ < s.asked + kSnapLatency) {
      CHECK_MESSAGE(m_->snap_busy_o, "clock " << cycle_ << ": snapshot not busy");
    } else if (cycle_ == s.asked + kSnapLatency) {
      CHECK_MESSAGE(!m_->snap_busy_o, "clock " << cycle_ << ": snapshot still busy");
      Words w;
      for (size_t i = 0; i < w.size(); ++i) w[i] = m_->snap_words_o[i];
      for (size_t i = 0; i < w.size(); ++i) {
        CHECK_MESSAGE(w[i] == s.want[i], "clock " << cycle_ << ": snapshot of SA " << s.idx << " word " << i
                                                  << " is " << w[i] << ", the model's " << s.want[i]);
      }
      snap_words_ = w;
      ++snapshots_compared_;
      snap_flight_.reset();
    }
  }
}

bool LifeRig::event_ready() const { return m_->evt_ready_o; }

Event LifeRig::head() const {
  const uint32_t w0 = m_->evt_word0_o;
  CHECK_MESSAGE((w0 & 0xFF00u) == 0, "EVT_WORD0 bits 15:8 are reserved: " << w0);
  return Event{w0 & 0xFFu, w0 >> 16, static_cast<uint32_t>(m_->evt_word1_o)};
}

uint64_t LifeRig::evt_drop() const { return m_->evt_drop_o; }

void LifeRig::init(uint32_t idx, bool tx, uint32_t handle, const Limits& lim) {
  request_init(idx, true, tx, handle, lim);
  while (init_pending()) tick();
}

void LifeRig::remove(uint32_t idx) {
  request_init(idx, false, false, 0, Limits{});
  while (init_pending()) tick();
}

bool LifeRig::check(bool tx, uint32_t idx, uint32_t bytes) {
  while (!op_allowed(tx)) tick();
  request_op(tx, Op::kCheck, idx, bytes);
  answers_.clear();
  const uint64_t due = cycle_ + kOpLatency;
  while (cycle_ <= due) tick();
  REQUIRE_MESSAGE(answers_.size() == 1, "no answer to the check of SA " << idx);
  return answers_.front();
}

void LifeRig::drop(bool tx, Op op, uint32_t idx) {
  while (!op_allowed(tx)) tick();
  request_op(tx, op, idx, 0);
  tick();
}

Words LifeRig::snapshot(uint32_t idx) {
  while (!snapshot_allowed()) tick();
  request_snapshot(idx);
  snap_words_.reset();
  const uint64_t due = cycle_ + kSnapLatency;
  while (cycle_ <= due) tick();
  REQUIRE(snap_words_.has_value());
  return *snap_words_;
}

void LifeRig::pop() {
  request_pop();
  tick();
}

void LifeRig::drain() {
  for (int i = 0; i < 12; ++i) tick();
}

}  // namespace ipsec::tb::life
