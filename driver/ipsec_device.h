// The IPsec offload device as the mlx5 driver drives it (Linux v5.7: fpga/ipsec.c,
// en_accel/ipsec.c, en_accel/ipsec_stats.c): probe, xfrm state offload (add, delete and
// free, ESN update), the RX handle table, the ethtool counters, the kernel log.
//
// Two layers. The asynchronous one posts SA commands on the command queue
// (command_queue.h) and finishes each operation when its response is taken on the
// interrupt; deferred work (the kernel's work queues) sends what the kernel sends from a
// work item: ESN updates, and the DELs that undo an ADD the caller was told had failed.
// The blocking layer above it (add_state, delete_state, advance_esn) posts and waits.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "accel_attrs.h"
#include "command_queue.h"
#include "contract.h"
#include "device_caps.h"
#include "esn.h"
#include "kernel_log.h"
#include "register_bus.h"
#include "register_access.h"
#include "sa_image.h"
#include "status.h"
#include "validate.h"
#include "xfrm_state.h"

namespace ipsec::driver {

struct DeviceOptions {
  std::string name = "eth0";  // the netdev that `offload dev` and `ethtool -S` name
  // The PCI device of mlx5_core, as the kernel log names it ("mlx5_core 0000:01:00.0: ...").
  std::string pci_address = "0000:01:00.0";
  // The per-SA seqiv salts (random in Linux); empty: seeded_seq_iv(0).
  SeqIvSource seq_iv;
  CommandTiming commands;
  // Where the driver's messages go (printk), not owned; nullptr: the device keeps its own.
  KernelLog* kernel_log = nullptr;
  // The ESN path (esn.h): corrected, or the Innova driver as Linux 5.x shipped it.
  DriverVariant driver = DriverVariant::kCorrected;
};

// What the device counts beside `ethtool -S` (whose 22 names are the contract's).
struct DeviceStats {
  uint64_t del_failed = 0;    // DELs that failed or timed out: their images stay reserved
  uint64_t add_cleanups = 0;  // DELs sent to undo an ADD the caller was told had failed
  uint64_t esn_failed = 0;    // ESN updates (MOD_SA_V2) that failed: the old image stays
};

// The driver's handle on an offloaded state (xso.offload_handle): never reused.
enum class SaId : uint32_t {};

// A packet SA's counters as the device keeps them (packet section P5), all 64-bit.
struct PktSaCounters {
  uint64_t packets = 0;           // TX sent, RX delivered
  uint64_t bytes = 0;
  uint64_t replay_window = 0;     // RX: left of the window
  uint64_t replay = 0;            // RX: seen before
  uint64_t integrity_failed = 0;  // RX: ICV failures
  uint64_t seq_exhausted = 0;     // TX: dropped at sequence-number exhaustion
};

// One event of the device's queue (packet section P6), for a live packet SA.
struct PktEvent {
  SaId sa{};
  packet::EventKind kind = packet::EventKind::kSoftBytes;
};

// One offloaded xfrm state (mlx5e_ipsec_sa_entry with its FPGA SA context).
struct OffloadedSa {
  SaId id{};
  XfrmState state;    // as offloaded; the replay state as of the last advance_esn
  AccelAttrs attrs;   // what the image was built from
  SaImage image;      // the image the device holds (opcode field zero)
  uint32_t rx_handle = 0;  // RX and packet SAs: the sw_sa_handle (key of the RX table); else 0
  EsnState driver_esn;     // sa_entry->esn_state; differs from attrs.esn only as shipped
  // Packet offload (docs/packet_offload.md): added by ADD_SA_PKT; its table index, which
  // TX metadata, the counters and the events name it by.
  bool packet = false;
  uint16_t pkt_index = 0;
  bool inbound() const { return attrs.action == EspAction::kDecrypt; }
  // A handle from the pool: RX SAs (their frames carry it) and packet SAs of both
  // directions (TX metadata and events check it).
  bool holds_handle() const { return inbound() || packet; }
};

// The driver's software counters (contract section 4), in ethtool order.
struct SwCounters {
  uint64_t rx_drop_sp_alloc = 0;
  uint64_t rx_drop_sadb_miss = 0;  // RX metadata handle unknown
  uint64_t rx_drop_syndrome = 0;   // unknown RX syndrome
  uint64_t tx_drop_bundle = 0;
  uint64_t tx_drop_no_state = 0;
  uint64_t tx_drop_not_ip = 0;
  uint64_t tx_drop_trailer = 0;
  uint64_t tx_drop_metadata = 0;

