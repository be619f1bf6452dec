#include "ipsec_device.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "byte_order.h"
#include "driver/generated/ipsec_regs.h"
#include "esn.h"
#include "validate.h"

namespace ipsec::driver {

namespace {

std::string hex32(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

std::string sa_text(const AccelAttrs& a) {
  return std::string(a.action == EspAction::kDecrypt ? "RX" : "TX") + " SA spi " +
         hex32(a.spi) + " " + a.saddr.to_string() + " -> " + a.daddr.to_string();
}

const char* syndrome_meaning(uint32_t syndrome, SaOpcode op) {
  switch (static_cast<Syndrome>(syndrome)) {
    case Syndrome::kSuccess: return "";
    case Syndrome::kIllegalRequest: return " (malformed command)";
    case Syndrome::kSadbIssue:
      return op == SaOpcode::kDelSa || op == SaOpcode::kDelSaV2 || op == SaOpcode::kModSaV2
                 ? " (no such SA on the device)"
                 : " (duplicate SA or full SA table)";
    case Syndrome::kWriteResponseIssue: return " (the device could not write the SA)";
  }
  return " (unknown syndrome)";
}

}  // namespace

std::array<uint64_t, kNumSwCounters> SwCounters::in_order() const {
  return {rx_drop_sp_alloc, rx_drop_sadb_miss, rx_drop_syndrome, tx_drop_bundle,
          tx_drop_no_state, tx_drop_not_ip,    tx_drop_trailer,  tx_drop_metadata};
}

IpsecDevice::IpsecDevice(RegisterBus& bus, DeviceOptions options)
    : options_(std::move(options)),
      regs_(bus),
      mailbox_(regs_, options_.mailbox) {
  if (!options_.seq_iv) options_.seq_iv = seeded_seq_iv(0);
}

// ---- probe (mlx5_fpga_ipsec_init) ---------------------------------------------------------

Status IpsecDevice::probe() {
  if (!sas_.empty()) return Status(-EBUSY, "cannot probe again while SAs are offloaded");
  probed_ = false;
  DeviceIdentity id;
  const std::pair<uint32_t, uint32_t*> identity_regs[] = {
      {IPSEC_REGS_VENDOR_ID_OFFSET, &id.vendor_id},
      {IPSEC_REGS_PRODUCT_ID_OFFSET, &id.product_id},
      {IPSEC_REGS_PRODUCT_VERSION_OFFSET, &id.product_version},
      {IPSEC_REGS_IMAGE_VERSION_OFFSET, &id.image_version},
      {IPSEC_REGS_SHELL_VERSION_OFFSET, &id.shell_version},
  };
  for (const auto& [addr, value] : identity_regs) {
    if (Status s = regs_.read(addr, *value); !s.ok()) return s;
  }
  identity_ = id;
  // mlx5_fpga_is_ipsec_device.
  if (id.vendor_id != kVendorIdMellanox || id.product_id != kProductIdIpsec) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "not an IPsec offload device: vendor id 0x%x, product id %u (an IPsec "
                  "sandbox has vendor id 0x%x, product id %u)",
                  id.vendor_id, id.product_id, kVendorIdMellanox, kProductIdIpsec);
    return Status(-ENODEV, text);
  }

  // The 32 bytes of IPsec extended capabilities, one big-endian word per register.
  std::array<uint8_t, kCapBytes> raw{};
  for (size_t i = 0; i < kCapBytes / 4; ++i) {
    uint32_t word = 0;
    const uint32_t addr = IPSEC_REGS_CAP_ENCAPSULATION_OFFSET + static_cast<uint32_t>(4 * i);
    if (Status s = regs_.read(addr, word); !s.ok()) return s;
    store_be32(&raw[4 * i], word);
  }
  caps_ = DeviceCaps::parse(raw);

  if (options_.mailbox.wait == CompletionWait::kInterrupt) {
    if (Status s = regs_.write(IPSEC_REGS_INTR_ENABLE_OFFSET,
                               IPSEC_REGS_INTR_ENABLE_RSP_READY_MASK);
        !s.ok()) {
      return s;
    }
  }

