// The IPsec offload device as the mlx5 driver drives it (fpga/ipsec.c, en_accel/ipsec.c,
// en_accel/ipsec_stats.c): probe, xfrm state offload (add, delete, ESN update), the RX
// handle table and the ethtool counters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "accel_attrs.h"
#include "command_mailbox.h"
#include "contract.h"
#include "device_caps.h"
#include "register_bus.h"
#include "register_access.h"
#include "sa_image.h"
#include "status.h"
#include "xfrm_state.h"

namespace ipsec::driver {

struct DeviceOptions {
  std::string name = "eth0";  // the netdev that `offload dev` and `ethtool -S` name
  // The per-SA seqiv salts (random in Linux); empty: seeded_seq_iv(0).
  SeqIvSource seq_iv;
  MailboxTiming mailbox;
};

// The driver's handle on an offloaded state (xso.offload_handle): never reused.
enum class SaId : uint32_t {};

// One offloaded xfrm state (mlx5e_ipsec_sa_entry with its FPGA SA context).
struct OffloadedSa {
  SaId id{};
  XfrmState state;    // as offloaded; the replay state as of the last advance_esn
  AccelAttrs attrs;   // what the image was built from
  SaImage image;      // the image the device holds (opcode field zero)
  uint32_t rx_handle = 0;  // RX: the sw_sa_handle, key of the RX table; TX: 0
  bool inbound() const { return attrs.action == EspAction::kDecrypt; }
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

  // xdo_dev_state_add: validate (-EINVAL, or -EOPNOTSUPP: the state stays in software),
  // give an RX state the lowest free handle from 1, build the image, refuse one identical to
  // a live SA's (-EEXIST, nothing sent), send ADD_SA_V2 (ADD_SA without v2_command) and wait
  // for its response: the syndrome mapped to an errno, a wrong echoed handle -EIO.
  StatusOr<SaId> add_state(const XfrmState& state);

  // xdo_dev_state_delete + free: sends the stored image with DEL_SA_V2 (DEL_SA). The SA
  // leaves the driver's tables whatever the device answers, as in the kernel; the answer is
  // returned. -ENOENT for an unknown id.
  Status delete_state(SaId id);

  // xdo_dev_state_advance_esn: the RX replay state moved; recompute the ESN state and send
  // MOD_SA_V2 when it changed. On a failed command the device and the driver keep the old
  // image.
  Status advance_esn(SaId id, const XfrmReplayState& replay);

  const OffloadedSa* find(SaId id) const;
  // The RX handle table: the SA whose handle RX metadata carries, or nullptr.
  const OffloadedSa* find_rx(uint32_t handle) const;
  const std::map<SaId, OffloadedSa>& sas() const { return sas_; }
  const std::map<uint32_t, SaId>& rx_handles() const { return rx_handles_; }

  // `ethtool -S`: the hardware counters (low word first), then the software ones, named as
  // the contract. -ENODEV before probe (the counters appear only once the driver is loaded).
  StatusOr<std::vector<EthtoolStat>> ethtool_stats();

  // For the datapath.
  SwCounters& sw_counters() { return sw_counters_; }
  const SwCounters& sw_counters() const { return sw_counters_; }

  // Sees every command written and every response read (for --cmd-log).
  void set_observer(TransferObserver observer) { mailbox_.set_observer(std::move(observer)); }
  // Every register read and write the driver made.
  const BusAccessCounts& bus_accesses() const { return regs_.counts(); }

 private:
  Status send_sa_command(SaOpcode op, const SaImage& image);
  uint32_t lowest_free_rx_handle() const;
  // Another live SA than `self` has this image.
  bool image_in_use(const SaImage& image, std::optional<SaId> self = std::nullopt) const;

  DeviceOptions options_;
  RegisterAccess regs_;
  CommandMailbox mailbox_;

  bool probed_ = false;
  DeviceIdentity identity_;
  DeviceCaps caps_;
  uint32_t granted_caps_ = 0;

  uint32_t next_id_ = 1;
  std::map<SaId, OffloadedSa> sas_;
  std::map<uint32_t, SaId> rx_handles_;
  std::map<SaImage, SaId> images_;  // the kernel's sa_hash: identical images are refused
  SwCounters sw_counters_;
};

}  // namespace ipsec::driver