  std::array<uint64_t, kNumSwCounters> in_order() const;
};

struct EthtoolStat {
  std::string name;
  uint64_t value = 0;
};

// The completion of an asynchronous operation: success, or why it failed.
using SaDone = std::function<void(const Status&)>;

class IpsecDevice {
 public:
  explicit IpsecDevice(RegisterBus& bus, DeviceOptions options = {});
  IpsecDevice(const IpsecDevice&) = delete;
  IpsecDevice& operator=(const IpsecDevice&) = delete;

  // Identity (vendor 0x2c9, product 2, else -ENODEV), the 32 capability bytes, SET_CAP
  // asking for NO_TRAILER when rx_no_trailer is offered, and the granted flags checked.
  Status probe();
  bool probed() const { return probed_; }
  const DeviceIdentity& identity() const { return identity_; }
  const DeviceCaps& caps() const { return caps_; }
  uint32_t granted_caps() const { return granted_caps_; }  // SET_CAP flags in force
  bool rx_no_trailer() const { return (granted_caps_ & kSetCapNoTrailer) != 0; }
  const std::string& name() const { return options_.name; }

  // ---- the blocking layer (the xfrm core's calls) ---------------------------------------

  // xdo_dev_state_add: validate (-EINVAL, or -EOPNOTSUPP: the state stays in software; the
  // reason goes to the kernel log), give an RX state the lowest free handle from 1, build
  // the image, refuse one identical to a live or dying SA's (-EEXIST, nothing sent), send
  // ADD_SA_V2 (ADD_SA without v2_command) and wait for its response: the syndrome mapped to
  // an errno, a wrong echoed handle -EIO, no response in time -ETIMEDOUT. Whatever fails,
  // no SA is left half-installed: when the device may hold it (a late success, an echo of
  // the wrong handle, a vanished response) deferred work sends a DEL for it, and its image
  // and handle stay reserved until that DEL completes.
  StatusOr<SaId> add_state(const XfrmState& state);

  // xdo_dev_policy_add: a policy offered for packet offload (validate_packet_policy). The
  // refusal's message is the extended ack ("mlx5_core: ..."). The device holds no policies.
  Status policy_add(const PolicyOffloadView& policy);

  // state_delete + state_free, then wait for the DEL: its answer is returned. The SA leaves
  // the driver's tables whatever the device answers, as in the kernel. -ENOENT for an id
  // that is not live.
  Status delete_state(SaId id);

  // xdo_dev_state_advance_esn, waiting: the RX replay state moved; recompute the ESN state
  // and send MOD_SA_V2 when it changed. On a failed command the device and the driver keep
  // the old image.
  Status advance_esn(SaId id, const XfrmReplayState& replay);

  // ---- the asynchronous layer -----------------------------------------------------------

  // add_state's checks, then ADD posted. Refusals found before posting return at once
  // (nothing posted, `done` never called); else the SA's id, and `done` runs on the
  // completion: success (the SA is live from then on) or the error (it never is).
  StatusOr<SaId> add_state_async(const XfrmState& state, SaDone done = nullptr);

  // xdo_dev_state_delete (mlx5e_xfrm_del_state): at once, no command. An RX SA leaves the
  // RX handle table (its frames are no longer matched to it); the SA is dying: out of
  // sas(), its image and handle still reserved. -ENOENT when not live.
  Status state_delete(SaId id);

  // xdo_dev_state_free (mlx5e_xfrm_free_state, which the xfrm core calls from its GC work:
  // the caller defers it, e.g. with queue_work): posts DEL_SA_V2 (DEL_SA) with the stored
  // image and returns. On success the image and the RX handle are released: a handle is
  // reused only after its DEL completed. A failed DEL (mlx5_fpga_ipsec_release_sa_ctx's
  // WARN_ON) keeps the image reserved for good, as the kernel's sa_hash entry stays, logs a
  // warning and counts in stats().del_failed; the handle is released (the kernel's
  // ida_simple_remove runs all the same). A DEL that timed out keeps both until its late
  // response. A live SA is deleted first. -ENOENT when neither live nor dying, -EALREADY
  // when its DEL was posted already.
  Status state_free(SaId id, SaDone done = nullptr);