  // mlx5_fpga_ipsec_enable_supported_caps / mlx5_fpga_ipsec_set_caps.
  const uint32_t wanted = caps_.rx_no_trailer ? kSetCapNoTrailer : 0;
  StatusOr<CommandResponse> r = mailbox_.execute(build_set_cap_command(wanted));
  if (!r.ok()) return Status(r.status().code(), "SET_CAP: " + r.status().message());
  if (const int err = syndrome_to_errno(r->syndrome); err != 0) {
    return Status(err, "SET_CAP failed: device answered " + syndrome_name(r->syndrome));
  }
  if ((r->echo & wanted) != wanted) {
    return Status(-EIO, "Failed to set capabilities: requested " + hex32(wanted) +
                            ", granted " + hex32(r->echo));
  }
  granted_caps_ = r->echo;
  probed_ = true;
  return Status::success();
}

// ---- SA commands ------------------------------------------------------------------------

Status IpsecDevice::send_sa_command(SaOpcode op, const SaImage& image) {
  const std::vector<uint8_t> cmd = image.command(op);
  const uint32_t handle = load_be32(&cmd[sa_image::kSwSaHandle]);
  StatusOr<CommandResponse> r = mailbox_.execute(cmd);
  if (!r.ok()) return Status(r.status().code(), opcode_name(op) + ": " + r.status().message());
  if (const int err = syndrome_to_errno(r->syndrome); err != 0) {
    return Status(err, opcode_name(op) + " failed: device answered " +
                           syndrome_name(r->syndrome) + syndrome_meaning(r->syndrome, op));
  }
  if (r->echo != handle) {
    return Status(-EIO, opcode_name(op) + ": mismatch SA handle, command " + hex32(handle) +
                            " vs response " + hex32(r->echo));
  }
  return Status::success();
}

uint32_t IpsecDevice::lowest_free_rx_handle() const {
  // ida_simple_get(&halloc, 1, 0): the lowest handle from 1 not in use.
  uint32_t handle = 1;
  for (const auto& entry : rx_handles_) {
    if (entry.first != handle) break;
    ++handle;
  }
  return handle;
}

bool IpsecDevice::image_in_use(const SaImage& image, std::optional<SaId> self) const {
  const auto it = images_.find(image);
  return it != images_.end() && it->second != self;
}

StatusOr<SaId> IpsecDevice::add_state(const XfrmState& state) {
  if (!probed_) return Status(-ENODEV, options_.name + ": the device is not probed");
  if (!state.offload) return Status(-EINVAL, "the xfrm state asks for no offload");
  if (state.offload->dev != options_.name) {
    return Status(-ENODEV, "offload device \"" + state.offload->dev + "\" is not " +
                               options_.name);
  }
  // mlx5e_ipsec_build_netdev: without ESP offload the device takes no xfrm states at all.
  if (!caps_.esp) return Status(-EOPNOTSUPP, "ESP offload is not supported by this device");
  if (Status s = validate_state(state, caps_); !s.ok()) return s;

  const bool inbound = state.inbound();
  const uint32_t handle = inbound ? lowest_free_rx_handle() : 0;
  const EsnUpdate esn = update_esn_state(EsnState{}, state.flag_esn, state.replay,
                                         state.replay_window);
  AccelAttrs attrs = build_accel_attrs(state, esn.state, handle, options_.seq_iv());
  if (Status s = validate_accel_attrs(attrs, caps_); !s.ok()) return s;

  const SaImage image = build_sa_image(attrs);
  if (image_in_use(image)) {
    return Status(-EEXIST, "an SA with an identical image is already offloaded (" +
                               sa_text(attrs) + ")");
  }
  const SaOpcode op = caps_.v2_command ? SaOpcode::kAddSaV2 : SaOpcode::kAddSa;
  if (Status s = send_sa_command(op, image); !s.ok()) return s;

  const SaId id{next_id_++};
  OffloadedSa sa;
  sa.id = id;
  sa.state = state;
  sa.attrs = std::move(attrs);
  sa.image = image;
  sa.rx_handle = handle;
  sas_.emplace(id, std::move(sa));
  images_.emplace(image, id);
  if (inbound) rx_handles_.emplace(handle, id);
  return id;
}

