// Drives esp_tx built with packet offload (esp_tx_pkt_top.sv: esp_tx with PktOffload = 1 and
// the lifetime unit it asks) clock by clock against the reference model with packet offload
// on (model::EngineModel, reached through its registers as packet_fixture.h does):
//  - an SA is added to the model by its command (ADD_SA_PKT, the driver's
//    build_add_sa_pkt_command; ADD_SA_V2 for a crypto SA), and what the model then holds
//    is written into the RTL as the command executor will write it: the encapsulator's
//    state port and the lifetime unit's init;
//  - frames go in with random pauses, the wire takes them with random back-pressure; SA
//    lookups are answered, at the table's latency, from the model's SA table by the SA
//    table's rule: a crypto SA by key, a packet SA by the index the encapsulator gives an
//    encapsulated frame's lookup;
//  - every frame out is compared byte for byte with what model::EngineModel::host_tx made
//    of it, in order (a frame out with tuser is one the MAC discards: a drop); the Innova
//    counters (enc_in, enc_out, enc_bypass, enc_drop), every event (P6) and each packet SA's
//    counters (P5, the unit's snapshot against PKT_STATS through the model's registers) at
//    the end.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "axis.h"
#include "packet_fixture.h"

class VerilatedContext;
class Vesp_tx_pkt_top;

namespace ipsec::tb {

class PktTxRig {
 public:
  PktTxRig(uint64_t seed, int in_stall, int out_stall);
  ~PktTxRig();

  // A packet SA (ADD_SA_PKT) or a crypto SA (ADD_SA_V2), in the model and in the RTL; with
  // no frame inside (the state is written between frames). The SA's table index.
  uint16_t add_packet_sa(const pkt::SaSpec& s);
  void add_crypto_sa(const pkt::SaSpec& s);

  // Queues a frame, with what the model makes of it.
  void send(const Bytes& frame, bool tuser = false, const std::string& what = "");
  // A packet frame the model sends but whose lookup by index the SA table answers with a
  // miss (its SA deleted while the frame was between the encapsulator and the lookup; the
  // rig answers the miss, the model keeps the SA): the RTL drops it after the encapsulator
  // took its number and the lifetime unit counted it, so it leaves nothing on the wire and
  // counts in enc_drop rather than enc_out (unless the model drops it too); everything else
  // as the model says.
  void send_unfound(const Bytes& frame, const std::string& what = "");
  // Clocks until every frame sent has left or was dropped; fails on a mismatch.
  void run();
  // run(), then the counters, the events and every packet SA's counters against the model.
  void finish();

  pkt::PacketEngine& model() { return model_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t frames_out() const { return frames_out_; }
  uint64_t frames_dropped() const { return aborted_; }
  size_t events_seen() const { return rtl_events_.size(); }
  // Per frame, in order, the clock its last beat was taken; per frame out, the clock its
  // first beat left; the span of the output and the busy beats (max of in and out beats).
  const std::vector<uint64_t>& frame_in_last_cycles() const { return frame_in_last_; }
  const std::vector<uint64_t>& frame_out_cycles() const { return frame_out_; }
  uint64_t first_out_cycle() const { return first_out_; }
  uint64_t last_out_cycle() const { return last_out_; }
  uint64_t busy_beats() const { return busy_beats_; }
  uint64_t out_gap_clocks() const { return out_gaps_; }

 private:
  bool tick();
  void drive_lookup();
  void write_state(uint16_t index);

  struct Expect {
    Bytes frame;
    std::string what;
  };

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_tx_pkt_top> dut_;
  pkt::PacketEngine model_;
  FrameSource src_;
  FrameSink sink_;
  std::deque<Expect> expect_;
  // A lookup: its clock, its key, and for a frame the encapsulator made its SA's index.
  struct Lookup {
    uint64_t cycle;
    model::SaKey key;
    std::optional<uint16_t> index;
    bool miss;  // answered with a miss (send_unfound)
  };
  std::deque<Lookup> lookups_;
  // Per frame sent, in order (each frame makes one lookup): whether its lookup misses.
  std::deque<bool> lookup_miss_;
  std::vector<uint16_t> pkt_indices_;
  std::vector<pkt::PacketEngine::Event> model_events_, rtl_events_;
  uint64_t in_ = 0, out_ = 0, bypass_ = 0, drop_ = 0, unfound_ = 0;
  uint64_t cycles_ = 0, frames_out_ = 0, aborted_ = 0, busy_beats_ = 0;
  uint64_t first_out_ = 0, last_out_ = 0, out_frame_first_ = 0, out_gaps_ = 0;
  bool out_user_ = false;
  std::vector<uint64_t> frame_in_last_, frame_out_;
};

}  // namespace ipsec::tb