  // xdo_dev_state_advance_esn (mlx5e_xfrm_advance_esn_state): records the replay state
  // and queues a work item that recomputes the ESN state and, when it changed, posts
  // MOD_SA_V2 (as the kernel's _update_xfrm_state on its ordered work queue). A failure
  // is logged (netdev_warn) and counted in stats().esn_failed; the old image stays.
  Status advance_esn_deferred(SaId id, const XfrmReplayState& replay);

  // ---- deferred work and completions ----------------------------------------------------

  // Queue a work item; it runs, in order, from run_deferred_work() or settle().
  void queue_work(std::function<void()> work);
  size_t deferred_work() const { return work_.size(); }
  // Runs the queued work items, and those they queue, until none is left.
  void run_deferred_work();
  // The interrupt handler: takes the responses waiting, expires commands past their
  // timeout, sends from the backlog. Call it when the interrupt line is high, or at will.
  Status service();
  // Runs the deferred work and waits for every outstanding command, until nothing is left
  // to do: afterwards the driver's tables and the engine's agree. Commands that timed out
  // are not waited for again; their late responses already waiting are taken.
  void settle();
  // The command path, for tests and traces (in_flight, backlog, stats).
  CommandQueue& commands() { return queue_; }
  // Test only: the next SA command goes out at once, credit or no credit (an overrun; see
  // CommandQueue::post_without_credit).
  void overrun_next_command_for_test() { overrun_next_ = true; }

  // ---- tables ---------------------------------------------------------------------------

  // A live SA (added, not deleted), or nullptr.
  const OffloadedSa* find(SaId id) const;
  // The RX handle table: the live SA whose handle RX metadata carries, or nullptr.
  const OffloadedSa* find_rx(uint32_t handle) const;
  const std::map<SaId, OffloadedSa>& sas() const { return sas_; }
  const std::map<uint32_t, SaId>& rx_handles() const { return rx_handles_; }
  // RX handles not free for a new SA: live, being added, dying.
  const std::set<uint32_t>& rx_handles_in_use() const { return handles_in_use_; }
  // Images reserved: the live SAs', those being added or deleted, and those of failed DELs.
  size_t images_reserved() const { return images_.size(); }
  size_t adds_pending() const { return adding_.size(); }
  size_t dying() const { return dying_.size(); }
  const DeviceStats& stats() const { return stats_; }

  // ---- packet offload (docs/packet_offload.md) -------------------------------------------

  // xdo_dev_state_update_stats: a live packet SA's counters, snapshot through
  // PKT_STATS_INDEX and read from PKT_STATS_WORD0..9 (P5). -ENOENT for another id.
  StatusOr<PktSaCounters> read_pkt_counters(SaId id);
  // The events waiting (P6), oldest first, each popped (at most the queue's 16 per call):
  // those of an index that no longer holds the live packet SA of that handle (deleted, or
  // deleted and reused) are dropped. Nothing on a device without packet offload.
  StatusOr<std::vector<PktEvent>> take_pkt_events();
  // The live packet SA at a table index, or nullptr.
  const OffloadedSa* find_pkt(uint16_t index) const;

  // `ethtool -S`: the hardware counters (low word first), then the software ones, named as
  // the contract. -ENODEV before probe (the counters appear only once the driver is loaded).
  StatusOr<std::vector<EthtoolStat>> ethtool_stats();
  // The engine's own status counter DEC_OVERFLOW_DROP_PACKETS: wire RX frames dropped whole
  // at its ingress FIFO for want of room (each also in ipsec_dec_drop_packets). Not one of
  // the contract's 14, so not in ethtool_stats(), whose lines are the contract's; a private
  // statistic, read here (and by the C API) as mlx5 keeps its extra statistics apart.
  StatusOr<uint64_t> rx_overflow_drops();

  // For the datapath.
  SwCounters& sw_counters() { return sw_counters_; }
  const SwCounters& sw_counters() const { return sw_counters_; }

