#include "ctrl_harness.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include "Vipsec_ctrl.h"
#include "Vipsec_ctrl___024root.h"
#include "verilated.h"

namespace ipsec::tb {

namespace {

// Bit layouts of the packed structs of rtl/sadb/sadb_pkg.sv (first member in the top bits).
// sa_key_t, 290 bits: {dir_tx, ipv6, sip[127:0], dip[127:0], spi[31:0]}.
constexpr size_t kKeySpiLsb = 0, kKeyDipTop = 160, kKeySipTop = 288, kKeyIpv6 = 288,
                 kKeyDirTx = 289;
// sa_ctx_t, 355 bits: {key[255:0], key256, salt, handle, esn_en, esn_overlap, esn_hi}.
constexpr size_t kCtxEsnHiLsb = 0, kCtxEsnOverlap = 32, kCtxEsnEn = 33, kCtxHandleLsb = 34,
                 kCtxSaltLsb = 66, kCtxKey256 = 98, kCtxKeyTop = 355;
// A record's key-material row in the SA store, 321 bits: {key[255:0], key256, salt, handle}.
constexpr size_t kRecKeyTop = 321;

template <size_t N>
void clear(VlWide<N>& w) {
  for (size_t i = 0; i < N; ++i) w[i] = 0;
}

template <size_t N>
void put_bits(VlWide<N>& w, size_t lsb, size_t width, uint64_t value) {
  for (size_t i = 0; i < width; ++i) {
    const size_t b = lsb + i;
    const uint32_t mask = 1u << (b % 32);
    if ((value >> i) & 1) w[b / 32] |= mask; else w[b / 32] &= ~mask;
  }
}

template <size_t N>
uint64_t get_bits(const VlWide<N>& w, size_t lsb, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    const size_t b = lsb + i;
    value |= uint64_t{(w[b / 32] >> (b % 32)) & 1u} << i;
  }
  return value;
}

// Big-endian bytes: byte j in bits [top-1-8j -: 8].
template <size_t N>
void put_be(VlWide<N>& w, size_t top, const uint8_t* bytes, size_t n) {
  for (size_t j = 0; j < n; ++j) put_bits(w, top - 8 * (j + 1), 8, bytes[j]);
}

template <size_t N>
void get_be(const VlWide<N>& w, size_t top, uint8_t* bytes, size_t n) {
  for (size_t j = 0; j < n; ++j) bytes[j] = static_cast<uint8_t>(get_bits(w, top - 8 * (j + 1), 8));
}

template <size_t N>
void pack_key(VlWide<N>& w, const SaKey& k) {
  clear(w);
  put_bits(w, kKeyDirTx, 1, k.tx);
  put_bits(w, kKeyIpv6, 1, k.ipv6);
  put_be(w, kKeySipTop, k.sip.data(), 16);
  put_be(w, kKeyDipTop, k.dip.data(), 16);
  put_bits(w, kKeySpiLsb, 32, k.spi);
}

template <size_t N>
SaCtx unpack_ctx(const VlWide<N>& w) {
  SaCtx c;
  get_be(w, kCtxKeyTop, c.key.data(), 32);
  c.key256 = get_bits(w, kCtxKey256, 1);
  c.salt = static_cast<uint32_t>(get_bits(w, kCtxSaltLsb, 32));
  c.handle = static_cast<uint32_t>(get_bits(w, kCtxHandleLsb, 32));
  c.esn_en = get_bits(w, kCtxEsnEn, 1);
  c.esn_overlap = get_bits(w, kCtxEsnOverlap, 1);
  c.esn_hi = static_cast<uint32_t>(get_bits(w, kCtxEsnHiLsb, 32));
  return c;
}

template <size_t N>
bool all_zero(const VlWide<N>& w) {
  for (size_t i = 0; i < N; ++i) if (w[i]) return false;
  return true;
}

// sadb_pkg::pkt_sa_cmd_t, 705 bits, first member on top: {add, index[15:0], tx, esn, ipv6,
// tunnel, replay_words[5:0], seq[63:0], handle, spi, sip[127:0], dip[127:0], ttl, tos,
// tun_flags[1:0], flow[19:0], soft_bytes, hard_bytes, soft_packets, hard_packets}.
constexpr size_t kPktHardPacketsLsb = 0, kPktSoftPacketsLsb = 64, kPktHardBytesLsb = 128,
                 kPktSoftBytesLsb = 192, kPktFlowLsb = 256, kPktTunFlagsLsb = 276,
                 kPktTosLsb = 278, kPktTtlLsb = 286, kPktDipTop = 422, kPktSipTop = 550,
                 kPktSpiLsb = 550, kPktHandleLsb = 582, kPktSeqLsb = 614, kPktReplayLsb = 678,
                 kPktTunnel = 684, kPktIpv6 = 685, kPktEsn = 686, kPktTx = 687,
                 kPktIndexLsb = 688, kPktAdd = 704;

template <size_t N>
PktSaRecord unpack_pkt_sa(const VlWide<N>& w) {
  PktSaRecord r;
  r.add = get_bits(w, kPktAdd, 1);
  r.index = static_cast<uint16_t>(get_bits(w, kPktIndexLsb, 16));
  r.tx = get_bits(w, kPktTx, 1);
  r.esn = get_bits(w, kPktEsn, 1);
  r.ipv6 = get_bits(w, kPktIpv6, 1);
  r.tunnel = get_bits(w, kPktTunnel, 1);
  r.replay_words = static_cast<uint8_t>(get_bits(w, kPktReplayLsb, 6));
  r.seq = get_bits(w, kPktSeqLsb, 64);
  r.handle = static_cast<uint32_t>(get_bits(w, kPktHandleLsb, 32));
  r.spi = static_cast<uint32_t>(get_bits(w, kPktSpiLsb, 32));
  get_be(w, kPktSipTop, r.sip.data(), 16);
  get_be(w, kPktDipTop, r.dip.data(), 16);
  r.ttl = static_cast<uint8_t>(get_bits(w, kPktTtlLsb, 8));
  r.tos = static_cast<uint8_t>(get_bits(w, kPktTosLsb, 8));
  r.tun_flags = static_cast<uint8_t>(get_bits(w, kPktTunFlagsLsb, 2));
  r.flow = static_cast<uint32_t>(get_bits(w, kPktFlowLsb, 20));
  r.soft_bytes = get_bits(w, kPktSoftBytesLsb, 64);
  r.hard_bytes = get_bits(w, kPktHardBytesLsb, 64);
  r.soft_packets = get_bits(w, kPktSoftPacketsLsb, 64);
  r.hard_packets = get_bits(w, kPktHardPacketsLsb, 64);
  return r;
}

std::string hex32(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

}  // namespace

bool PktSaRecord::operator==(const PktSaRecord& o) const {
  return std::tie(add, index, tx, esn, ipv6, tunnel, replay_words, seq, handle, spi, sip, dip,
                  ttl, tos, tun_flags, flow, soft_bytes, hard_bytes, soft_packets,
                  hard_packets) ==
         std::tie(o.add, o.index, o.tx, o.esn, o.ipv6, o.tunnel, o.replay_words, o.seq, o.handle,
                  o.spi, o.sip, o.dip, o.ttl, o.tos, o.tun_flags, o.flow, o.soft_bytes,
                  o.hard_bytes, o.soft_packets, o.hard_packets);
}

std::string PktSaRecord::str() const {
  char text[512];
  std::snprintf(text, sizeof text,
                "%s index %u tx %d esn %d ipv6 %d tunnel %d replay_words %u seq 0x%llx "
                "handle 0x%08x spi 0x%08x sip %s dip %s ttl %u tos %u tun_flags %u flow 0x%05x "
                "limits 0x%llx 0x%llx 0x%llx 0x%llx",
                add ? "add" : "del", index, tx, esn, ipv6, tunnel, replay_words,
                static_cast<unsigned long long>(seq), handle, spi,
                to_hex(sip.data(), sip.size()).c_str(), to_hex(dip.data(), dip.size()).c_str(),
                ttl, tos, tun_flags, flow, static_cast<unsigned long long>(soft_bytes),
                static_cast<unsigned long long>(hard_bytes),
                static_cast<unsigned long long>(soft_packets),
                static_cast<unsigned long long>(hard_packets));
  return text;
}

namespace {
sim::AxiLiteBusOptions delay_options(int bus_delay_percent) {
  sim::AxiLiteBusOptions options;
  options.delay_percent = bus_delay_percent;
  return options;
}
}  // namespace

CtrlHarness::CtrlHarness(uint64_t seed, int bus_delay_percent)
    : CtrlHarness(seed, delay_options(bus_delay_percent)) {}

CtrlHarness::CtrlHarness(uint64_t seed, sim::AxiLiteBusOptions options)
    : context_(std::make_unique<VerilatedContext>()), rng_(seed ^ 0x5a5a5a5a12345678ull) {
  context_->randReset(2);
  dut_ = std::make_unique<Vipsec_ctrl>(context_.get(), "ctrl");
  options.seed = seed;
  bus_ = std::make_unique<Bus>(*dut_, [this] { tick(); }, options);
  dut_->clk_i = 0;
  reset();
}

CtrlHarness::~CtrlHarness() { dut_->final(); }

void CtrlHarness::reset(bool wait_for_scrub) {
  bus_->idle();
  dut_->rst_ni = 0;
  for (auto& p : pending_) p.clear();
  for (int i = 0; i < 4; ++i) tick();
  dut_->rst_ni = 1;
  pkt_unit_ = PktUnitStub{};
  pkt_sink_ = PktSaSink{};
  marks_.clear();
  live_.clear();
  live_keys_.clear();
  live_index_.clear();
  in_flight_.clear();
  pkt_flight_.clear();
  // The SA store scrub takes one clock per record; commands wait for it anyway, but tests
  // that look at the store want it finished.
  if (wait_for_scrub) ticks(kNumSa + 16);
}

// ------------------------------------------------------------------------------------------
// Clock
// ------------------------------------------------------------------------------------------

void CtrlHarness::set_counter_inputs(Counter c, bool on) {
  switch (c) {
    case Counter::kDecIn: dut_->dec_in_i = on; break;
    case Counter::kDecOut: dut_->dec_out_i = on; break;
    case Counter::kDecBypass: dut_->dec_bypass_i = on; break;
    case Counter::kEncIn: dut_->enc_in_i = on; break;
    case Counter::kEncOut: dut_->enc_out_i = on; break;
    case Counter::kEncBypass: dut_->enc_bypass_i = on; break;
    case Counter::kDecDrop: dut_->dec_drop_i = on; break;
    case Counter::kDecAuthFail: dut_->dec_auth_fail_i = on; break;
    case Counter::kEncDrop: dut_->enc_drop_i = on; break;
    case Counter::kDecOverflowDrop: dut_->dec_overflow_i = on; break;
    default: throw std::invalid_argument("not a datapath counter");
  }
}

SaKey CtrlHarness::pick_key() {
  if (!focus_.empty() && rng_() % 8 != 0) return focus_[rng_() % focus_.size()];
  const int r = static_cast<int>(rng_() % 100);
  if (!live_keys_.empty() && r < 45) return live_keys_[rng_() % live_keys_.size()];
  if (!pool_.empty() && r < 75) return pool_[rng_() % pool_.size()];
  if (!live_keys_.empty() && r < 90) {
    SaKey k = live_keys_[rng_() % live_keys_.size()];
    k.tx = !k.tx;  // the same SA seen from the other direction
    return k;
  }
  SaKey k;
  k.tx = rng_() & 1;
  k.ipv6 = rng_() & 1;
  for (auto& b : k.sip) b = static_cast<uint8_t>(rng_());
  for (auto& b : k.dip) b = static_cast<uint8_t>(rng_());
  if (!k.ipv6) {
    std::fill(k.sip.begin(), k.sip.begin() + 12, 0);
    std::fill(k.dip.begin(), k.dip.begin() + 12, 0);
  }
  k.spi = static_cast<uint32_t>(rng_());
  return k;
}

void CtrlHarness::drive_lookup(int port, const SaKey& key, std::optional<uint16_t> index) {
  if (port == 0) {
    dut_->tx_lkp_valid_i = 1;
    pack_key(dut_->tx_lkp_key_i, key);
    dut_->tx_lkp_by_index_i = index.has_value();
    dut_->tx_lkp_index_i = index.value_or(0);
  } else {
    dut_->rx_lkp_valid_i = 1;
    pack_key(dut_->rx_lkp_key_i, key);
  }
  Pending p;
  p.due = cycle_ + kLookupLatency;
  p.key = key;
  p.manual = manual_[port].has_value();
  const auto it = live_.find(key);
  p.hit = it != live_.end();
  if (p.hit) p.ctx = it->second;
  if (p.hit) {
    const auto m = marks_.find(key);
    if (m != marks_.end()) p.mark = m->second;
  }
  const auto flight = in_flight_.find(key);
  p.in_flight = flight != in_flight_.end();
  p.alt_hit = p.in_flight && flight->second.has_value();
  if (p.alt_hit) p.alt_ctx = *flight->second;
  p.index = index;
  if (port == 0 && kPktBuild) expect_tx_rule(p);
  pending_[port].push_back(p);
}

void CtrlHarness::expect_tx_rule(Pending& p) const {
  if (!p.index) {
    // By key: a packet SA (live, or being added) is not found.
    const auto m = marks_.find(p.key);
    if (p.hit && m != marks_.end() && m->second.pkt) {
      p.hit = false;
      p.ctx = SaCtx{};
      p.mark.reset();
    }
    if (pkt_flight_.count(p.key)) p.alt_hit = false;
    return;
  }
  // By index: the live packet SA whose record that is, else nothing; while a packet SA is
  // being added its record may be this one (its index comes with the response), and while
  // one is deleted it may already be gone.
  p.hit = false;
  p.ctx = SaCtx{};
  p.mark.reset();
  p.in_flight = false;
  p.alt_hit = false;
  p.alt_ctx = SaCtx{};
  for (const auto& [key, mark] : marks_) {
    if (!mark.pkt || mark.index != *p.index || !live_.count(key)) continue;
    p.key = key;
    p.hit = true;
    p.ctx = live_.at(key);
    p.mark = mark;
    const auto flight = in_flight_.find(key);
    if (flight != in_flight_.end()) {
      p.in_flight = true;
      p.alt_hit = flight->second.has_value();
      if (p.alt_hit) p.alt_ctx = *flight->second;
    }
    return;
  }
  if (!pkt_flight_.empty()) {
    p.in_flight = true;
    p.alt_hit = true;
    p.alt_ctx = pkt_flight_.begin()->second;  // commands run one at a time
  }
}

void CtrlHarness::apply_inputs() {
  for (int c = 0; c <= static_cast<int>(Counter::kDecOverflowDrop); ++c) {
    if (c > static_cast<int>(Counter::kEncDrop) && c < static_cast<int>(Counter::kDecOverflowDrop)) continue;
    set_counter_inputs(static_cast<Counter>(c), (forced_counters_ >> c) & 1);
  }
  dut_->tx_lkp_valid_i = 0;
  dut_->tx_lkp_by_index_i = 0;
  dut_->rx_lkp_valid_i = 0;
  if (!dut_->rst_ni) return;
  for (int port = 0; port < 2; ++port) {
    if (manual_[port]) {
      drive_lookup(port, *manual_[port], port == 0 ? manual_index_ : std::nullopt);
      manual_[port].reset();
      if (port == 0) manual_index_.reset();
    } else if (lookups_on_) {
      std::optional<uint16_t> index;
      if (port == 0 && kPktBuild && rng_() % 4 == 0) {
        // By index: a live packet SA's mostly, else any index (beyond the table too).
        std::vector<uint16_t> pkt;
        for (const auto& [key, mark] : marks_) {
          if (mark.pkt && live_.count(key)) pkt.push_back(mark.index);
        }
        index = !pkt.empty() && rng_() % 4 != 0 ? pkt[rng_() % pkt.size()]
                                                 : static_cast<uint16_t>(rng_() % (2 * kNumSa + 8));
      }
      drive_lookup(port, pick_key(), index);
    }
  }
}

void CtrlHarness::check_results() {
  for (int port = 0; port < 2; ++port) {
    const bool valid = port == 0 ? dut_->tx_res_valid_o : dut_->rx_res_valid_o;
    const bool hit = port == 0 ? dut_->tx_res_hit_o : dut_->rx_res_hit_o;
    const SaCtx ctx = port == 0 ? unpack_ctx(dut_->tx_res_ctx_o) : unpack_ctx(dut_->rx_res_ctx_o);
    LookupMark mark;
    mark.pkt = port == 0 ? dut_->tx_res_pkt_o : dut_->rx_res_pkt_o;
    mark.index = port == 0 ? dut_->tx_res_index_o : dut_->rx_res_index_o;
    const char* name = port == 0 ? "TX" : "RX";
    auto& queue = pending_[port];
    const bool due = !queue.empty() && queue.front().due == cycle_;
    auto fail = [&](const std::string& what) {
      if (lookup_errors_.size() < 20) {
        lookup_errors_.push_back(std::string(name) + " lookup at clock " +
                                 std::to_string(cycle_) + ": " + what);
      }
    };
    if (!due) {
      if (valid && dut_->rst_ni) fail("a result nobody asked for");
      continue;
    }
    const Pending p = queue.front();
    queue.erase(queue.begin());
    if (!valid) {
      fail("no result " + std::to_string(kLookupLatency) + " clocks after the request");
      continue;
    }
    if (p.manual) {
      manual_hit_[port] = hit;
      manual_ctx_[port] = ctx;
      manual_mark_[port] = mark;
    }
    if (!hit && ctx != SaCtx{}) fail("a miss with a non-zero context: " + ctx.str());
    // The packet mark and index: 0 on a miss, and always 0 without packet offload.
    if ((!hit || !kPktBuild) && (mark.pkt || mark.index != 0)) {
      fail("packet mark " + std::to_string(mark.pkt) + " index " + std::to_string(mark.index) +
           (hit ? " without packet offload" : " on a miss"));
    }
    if (p.manual) continue;
    if (hit && p.hit && !p.in_flight && p.mark &&
        (mark.pkt != p.mark->pkt || mark.index != p.mark->index)) {
      fail("SA " + p.key.str() + ": packet mark " + std::to_string(mark.pkt) + " index " +
           std::to_string(mark.index) + ", expected " + std::to_string(p.mark->pkt) + " index " +
           std::to_string(p.mark->index));
    }
    const bool as_before = hit == p.hit && (!hit || ctx == p.ctx);
    const bool as_after = p.in_flight && hit == p.alt_hit && (!hit || ctx == p.alt_ctx);
    if (as_before || as_after) {
      ++(hit ? lookup_hits_ : lookup_misses_);
    } else if (hit != p.hit && !p.in_flight) {
      fail(std::string(p.hit ? "missed live SA " : "hit absent SA ") + p.key.str() +
           (p.index ? " (by index " + std::to_string(*p.index) + ")" : std::string()) +
           ", answered index " + std::to_string(mark.index) + " mark " + std::to_string(mark.pkt));
    } else {
      fail("SA " + p.key.str() + (hit ? ": context " + ctx.str() : ": a miss") +
           ", expected " + (p.hit ? p.ctx.str() : "a miss") +
           (p.in_flight ? " or " + (p.alt_hit ? p.alt_ctx.str() : std::string("a miss"))
                        : std::string()));
    }
  }
}

// The packet unit's outputs for this clock, and what it takes from the control plane at the
// clock's edge (the outputs are settled after eval()).
void CtrlHarness::step_pkt_unit() {
  PktUnitStub& u = pkt_unit_;
  if (dut_->rst_ni && dut_->pkt_stats_req_o) {
    const uint32_t index = dut_->pkt_stats_index_o;
    u.requests.push_back(index);
    const auto it = u.stats.find(index);
    u.pending = it == u.stats.end() ? std::array<uint32_t, 10>{} : it->second;
    u.busy_left = u.snap_busy_clocks;
    if (u.busy_left == 0) u.words = u.pending;
  } else if (u.busy_left > 0 && --u.busy_left == 0) {
    u.words = u.pending;
  }
  if (dut_->rst_ni && dut_->evt_pop_o) {
    ++u.pops;
    if (u.events.empty()) ++u.pops_while_empty;
    else u.events.pop_front();
  }
}

// The packet units' side of the pkt_sa port: ready for this clock before eval(), what was
// taken at the clock's edge after it.
void CtrlHarness::step_pkt_sink() {
  PktSaSink& k = pkt_sink_;
  if (!dut_->rst_ni || !dut_->pkt_sa_valid_o) return;
  ++k.offered_clocks;
  if (dut_->irq_o) ++k.response_while_offered;
  if (!dut_->pkt_sa_ready_i) {
    ++k.waits;
    return;
  }
  PktSaRecord r = unpack_pkt_sa(dut_->pkt_sa_o);
  r.cycle = cycle_;
  k.taken.push_back(r);
}

void CtrlHarness::tick() {
  apply_inputs();
  {
    PktSaSink& k = pkt_sink_;
    if (k.stretch_left == 0 && k.stall_percent > 0 && rng_() % 100 < k.stall_percent) {
      k.stretch_left = 1 + static_cast<uint32_t>(rng_() % std::max<uint32_t>(k.max_stretch, 1));
    }
    const bool stalled = k.hold_low || k.stretch_left > 0;
    if (k.stretch_left > 0) --k.stretch_left;
    dut_->pkt_sa_ready_i = !stalled;
  }
  {
    const PktUnitStub& u = pkt_unit_;
    for (size_t i = 0; i < 10; ++i) dut_->pkt_stats_word_i[i] = u.words[i];
    dut_->evt_valid_i = !u.events.empty();
    dut_->evt_word0_i = u.events.empty() ? 0 : u.events.front().word0;
    dut_->evt_word1_i = u.events.empty() ? 0 : u.events.front().word1;
    dut_->pkt_stats_busy_i = u.busy_left > 0;
    dut_->evt_drop_i = u.evt_drop;
  }
  dut_->eval();
  check_results();
  step_pkt_unit();
  step_pkt_sink();
  dut_->clk_i = 1;
  dut_->eval();
  dut_->clk_i = 0;
  ++cycle_;
}

bool CtrlHarness::lookup(int port, const SaKey& key, SaCtx& ctx) {
  LookupMark mark;
  return lookup(port, key, ctx, mark);
}

bool CtrlHarness::lookup_index(uint16_t index, SaCtx& ctx, LookupMark& mark) {
  manual_index_ = index;
  return lookup(0, SaKey{}, ctx, mark);
}

bool CtrlHarness::lookup(int port, const SaKey& key, SaCtx& ctx, LookupMark& mark) {
  manual_[port] = key;
  manual_hit_[port] = false;
  manual_ctx_[port] = SaCtx{};
  manual_mark_[port] = LookupMark{};
  ticks(kLookupLatency + 1);
  ctx = manual_ctx_[port];
  mark = manual_mark_[port];
  return manual_hit_[port];
}

// ------------------------------------------------------------------------------------------
// Registers and commands
// ------------------------------------------------------------------------------------------

uint32_t CtrlHarness::read(uint32_t addr) {
  uint32_t value = 0;
  const auto s = bus_->read32(addr, value);
  if (s != driver::BusStatus::kOk) {
    throw std::runtime_error("read of " + hex32(addr) + " answered " + driver::bus_status_name(s));
  }
  return value;
}

void CtrlHarness::write(uint32_t addr, uint32_t value) {
  const auto s = bus_->write32(addr, value);
  if (s != driver::BusStatus::kOk) {
    throw std::runtime_error("write of " + hex32(value) + " to " + hex32(addr) + " answered " +
                             driver::bus_status_name(s));
  }
}

uint64_t CtrlHarness::read_counter(Counter c) {
  const uint32_t lo = read(counter_addr(c));
  const uint32_t hi = read(counter_addr(c) + 4);
  return (uint64_t{hi} << 32) | lo;
}

void CtrlHarness::write_window(const Bytes& image) {
  for (size_t off = 0; off < image.size(); off += 4) {
    uint32_t word = 0;
    for (size_t i = 0; i < 4; ++i) {
      word = (word << 8) | (off + i < image.size() ? image[off + i] : 0u);
    }
    write(reg::kCmdWindow + static_cast<uint32_t>(off), word);
  }
}

void CtrlHarness::ring_doorbell(uint32_t length) { write(reg::kCmdDoorbell, length); }

void CtrlHarness::wait_response_ready() {
  const uint64_t start = cycle_;
  while (!reg::rsp_valid(read(reg::kCmdStatus))) {
    if (cycle_ - start > 5000) {
      throw std::runtime_error("no command response within 5000 clocks");
    }
  }
}

Response CtrlHarness::take_response() {
  wait_response_ready();
  Response r;
  r.syndrome = read(reg::kRspWord0);
  r.echo = read(reg::kRspWord0 + 4);
  if (kPktBuild) r.word2 = read(reg::kRspWord0 + 8);
  write(reg::kRspPop, 1);
  return r;
}

Response CtrlHarness::execute(const Bytes& image, uint32_t length) {
  write_window(image);
  ring_doorbell(length);
  return take_response();
}

void CtrlHarness::live_insert(const SaKey& key, const SaCtx& ctx) {
  live_[key] = ctx;
  if (live_index_.count(key)) return;
  live_index_[key] = live_keys_.size();
  live_keys_.push_back(key);
}

void CtrlHarness::live_erase(const SaKey& key) {
  live_.erase(key);
  marks_.erase(key);
  const auto it = live_index_.find(key);
  if (it == live_index_.end()) return;
  const size_t i = it->second;
  live_index_.erase(it);
  if (i + 1 != live_keys_.size()) {
    live_keys_[i] = live_keys_.back();
    live_index_[live_keys_[i]] = i;
  }
  live_keys_.pop_back();
}

Response CtrlHarness::add_sa(const SaSpec& sa, bool v2) {
  const SaKey key = sa.match_key();
  pool_.push_back(key);
  in_flight_[key] = sa.ctx();
  const Response r = execute(sa_image(v2 ? contract::kAddSaV2 : contract::kAddSa, sa));
  in_flight_.erase(key);
  if (r.syndrome == contract::kOk) {
    live_insert(key, sa.ctx());
    if (!kPktBuild) marks_[key] = LookupMark{};  // the Innova: no mark, no index
  }
  return r;
}

Response CtrlHarness::add_sa_pkt(const SaSpec& sa, const Bytes& image) {
  const SaKey key = sa.match_key();
  SaCtx ctx = sa.ctx();
  ctx.esn_overlap = false;  // a packet SA keeps ESN_EN only (packet section P8)
  ctx.esn_hi = 0;
  pool_.push_back(key);
  in_flight_[key] = ctx;
  pkt_flight_[key] = ctx;
  const Response r = execute(image);
  in_flight_.erase(key);
  pkt_flight_.erase(key);
  if (r.syndrome == contract::kOk) {
    live_insert(key, ctx);
    marks_[key] = LookupMark{true, static_cast<uint16_t>(r.word2)};
  }
  return r;
}

void CtrlHarness::learn_index(const SaKey& key, uint16_t index) {
  if (!live_.count(key)) return;
  marks_[key].index = index;
}

Response CtrlHarness::del_sa(const SaSpec& sa, bool v2) {
  const SaKey key = sa.match_key();
  in_flight_[key] = std::nullopt;
  const Response r = execute(sa_image(v2 ? contract::kDelSaV2 : contract::kDelSa, sa));
  in_flight_.erase(key);
  if (r.syndrome == contract::kOk) live_erase(key);
  return r;
}

Response CtrlHarness::mod_sa(const SaSpec& sa) {
  const SaKey key = sa.match_key();
  const auto it = live_.find(key);
  std::optional<SaCtx> after;
  if (it != live_.end()) {
    const SaCtx c = sa.ctx();
    after = it->second;
    after->esn_en = c.esn_en;
    after->esn_overlap = c.esn_overlap;
    after->esn_hi = c.esn_hi;
  }
  in_flight_[key] = after;
  const Response r = execute(sa_image(contract::kModSaV2, sa));
  in_flight_.erase(key);
  if (r.syndrome == contract::kOk && after) it->second = *after;
  return r;
}

// ------------------------------------------------------------------------------------------
// Simulation-only views
// ------------------------------------------------------------------------------------------

std::array<uint8_t, 32> CtrlHarness::stored_key(int copy, uint32_t index) {
  if (index >= kNumSa) throw std::out_of_range("SA store index");
  if (copy < 0 || copy >= kRecordCopies) throw std::out_of_range("SA store copy");
  std::array<uint8_t, 32> key{};
  auto* root = dut_->rootp;
  // One copy of the record store per lookup port (rtl/sadb/sa_table.sv).
  if (copy == 0) {
    get_be(root->ipsec_ctrl__DOT__u_sa_table__DOT__gen_lookup__BRA__0__KET____DOT__keymat_mem[index],
           kRecKeyTop, key.data(), 32);
  } else {
    get_be(root->ipsec_ctrl__DOT__u_sa_table__DOT__gen_lookup__BRA__1__KET____DOT__keymat_mem[index],
           kRecKeyTop, key.data(), 32);
  }
  return key;
}

void CtrlHarness::pulse_counter(Counter c, uint32_t n) { pulse_counters({c}, n); }

void CtrlHarness::pulse_counters(std::initializer_list<Counter> cs, uint32_t n) {
  forced_counters_ = 0;
  for (Counter c : cs) forced_counters_ |= 1u << static_cast<unsigned>(c);
  ticks(n);
  forced_counters_ = 0;
}

void CtrlHarness::preload_counter(Counter c, uint64_t value) {
  auto& storage = dut_->rootp->ipsec_ctrl__DOT__u_regs__DOT__field_storage;
  // Find the counter's bit 0: the lowest bit that changes when it counts once.
  const auto before = storage;
  pulse_counter(c, 1);
  tick();
  size_t lsb = 0;
  for (;; ++lsb) {
    if (lsb >= 32 * std::size(storage.m_storage)) throw std::logic_error("counter not found");
    if (get_bits(storage, lsb, 1) != get_bits(before, lsb, 1)) break;
  }
  put_bits(storage, lsb, 64, value);
  dut_->eval();
}

}  // namespace ipsec::tb
