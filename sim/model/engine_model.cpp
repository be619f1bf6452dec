#include "engine_model.h"

namespace ipsec::model {

std::optional<SaContext> EngineModel::lookup(const SaKey& key) const {
  const SaEntry* e = ctrl_.find_sa(key);
  if (!e || e->pkt) return std::nullopt;  // packet SAs are not for crypto-offload frames
  SaContext c;
  c.key256 = e->enc_mode == 3;  // AES-GCM-256 (contract section 3)
  std::copy(e->key_enc.begin(), e->key_enc.begin() + (c.key256 ? 32 : 16), c.key.begin());
  c.salt = uint32_t{e->salt[0]} << 24 | uint32_t{e->salt[1]} << 16 | uint32_t{e->salt[2]} << 8 | e->salt[3];
  c.handle = e->sw_sa_handle;
  c.esn_en = e->esn_en;
  c.esn_overlap = e->esn_overlap;
  c.esn_hi = e->esn;
  return c;
}

DatapathControl EngineModel::control() const {
  DatapathControl c;
  c.no_trailer = ctrl_.no_trailer();
  c.fwd_bad_frames = ctrl_.fwd_bad_frames();
  c.max_frame = ctrl_.config().max_frame;
  return c;
}

void EngineModel::count(const DatapathCounters& b, const DatapathCounters& a) {
  ctrl_.count(CtrlCounter::kDecInPackets, a.dec_in - b.dec_in);
  ctrl_.count(CtrlCounter::kDecOutPackets, a.dec_out - b.dec_out);
  ctrl_.count(CtrlCounter::kDecBypassPackets, a.dec_bypass - b.dec_bypass);
  ctrl_.count(CtrlCounter::kEncInPackets, a.enc_in - b.enc_in);
  ctrl_.count(CtrlCounter::kEncOutPackets, a.enc_out - b.enc_out);
  ctrl_.count(CtrlCounter::kEncBypassPackets, a.enc_bypass - b.enc_bypass);
  ctrl_.count(CtrlCounter::kDecDropPackets, a.dec_drop - b.dec_drop);
  ctrl_.count(CtrlCounter::kDecAuthFailPackets, a.dec_auth_fail - b.dec_auth_fail);
  ctrl_.count(CtrlCounter::kEncDropPackets, a.enc_drop - b.enc_drop);
}

void EngineModel::queue_events(const FrameResult& r) {
  for (const PacketEvent& e : r.events) ctrl_.raise_event(e);
}

FrameResult EngineModel::host_tx(const Bytes& frame, bool tuser) {
  const DatapathCounters before = counters_;
  if (ctrl_.packet_offload() && is_packet_tx_frame(frame)) {
    FrameResult r = tx_packet(
        frame, tuser, [this](uint16_t i) { return ctrl_.sa_at(i); }, control(), counters_);
    count(before, counters_);
    queue_events(r);
    return r;
  }
  FrameResult r = tx(frame, tuser, [this](const SaKey& k) { return lookup(k); }, control(), counters_);
  count(before, counters_);
  return r;
}

FrameResult EngineModel::wire_rx(const Bytes& frame, bool tuser) {
  if (ctrl_.packet_offload() && !tuser) return std::move(wire_rx_together({frame}).front());
  const DatapathCounters before = counters_;
  FrameResult r = rx(frame, tuser, [this](const SaKey& k) { return lookup(k); }, control(), counters_);
  count(before, counters_);
  return r;
}

FrameResult EngineModel::wire_rx_overflow() {
  ++counters_.dec_drop;
  ctrl_.count(CtrlCounter::kDecDropPackets);
  ctrl_.count(CtrlCounter::kDecOverflowDropPackets);
  FrameResult r;
  r.fate = Fate::kDrop;
  r.why = "no room in the RX ingress FIFO";
  return r;
}

}  // namespace ipsec::model

namespace ipsec::model {

std::vector<FrameResult> EngineModel::wire_rx_together(const std::vector<Bytes>& frames) {
  // Step 1 for every frame: packet-SA frames are checked and verified, others run whole.
  std::vector<RxPacketPending> pending(frames.size());
  const DatapathCounters before = counters_;
  for (size_t i = 0; i < frames.size(); ++i) {
    const Bytes& f = frames[i];
    std::optional<RxEspFrame> esp;
    if (ctrl_.packet_offload()) esp = rx_esp_frame(f, false, control());
    SaEntry* e = esp ? ctrl_.find_sa_mutable(esp->key) : nullptr;
    if (e && e->pkt) {
      pending[i] = rx_packet_verify(f, *esp, *e, counters_);
    } else {
      pending[i].result =
          rx(f, false, [this](const SaKey& k) { return lookup(k); }, control(), counters_);
    }
  }
  // Step 2, in order: recheck, limits, advance, delivery.
  std::vector<FrameResult> out;
  for (RxPacketPending& p : pending) {
    out.push_back(rx_packet_commit(std::move(p), counters_));
    queue_events(out.back());
  }
  count(before, counters_);
  return out;
}

}  // namespace ipsec::model