  // Sees every command written and every response read (for --cmd-log).
  void set_observer(TransferObserver observer) { queue_.set_observer(std::move(observer)); }
  // Every register read and write the driver made.
  const BusAccessCounts& bus_accesses() const { return regs_.counts(); }
  // The kernel log the driver writes to (DeviceOptions::kernel_log, or its own).
  KernelLog& kernel_log() { return *log_; }

 private:
  struct Adding {
    OffloadedSa sa;
    SaDone done;
    bool timed_out = false;  // the caller was told -ETIMEDOUT; the response is still owed
  };
  struct Dying {
    OffloadedSa sa;
    bool freeing = false;  // its DEL was posted
  };
  struct EsnPlan {
    AccelAttrs attrs;
    SaImage image;
    XfrmReplayState replay;
  };

  using Ticket = CommandQueue::Ticket;
  Ticket post_command(std::vector<uint8_t> command, CommandCallback done);
  StatusOr<std::pair<SaId, Ticket>> start_add(const XfrmState& state, SaDone done);
  StatusOr<Ticket> start_free(SaId id, SaDone done);
  void on_add(SaId id, const CommandCompletion& c);
  void on_del(SaId id, const CommandCompletion& c, const SaDone& done);
  // A DEL for an image the device may hold though the caller was told its ADD failed; the
  // image and handle are released when it completes.
  void undo_add(const OffloadedSa& sa);
  // The ESN state from `replay`; nothing when it did not change. The decision to send
  // MOD_SA_V2 at all (the v2_command check) is made here, for both ESN paths.
  StatusOr<std::optional<EsnPlan>> plan_esn_update(SaId id, const XfrmReplayState& replay);
  StatusOr<std::optional<EsnPlan>> plan_esn_as_shipped(OffloadedSa& sa,
                                                       const XfrmReplayState& replay);
  OffloadedSa* live_or_dying(SaId id);
  StatusOr<Ticket> start_modify(SaId id, const EsnPlan& plan, SaDone done);
  // The response judged as mlx5_fpga_ipsec_update_hw_sa does: transport errors, the
  // syndrome, then the echoed handle.
  Status judge(SaOpcode op, const CommandCompletion& c, uint32_t handle);
  SaOpcode opcode(SaOpcode v1, SaOpcode v2) const { return caps_.v2_command ? v2 : v1; }
  void release(const OffloadedSa& sa);
  uint32_t lowest_free_rx_handle() const;
  // A packet SA's handle: the next of a running count, skipping 0 and those in use. Not the
  // lowest free, as crypto RX SAs take theirs (mlx5's ida): the handle check of packet
  // sections P3 and P6 must tell an SA re-added at the same table index from the one
  // deleted there, whose frames and events may still be in flight.
  uint32_t next_packet_handle();
  // Another SA than `self` (live, being added, dying or a failed DEL's) has this image.
  bool image_in_use(const SaImage& image, std::optional<SaId> self = std::nullopt) const;

  // The kernel log, as mlx5 prints: netdev_info/netdev_warn
  // ("mlx5_core 0000:01:00.0 eth0: ...") and mlx5_core_warn/mlx5_fpga_warn
  // ("mlx5_core 0000:01:00.0: FPGA: mlx5_fpga_ipsec_recv: ...").
  void netdev_log(LogLevel level, const std::string& text);
  void core_log(LogLevel level, const char* function, const std::string& text, bool fpga);

  DeviceOptions options_;
  std::unique_ptr<KernelLog> own_log_;
  KernelLog* log_;
  RegisterAccess regs_;
  CommandQueue queue_;

  bool probed_ = false;
  DeviceIdentity identity_;
  DeviceCaps caps_;
  uint32_t granted_caps_ = 0;

  uint32_t next_id_ = 1;
  uint32_t next_pkt_handle_ = 1;
  std::map<SaId, OffloadedSa> sas_;
  std::map<SaId, Adding> adding_;
  std::map<SaId, Dying> dying_;
  std::map<uint32_t, SaId> rx_handles_;
  std::map<uint16_t, SaId> pkt_index_;  // live packet SAs by table index
  std::set<uint32_t> handles_in_use_;  // the kernel's ida (halloc)
  std::map<SaImage, SaId> images_;     // the kernel's sa_hash: identical images are refused
  std::deque<std::function<void()>> work_;
  SwCounters sw_counters_;
  DeviceStats stats_;
  bool overrun_next_ = false;
};

}  // namespace ipsec::driver
