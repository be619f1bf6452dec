#include "packet_sa.h"

namespace ipsec::model {

bool PacketSa::fire(pkt::EventKind k) {
  if (has_fired(k)) return false;
  fired = static_cast<uint8_t>(fired | 1u << static_cast<unsigned>(k));
  return true;
}

bool PacketSa::hard_limit(uint64_t len, std::vector<pkt::EventKind>& raised) {
  // counters.bytes never exceeds hard_bytes: a packet that would take it past is not counted.
  const bool bytes = len > cfg.hard_bytes - counters.bytes;
  const bool packets = counters.packets >= cfg.hard_packets;
  if (bytes && fire(pkt::EventKind::kHardBytes)) raised.push_back(pkt::EventKind::kHardBytes);
  if (packets && fire(pkt::EventKind::kHardPackets)) raised.push_back(pkt::EventKind::kHardPackets);
  if (bytes || packets) dead = true;
  return bytes || packets;
}

void PacketSa::count(uint64_t len, std::vector<pkt::EventKind>& raised) {
  counters.packets += 1;
  counters.bytes += len;
  if (counters.bytes > cfg.soft_bytes && fire(pkt::EventKind::kSoftBytes)) {
    raised.push_back(pkt::EventKind::kSoftBytes);
  }
  if (counters.packets > cfg.soft_packets && fire(pkt::EventKind::kSoftPackets)) {
    raised.push_back(pkt::EventKind::kSoftPackets);
  }
}

// RFC 4303 Appendix A2.2. T = the right edge (Th:Tl), W = the window size, Seql the received
// low half. Case A, Tl >= W - 1 (the window lies within one 2^32 subspace): Seql >= Tl - W + 1
// is Th, else Th + 1 (the number wrapped ahead). Case B, Tl < W - 1 (the window straddles the
// subspace boundary): Seql >= Tl - W + 1 (mod 2^32) is Th - 1, else Th.
uint64_t PacketSa::infer(uint32_t sn_lo, bool esn) const {
  if (!esn) return sn_lo;
  const uint32_t w = cfg.window_bits();
  const uint32_t tl = static_cast<uint32_t>(seq);
  const uint32_t th = static_cast<uint32_t>(seq >> 32);
  const uint32_t bottom = tl - w + 1;  // mod 2^32
  uint32_t sh;
  if (tl >= w - 1) {
    sh = sn_lo >= bottom ? th : th + 1;
  } else {
    sh = sn_lo >= bottom ? th - 1 : th;  // mod 2^32 (packet_sa.h)
  }
  return uint64_t{sh} << 32 | sn_lo;
}

ReplayVerdict PacketSa::check(uint64_t sn) const {
  const uint32_t w = cfg.window_bits();
  if (w == 0) return ReplayVerdict::kOk;
  if (sn == 0) return ReplayVerdict::kZero;
  if (sn > seq) return ReplayVerdict::kOk;
  const uint64_t behind = seq - sn;
  if (behind >= w) return ReplayVerdict::kTooOld;
  return window.test(static_cast<size_t>(behind)) ? ReplayVerdict::kDuplicate : ReplayVerdict::kOk;
}

void PacketSa::advance(uint64_t sn) {
  if (cfg.window_bits() == 0) return;  // no window, no state: the edge stays as added
  if (sn > seq) {
    const uint64_t ahead = sn - seq;
    if (ahead >= window.size()) {
      window.reset();
    } else {
      window <<= static_cast<size_t>(ahead);
    }
    seq = sn;
    window.set(0);
  } else if (seq - sn < window.size()) {
    window.set(static_cast<size_t>(seq - sn));
  }
}

}  // namespace ipsec::model
