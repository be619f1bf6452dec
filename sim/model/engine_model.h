// The whole engine at transaction level: the control-plane model (registers, commands, SA
// table, counters) and the ESP datapath rules, joined as the RTL joins them. It is a
// RegisterBus, so the driver runs against it exactly as against the RTL, and it predicts
// for every frame what leaves and how the counters move.
//
// Packet offload (docs/packet_offload.md): with CtrlModelConfig::packet_offload, TX frames
// with metadata syndrome 0x0A go to tx_packet and RX frames that match a packet SA to
// rx_packet_verify/commit (esp_packet.h); the SA state they change is the control model's
// SA table entry, the events they raise enter its event queue. A packet SA is never used for
// crypto-offload frames: a 0x08/0x09 frame whose key is a TX packet SA's finds no SA
// (enc_drop), as the engine must not send a sequence number the host chose on an SA whose
// numbers it keeps itself.
//
// How a test uses it:
//   CtrlModelConfig c;  c.packet_offload = true;
//   EngineModel m(c);
//   // ADD_SA_PKT through the registers: the 208-byte image into CMD_WINDOW, doorbell 208,
//   // RSP_WORD2 is the SA's index; then
//   FrameResult r = m.host_tx(frame_with_metadata_0x0A);   // or m.wire_rx(esp_frame)
//   // r.out: the wire frame; r.events: the events it raised (also in the event queue);
//   // stats: write the index to PKT_STATS_INDEX (0x080), read PKT_STATS_WORD0..9 (0x0A0..);
//   // events: EVT_WORD0/1 (0x084, 0x088), EVT_POP (0x08C), or ctrl().events().
#pragma once

#include <vector>

#include "ctrl_model.h"
#include "esp_model.h"
#include "esp_packet.h"

namespace ipsec::model {

class EngineModel final : public driver::RegisterBus {
 public:
  explicit EngineModel(CtrlModelConfig config = {}) : ctrl_(config) {}

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override { return ctrl_.read32(addr, data); }
  driver::BusStatus write32(uint32_t addr, uint32_t data) override { return ctrl_.write32(addr, data); }
  void wait_cycles(uint32_t cycles) override { ctrl_.wait_cycles(cycles); }
  bool irq() override { return ctrl_.irq(); }
  uint64_t now() const override { return ctrl_.now(); }

  // A frame from the NIC / from the network: what leaves, counted in the hardware counters.
  FrameResult host_tx(const Bytes& frame, bool tuser = false);
  FrameResult wire_rx(const Bytes& frame, bool tuser = false);
  // A wire frame the engine dropped whole at its RX ingress FIFO, for want of room
  // (docs/architecture.md, "RX ingress"). Which frames drop depends on clocks this model
  // does not keep, so the caller says so, in place of wire_rx for that frame. The rule: such
  // a frame is refused before classification, so it counts in dec_drop and in
  // DEC_OVERFLOW_DROP_PACKETS only (not in dec_in, even if it was ESP for an RX SA).
  FrameResult wire_rx_overflow();
  // Frames that are in the RX pipe together (packet section P4, step 3): each is checked
  // against the replay window as it stood before any of them committed, then committed in
  // order, the check made again. Which frames overlap depends on clocks this model does not
  // keep, so the caller says so; wire_rx is this with one frame.
  std::vector<FrameResult> wire_rx_together(const std::vector<Bytes>& frames);

  // The SA the datapath would find for `key`.
  std::optional<SaContext> lookup(const SaKey& key) const;
  DatapathControl control() const;

  CtrlModel& ctrl() { return ctrl_; }
  const CtrlModel& ctrl() const { return ctrl_; }

 private:
  void count(const DatapathCounters& before, const DatapathCounters& after);
  void queue_events(const FrameResult& r);

  CtrlModel ctrl_;
  DatapathCounters counters_;
};

}  // namespace ipsec::model