Status IpsecDevice::delete_state(SaId id) {
  const auto it = sas_.find(id);
  if (it == sas_.end()) {
    return Status(-ENOENT, "no offloaded SA with id " +
                               std::to_string(static_cast<uint32_t>(id)));
  }
  const SaOpcode op = caps_.v2_command ? SaOpcode::kDelSaV2 : SaOpcode::kDelSa;
  Status s = send_sa_command(op, it->second.image);
  images_.erase(it->second.image);
  if (it->second.inbound()) rx_handles_.erase(it->second.rx_handle);
  sas_.erase(it);
  return s;
}

Status IpsecDevice::advance_esn(SaId id, const XfrmReplayState& replay) {
  const auto it = sas_.find(id);
  if (it == sas_.end()) {
    return Status(-ENOENT, "no offloaded SA with id " +
                               std::to_string(static_cast<uint32_t>(id)));
  }
  OffloadedSa& sa = it->second;
  const EsnUpdate esn =
      update_esn_state(sa.attrs.esn, sa.state.flag_esn, replay, sa.state.replay_window);
  if (!esn.changed) {
    sa.state.replay = replay;
    return Status::success();
  }
  // mlx5_fpga_esp_modify_xfrm (with its inverted V2 check put right).
  if (!caps_.v2_command) {
    return Status(-EOPNOTSUPP, "Modify esp is not supported: the device lacks V2 SA commands");
  }
  AccelAttrs attrs = sa.attrs;
  attrs.esn = esn.state;
  if (Status s = validate_accel_attrs(attrs, caps_); !s.ok()) return s;
  const SaImage image = build_sa_image(attrs);
  if (image_in_use(image, id)) {
    return Status(-EEXIST, "an SA with an identical image is already offloaded (" +
                               sa_text(attrs) + ")");
  }
  if (Status s = send_sa_command(SaOpcode::kModSaV2, image); !s.ok()) return s;

  images_.erase(sa.image);
  images_.emplace(image, id);
  sa.image = image;
  sa.attrs = std::move(attrs);
  sa.state.replay = replay;
  return Status::success();
}

const OffloadedSa* IpsecDevice::find(SaId id) const {
  const auto it = sas_.find(id);
  return it == sas_.end() ? nullptr : &it->second;
}

const OffloadedSa* IpsecDevice::find_rx(uint32_t handle) const {
  const auto it = rx_handles_.find(handle);
  return it == rx_handles_.end() ? nullptr : find(it->second);
}

// ---- ethtool -S (en_accel/ipsec_stats.c) ------------------------------------------------

StatusOr<std::vector<EthtoolStat>> IpsecDevice::ethtool_stats() {
  if (!probed_) return Status(-ENODEV, options_.name + ": the device is not probed");
  if (caps_.counters_addr > UINT32_MAX - 8 * kNumHwCounters) {
    return Status(-EIO, "the device's counters address " +
                            std::to_string(caps_.counters_addr) + " is out of range");
  }
  const uint32_t base = static_cast<uint32_t>(caps_.counters_addr);
  const size_t available = std::min<size_t>(caps_.number_of_ipsec_counters, kNumHwCounters);
  std::vector<EthtoolStat> stats;
  stats.reserve(kNumHwCounters + kNumSwCounters);
  for (size_t i = 0; i < kNumHwCounters; ++i) {
    uint64_t value = 0;
    if (i < available) {
      if (Status s = regs_.read_counter(base + static_cast<uint32_t>(8 * i), value); !s.ok()) {
        return s;
      }
    }
    stats.push_back({kHwCounterNames[i], value});
  }
  const auto sw = sw_counters_.in_order();
  for (size_t i = 0; i < kNumSwCounters; ++i) stats.push_back({kSwCounterNames[i], sw[i]});
  return stats;
}

}  // namespace ipsec::driver
