#include "ipsec_device.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "byte_order.h"
#include "driver/generated/ipsec_regs.h"
#include "esn.h"
#include "validate.h"

namespace ipsec::driver {

namespace {

// KBUILD_MODNAME, which NL_SET_ERR_MSG_MOD puts before a driver's extended-ack message.
constexpr const char* kModuleName = "mlx5_core";

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
      own_log_(options_.kernel_log ? nullptr : std::make_unique<KernelLog>()),
      log_(options_.kernel_log ? options_.kernel_log : own_log_.get()),
      regs_(bus),
      queue_(regs_, options_.commands) {
  if (!options_.seq_iv) options_.seq_iv = seeded_seq_iv(0);
  // Everything the command path reports comes from fpga/ipsec.c: mlx5_fpga_warn.
  queue_.set_log([this](LogLevel level, const char* function, const std::string& text) {
    core_log(level, function, text, true);
  });
}

// ---- the kernel log -----------------------------------------------------------------------

// netdev_printk: "<driver> <bus id> <netdev>: <message>" (net/core/dev.c).
void IpsecDevice::netdev_log(LogLevel level, const std::string& text) {
  log_->log(regs_.now(), level, "mlx5_core " + options_.pci_address + " " + options_.name + ": " + text);
}

// dev_printk: "<driver> <bus id>: <message>", and mlx5's "%s:%d:(pid %d): " after it (with
// "FPGA: " first for mlx5_fpga_*). A model has no source lines or pids: the function only.
void IpsecDevice::core_log(LogLevel level, const char* function, const std::string& text,
                           bool fpga) {
  log_->log(regs_.now(), level,
            "mlx5_core " + options_.pci_address + ": " + (fpga ? "FPGA: " : "") + function +
                ": " + text);
}

// ---- probe (mlx5_fpga_ipsec_init) ---------------------------------------------------------

Status IpsecDevice::probe() {
  if (!sas_.empty() || !adding_.empty() || !dying_.empty()) {
    return Status(-EBUSY, "cannot probe again while SAs are offloaded");
  }
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
  // Packet section P1: CAP_PKT exists only where the flag says so (an Innova answers SLVERR).
  if (caps_.pkt_offload) {
    uint32_t word = 0;
    if (Status s = regs_.read(packet::kRegCapPkt, word); !s.ok()) return s;
    caps_.pkt_max_replay_window = word & packet::kCapPktMaxWindowMask;
  }

  if (options_.commands.wait == CompletionWait::kInterrupt) {
    if (Status s = regs_.write(IPSEC_REGS_INTR_ENABLE_OFFSET,
                               IPSEC_REGS_INTR_ENABLE_RSP_READY_MASK);
        !s.ok()) {
      return s;
    }
  }

  // mlx5_fpga_ipsec_enable_supported_caps / mlx5_fpga_ipsec_set_caps.
  const uint32_t wanted = caps_.rx_no_trailer ? kSetCapNoTrailer : 0;
  std::optional<CommandCompletion> done;
  const Ticket t = post_command(build_set_cap_command(wanted), [&done](const CommandCompletion& c) {
    if (!c.late) done = c;  // a late answer to a SET_CAP that timed out changes nothing
  });
  queue_.wait(t);
  const CommandCompletion c = *done;
  Status result;
  if (!c.status.ok()) {
    result = Status(c.status.code(), "SET_CAP: " + c.status.message());
  } else if (const int err = syndrome_to_errno(c.response.syndrome); err != 0) {
    result = Status(err, "SET_CAP failed: device answered " + syndrome_name(c.response.syndrome));
  } else if ((c.response.echo & wanted) != wanted) {
    char text[96];
    std::snprintf(text, sizeof text, "Failed to set capabilities. cmd 0x%08x vs resp 0x%08x",
                  wanted, c.response.echo);
    core_log(LogLevel::kErr, "mlx5_fpga_ipsec_set_caps", text, true);
    result = Status(-EIO, "Failed to set capabilities: requested " + hex32(wanted) +
                              ", granted " + hex32(c.response.echo));
  }
  if (!result.ok()) {
    core_log(LogLevel::kErr, "mlx5_fpga_ipsec_init",
             "Failed to enable IPSec extended capabilities: " + std::to_string(result.code()),
             true);
    return result;
  }
  granted_caps_ = c.response.echo;
  probed_ = true;
  return Status::success();
}

// ---- SA commands ------------------------------------------------------------------------

Status IpsecDevice::judge(SaOpcode op, const CommandCompletion& c, uint32_t handle) {
  if (!c.status.ok()) return Status(c.status.code(), opcode_name(op) + ": " + c.status.message());
  const CommandResponse& r = c.response;
  if (const int err = syndrome_to_errno(r.syndrome); err != 0) {
    return Status(err, opcode_name(op) + " failed: device answered " +
                           syndrome_name(r.syndrome) + syndrome_meaning(r.syndrome, op));
  }
  if (r.echo != handle) {
    char text[80];
    std::snprintf(text, sizeof text, "mismatch SA handle. cmd 0x%08x vs resp 0x%08x", handle,
                  r.echo);
    core_log(LogLevel::kErr, "mlx5_fpga_ipsec_update_hw_sa", text, true);
    return Status(-EIO, opcode_name(op) + ": mismatch SA handle, command " + hex32(handle) +
                            " vs response " + hex32(r.echo));
  }
  return Status::success();
}

uint32_t IpsecDevice::lowest_free_rx_handle() const {
  // ida_simple_get(&halloc, 1, 0): the lowest handle from 1 not in use.
  uint32_t handle = 1;
  for (const uint32_t used : handles_in_use_) {
    if (used != handle) break;
    ++handle;
  }
  return handle;
}

uint32_t IpsecDevice::next_packet_handle() {
  while (next_pkt_handle_ == 0 || handles_in_use_.count(next_pkt_handle_)) ++next_pkt_handle_;
  return next_pkt_handle_++;
}

bool IpsecDevice::image_in_use(const SaImage& image, std::optional<SaId> self) const {
  const auto it = images_.find(image);
  return it != images_.end() && it->second != self;
}

void IpsecDevice::release(const OffloadedSa& sa) {
  const auto it = images_.find(sa.image);
  if (it != images_.end() && it->second == sa.id) images_.erase(it);
  if (sa.holds_handle()) handles_in_use_.erase(sa.rx_handle);
}

OffloadedSa* IpsecDevice::live_or_dying(SaId id) {
  if (const auto it = sas_.find(id); it != sas_.end()) return &it->second;
  if (const auto it = dying_.find(id); it != dying_.end()) return &it->second.sa;
  return nullptr;
}

// ---- packet offload: counters and events (packet sections P5, P6) -----------------------

StatusOr<PktSaCounters> IpsecDevice::read_pkt_counters(SaId id) {
  const OffloadedSa* sa = find(id);
  if (!sa || !sa->packet) {
    return Status(-ENOENT, "no packet SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  if (Status s = regs_.write(packet::kRegStatsIndex, sa->pkt_index); !s.ok()) return s;
  std::array<uint64_t, packet::kStatsWords / 2> v{};
  for (size_t i = 0; i < packet::kStatsWords; ++i) {
    uint32_t word = 0;
    if (Status s = regs_.read(packet::kRegStatsWord0 + static_cast<uint32_t>(4 * i), word);
        !s.ok()) {
      return s;
    }
    v[i / 2] |= uint64_t{word} << (i % 2 ? 32 : 0);  // low word first
  }
  PktSaCounters c;
  c.packets = v[0];
  c.bytes = v[1];
  if (sa->inbound()) {
    c.replay_window = v[2];
    c.replay = v[3];
    c.integrity_failed = v[4];
  } else {
    c.seq_exhausted = v[2];
  }
  return c;
}

StatusOr<std::vector<PktEvent>> IpsecDevice::take_pkt_events() {
  std::vector<PktEvent> events;
  if (!caps_.pkt_offload) return events;
  // At most the queue's depth per call: a device whose EVENT_READY never falls does not
  // hold the driver here; what is left is taken on the next call.
  for (size_t taken = 0; taken < packet::kEventQueueDepth; ++taken) {
    uint32_t status = 0;
    if (Status s = regs_.read(IPSEC_REGS_INTR_STATUS_OFFSET, status); !s.ok()) return s;
    if ((status & packet::kIntrEventReady) == 0) return events;
    uint32_t word0 = 0, word1 = 0;
    if (Status s = regs_.read(packet::kRegEvtWord0, word0); !s.ok()) return s;
    if (Status s = regs_.read(packet::kRegEvtWord1, word1); !s.ok()) return s;
    if (Status s = regs_.write(packet::kRegEvtPop, 1); !s.ok()) return s;
    const OffloadedSa* sa = find_pkt(static_cast<uint16_t>(word0 >> 16));
    const uint32_t kind = word0 & 0xFF;
    if (!sa || sa->rx_handle != word1 ||
        kind < static_cast<uint32_t>(packet::EventKind::kSoftBytes) ||
        kind > static_cast<uint32_t>(packet::EventKind::kSeqExhausted)) {
      continue;  // a stale event: its SA is gone
    }
    events.push_back(PktEvent{sa->id, static_cast<packet::EventKind>(kind)});
  }
  return events;
}

const OffloadedSa* IpsecDevice::find_pkt(uint16_t index) const {
  const auto it = pkt_index_.find(index);
  return it == pkt_index_.end() ? nullptr : find(it->second);
}

// ---- policies (mlx5e_xfrm_add_policy) ----------------------------------------------------

Status IpsecDevice::policy_add(const PolicyOffloadView& policy) {
  if (!probed_) return Status(-ENODEV, options_.name + ": the device is not probed");
  if (Status s = validate_packet_policy(policy, caps_); !s.ok()) {
    return Status(s.code(), std::string(kModuleName) + ": " + s.message());
  }
  return Status::success();
}

// ---- add (mlx5e_xfrm_add_state, mlx5_fpga_ipsec_create_sa_ctx) -------------------------

StatusOr<std::pair<SaId, IpsecDevice::Ticket>> IpsecDevice::start_add(const XfrmState& state,
                                                                        SaDone done) {
  if (!probed_) return Status(-ENODEV, options_.name + ": the device is not probed");
  if (!state.offload) return Status(-EINVAL, "the xfrm state asks for no offload");
  if (state.offload->dev != options_.name) {
    return Status(-ENODEV, "offload device \"" + state.offload->dev + "\" is not " +
                               options_.name);
  }
  // mlx5e_ipsec_build_netdev: without ESP offload the device takes no xfrm states at all.
  if (!caps_.esp) return Status(-EOPNOTSUPP, "ESP offload is not supported by this device");
  // Packet offload is Linux 6.2's: mlx5e_xfrm_validate_state's refusals are extended acks
  // there, the message prefixed with the module's name as NL_SET_ERR_MSG_MOD does, and
  // nothing goes to the kernel log. The checks common to both modes come first, as in 6.2.
  if (state.packet_offload()) {
    Status s = validate_state(state, caps_);
    if (s.ok()) s = validate_packet_state(state, caps_);
    if (!s.ok()) return Status(s.code(), std::string(kModuleName) + ": " + s.message());
  } else if (Status s = validate_state(state, caps_); !s.ok()) {
    // mlx5e_xfrm_validate_state: each refusal is a netdev_info.
    netdev_log(LogLevel::kInfo, s.message());
    return s;
  }

  const bool inbound = state.inbound();
  const bool packet = state.packet_offload();
  const uint32_t handle = packet ? next_packet_handle() : inbound ? lowest_free_rx_handle() : 0;
  // mlx5e_xfrm_add_state: mlx5e_ipsec_update_esn_state on a zeroed esn_state first.
  const EsnUpdate esn =
      options_.driver == DriverVariant::kInnovaAsShipped
          ? update_esn_state_as_shipped(EsnState{}, state.flag_esn, state.replay,
                                        state.replay_window)
          : update_esn_state(EsnState{}, state.flag_esn, state.replay, state.replay_window);
  AccelAttrs attrs = build_accel_attrs(state, esn.state, handle, options_.seq_iv());
  // mlx5_fpga_esp_validate_xfrm_attrs (mlx5_core_err), then mlx5_fpga_esp_create_xfrm's
  // mlx5_core_warn.
  if (Status s = validate_accel_attrs(attrs, caps_); !s.ok()) {
    core_log(LogLevel::kErr, "mlx5_fpga_esp_validate_xfrm_attrs", s.message(), false);
    core_log(LogLevel::kWarn, "mlx5_fpga_esp_create_xfrm",
             "Tried to create an esp with unsupported attrs", false);
    return s;
  }

  const SaImage image = build_sa_image(attrs);
  if (image_in_use(image)) {
    return Status(-EEXIST, "an SA with an identical image is already offloaded (" +
                               sa_text(attrs) + ")");
  }
  const SaId id{next_id_++};
  Adding a;
  a.sa.id = id;
  a.sa.state = state;
  a.sa.attrs = std::move(attrs);
  a.sa.image = image;
  a.sa.rx_handle = handle;
  a.sa.driver_esn = esn.state;
  a.sa.packet = packet;
  a.done = std::move(done);
  // Reserved from now on: no other SA gets this handle or this image while it is pending.
  images_.emplace(image, id);
  if (inbound || packet) handles_in_use_.insert(handle);
  adding_.emplace(id, std::move(a));
  std::vector<uint8_t> command = packet ? build_add_sa_pkt_command(image, pkt_sa_params(state))
                                        : image.command(opcode(SaOpcode::kAddSa, SaOpcode::kAddSaV2));
  const Ticket t =
      post_command(std::move(command), [this, id](const CommandCompletion& c) { on_add(id, c); });
  return std::make_pair(id, t);
}

// The fate of an ADD. Answered: live, or refused. Timed out: the caller hears -ETIMEDOUT at
// once and the SA never becomes live; its image and handle stay reserved until the response
// comes late: then, if the device did install it, a DEL takes it out again (the kernel
// freed the context and left the SA in the FPGA). The same DEL follows an ADD answered with
// success but a wrong handle echo, and one whose response vanished.
void IpsecDevice::on_add(SaId id, const CommandCompletion& c) {
  const auto it = adding_.find(id);
  if (it == adding_.end()) return;
  Adding& a = it->second;
  const SaOpcode op =
      a.sa.packet ? SaOpcode::kAddSaPkt : opcode(SaOpcode::kAddSa, SaOpcode::kAddSaV2);
  using Outcome = CommandCompletion::Outcome;
  if (c.outcome == Outcome::kTimedOut && c.response_owed) {
    a.timed_out = true;
    if (a.done) a.done(Status(c.status.code(), opcode_name(op) + ": " + c.status.message()));
    return;
  }
  const Adding done = std::move(a);
  adding_.erase(it);
  const bool device_may_hold = (c.outcome == Outcome::kAnswered && c.response.syndrome == 0) ||
                               c.outcome == Outcome::kNoResponse;
  if (c.late) {
    if (device_may_hold) {
      core_log(LogLevel::kWarn, "mlx5_fpga_ipsec_create_sa_ctx",
               opcode_name(op) + " of " + sa_text(done.sa.attrs) +
                   (c.outcome == Outcome::kAnswered ? " succeeded after its timeout"
                                                    : " timed out and its response vanished") +
                   ": deleting it from the device",
               true);
      undo_add(done.sa);
    } else {
      release(done.sa);
    }
    return;
  }
  const Status s = judge(op, c, done.sa.rx_handle);
  if (s.ok()) {
    auto [live, fresh] = sas_.emplace(id, done.sa);
    (void)fresh;
    if (live->second.packet) {
      live->second.pkt_index = static_cast<uint16_t>(c.response.word2 & 0xFFFFu);
      pkt_index_[live->second.pkt_index] = id;
    }
    if (done.sa.inbound()) rx_handles_.emplace(done.sa.rx_handle, id);
  } else if (device_may_hold) {
    undo_add(done.sa);
  } else {
    release(done.sa);
  }
  if (done.done) done.done(s.ok() ? Status::success() : s);
}

void IpsecDevice::undo_add(const OffloadedSa& sa) {
  ++stats_.add_cleanups;
  queue_work([this, sa] {
    const SaOpcode op = opcode(SaOpcode::kDelSa, SaOpcode::kDelSaV2);
    post_command(sa.image.command(op), [this, sa](const CommandCompletion& c) {
      // Whatever the answer (SADB_ISSUE when the device never had it), the image and
      // handle are free once it is known; a DEL that timed out waits for its late answer.
      if (c.outcome == CommandCompletion::Outcome::kTimedOut && c.response_owed) return;
      release(sa);
    });
  });
}

StatusOr<SaId> IpsecDevice::add_state_async(const XfrmState& state, SaDone done) {
  auto r = start_add(state, std::move(done));
  if (!r.ok()) return r.status();
  return r->first;
}

StatusOr<SaId> IpsecDevice::add_state(const XfrmState& state) {
  std::optional<Status> result;
  auto r = start_add(state, [&result](const Status& s) { result = s; });
  if (!r.ok()) return r.status();
  queue_.wait(r->second);
  if (!result) return Status(-EIO, "ADD_SA: no completion");  // cannot happen: wait() ends on it
  if (!result->ok()) return *result;
  return r->first;
}

CommandQueue::Ticket IpsecDevice::post_command(std::vector<uint8_t> command,
                                              CommandCallback done) {
  if (overrun_next_) {
    overrun_next_ = false;
    return queue_.post_without_credit(std::move(command), std::move(done));
  }
  return queue_.post(std::move(command), std::move(done));
}

// ---- delete and free (mlx5e_xfrm_del_state, mlx5e_xfrm_free_state) ----------------------

Status IpsecDevice::state_delete(SaId id) {
  const auto it = sas_.find(id);
  if (it == sas_.end()) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  // mlx5e_ipsec_sadb_rx_del: RX metadata no longer finds it; the handle stays allocated.
  if (it->second.inbound()) rx_handles_.erase(it->second.rx_handle);
  if (it->second.packet) pkt_index_.erase(it->second.pkt_index);
  Dying d;
  d.sa = std::move(it->second);
  sas_.erase(it);
  dying_.emplace(id, std::move(d));
  return Status::success();
}

StatusOr<IpsecDevice::Ticket> IpsecDevice::start_free(SaId id, SaDone done) {
  if (sas_.count(id) != 0) (void)state_delete(id);
  const auto it = dying_.find(id);
  if (it == dying_.end()) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  if (it->second.freeing) {
    return Status(-EALREADY, "the DEL of SA " + std::to_string(static_cast<uint32_t>(id)) +
                                 " is already posted");
  }
  it->second.freeing = true;
  const SaOpcode op = opcode(SaOpcode::kDelSa, SaOpcode::kDelSaV2);
  return post_command(it->second.sa.image.command(op),
                     [this, id, done = std::move(done)](const CommandCompletion& c) {
                       on_del(id, c, done);
                     });
}

Status IpsecDevice::state_free(SaId id, SaDone done) {
  auto t = start_free(id, std::move(done));
  return t.ok() ? Status::success() : t.status();
}

Status IpsecDevice::delete_state(SaId id) {
  if (sas_.count(id) == 0) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  std::optional<Status> result;
  auto t = start_free(id, [&result](const Status& s) { result = s; });
  if (!t.ok()) return t.status();
  queue_.wait(*t);
  return result ? *result : Status(-EIO, "DEL_SA: no completion");
}

// mlx5_fpga_ipsec_release_sa_ctx: on success the sa_hash entry goes; on failure it is a
// WARN_ON and the entry stays, so the image can never be offloaded again.
void IpsecDevice::on_del(SaId id, const CommandCompletion& c, const SaDone& done) {
  const auto it = dying_.find(id);
  if (it == dying_.end()) return;
  const OffloadedSa& sa = it->second.sa;
  const SaOpcode op = opcode(SaOpcode::kDelSa, SaOpcode::kDelSaV2);
  using Outcome = CommandCompletion::Outcome;
  if (c.late) {
    // A DEL counted as failed when it timed out: its answer came after all. A success
    // means the device no longer holds the SA, so its image is free again.
    if (c.outcome == Outcome::kAnswered && c.response.syndrome == 0 &&
        c.response.echo == sa.rx_handle) {
      release(sa);
    } else if (sa.holds_handle()) {
      handles_in_use_.erase(sa.rx_handle);
    }
    dying_.erase(it);
    return;
  }
  const Status s = judge(op, c, sa.rx_handle);
  if (!s.ok()) {
    ++stats_.del_failed;
    core_log(LogLevel::kWarn, "mlx5_fpga_ipsec_release_sa_ctx",
             "WARNING: " + opcode_name(op) + " of " + sa_text(sa.attrs) + " failed (" +
                 std::to_string(s.code()) + " " + errno_name(s.code()) +
                 "): its image stays reserved",
             true);
  }
  const bool owed = c.outcome == Outcome::kTimedOut && c.response_owed;
  if (s.ok()) {
    release(sa);
  } else if (sa.holds_handle() && !owed) {
    handles_in_use_.erase(sa.rx_handle);  // mlx5e_ipsec_sadb_rx_free: the ida entry goes
  }
  if (!owed) dying_.erase(it);
  if (done) done(s);
}

// ---- ESN (mlx5e_xfrm_advance_esn_state, mlx5_fpga_esp_modify_xfrm) ----------------------

StatusOr<std::optional<IpsecDevice::EsnPlan>> IpsecDevice::plan_esn_update(
    SaId id, const XfrmReplayState& replay) {
  OffloadedSa* sa = live_or_dying(id);
  if (!sa) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  if (options_.driver == DriverVariant::kInnovaAsShipped) return plan_esn_as_shipped(*sa, replay);
  const EsnUpdate esn =
      update_esn_state(sa->attrs.esn, sa->state.flag_esn, replay, sa->state.replay_window);
  sa->driver_esn = esn.state;
  if (!esn.changed) {
    sa->state.replay = replay;
    return std::optional<EsnPlan>();
  }
  // mlx5_fpga_esp_modify_xfrm, with its inverted V2 check put right.
  if (!caps_.v2_command) {
    return Status(-EOPNOTSUPP, "Modify esp is not supported: the device lacks V2 SA commands");
  }
  EsnPlan plan;
  plan.attrs = sa->attrs;
  plan.attrs.esn = esn.state;
  plan.replay = replay;
  if (Status s = validate_accel_attrs(plan.attrs, caps_); !s.ok()) return s;
  plan.image = build_sa_image(plan.attrs);
  if (image_in_use(plan.image, id)) {
    return Status(-EEXIST, "an SA with an identical image is already offloaded (" +
                               sa_text(plan.attrs) + ")");
  }
  return std::optional<EsnPlan>(std::move(plan));
}

// The Innova driver as v4.17..v5.7 shipped it (DriverVariant::kInnovaAsShipped): the
// driver's own esn_state moves as mlx5e_ipsec_update_esn_state has it, and the update it asks
// for is refused by mlx5_fpga_esp_modify_xfrm: `if (!mlx5_fpga_esp_validate_xfrm_attrs())`
// is true for every valid attrs (the function returns 0 on success), and the V2 check after
// it, `if (is_v2_sadb_supported())`, would refuse every V2 device too. No MOD_SA_V2 ever
// goes out: the device keeps the ESN state of the ADD.
StatusOr<std::optional<IpsecDevice::EsnPlan>> IpsecDevice::plan_esn_as_shipped(
    OffloadedSa& sa, const XfrmReplayState& replay) {
  const EsnUpdate esn = update_esn_state_as_shipped(sa.driver_esn, sa.state.flag_esn, replay,
                                                    sa.state.replay_window);
  sa.driver_esn = esn.state;
  sa.state.replay = replay;
  if (!esn.changed) return std::optional<EsnPlan>();
  EsnPlan plan;
  plan.attrs = sa.attrs;
  plan.attrs.esn = esn.state;
  plan.replay = replay;
  plan.image = build_sa_image(plan.attrs);
  if (plan.image == sa.image) return std::optional<EsnPlan>();  // the memcmp: nothing to do
  if (validate_accel_attrs(plan.attrs, caps_).ok()) {
    core_log(LogLevel::kWarn, "mlx5_fpga_esp_modify_xfrm",
             "Tried to create an esp with unsupported attrs", false);
    return Status(-EOPNOTSUPP, "mlx5_fpga_esp_modify_xfrm refused valid attrs (inverted check)");
  }
  if (caps_.v2_command) {
    core_log(LogLevel::kWarn, "mlx5_fpga_esp_modify_xfrm", "Modify esp is not supported", false);
    return Status(-EOPNOTSUPP, "mlx5_fpga_esp_modify_xfrm refused a V2 device (inverted check)");
  }
  return std::optional<EsnPlan>(std::move(plan));  // invalid attrs on a V1 device: sent
}

// As mlx5_fpga_esp_modify_xfrm: the new image replaces the old one in the tables before
// MOD_SA_V2 goes out, and the old one comes back if the command fails. A MOD answered
// after its timeout puts the new image back, the device having taken it.
StatusOr<IpsecDevice::Ticket> IpsecDevice::start_modify(SaId id, const EsnPlan& plan,
                                                         SaDone done) {
  OffloadedSa* sa = live_or_dying(id);
  if (!sa) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  struct Saved {
    AccelAttrs attrs;
    SaImage image;
    XfrmReplayState replay;
  };
  const Saved old{sa->attrs, sa->image, sa->state.replay};
  auto install = [this, id](const AccelAttrs& attrs, const SaImage& from, const SaImage& to,
                            const XfrmReplayState& replay) {
    OffloadedSa* s = live_or_dying(id);
    if (!s || s->image != from) return;  // deleted, or superseded by a later update
    images_.erase(from);
    images_.emplace(to, id);
    s->image = to;
    s->attrs = attrs;
    s->state.replay = replay;
  };
  install(plan.attrs, old.image, plan.image, plan.replay);
  return post_command(
      plan.image.command(SaOpcode::kModSaV2),
      [this, id, old, plan, install, done = std::move(done)](const CommandCompletion& c) {
        const OffloadedSa* s = live_or_dying(id);
        const uint32_t handle = s ? s->rx_handle : 0;
        if (c.late) {
          if (c.outcome == CommandCompletion::Outcome::kAnswered && c.response.syndrome == 0) {
            install(plan.attrs, old.image, plan.image, plan.replay);
          }
          return;
        }
        const Status st = judge(SaOpcode::kModSaV2, c, handle);
        if (!st.ok()) install(old.attrs, plan.image, old.image, old.replay);
        if (done) done(st);
      });
}

Status IpsecDevice::advance_esn(SaId id, const XfrmReplayState& replay) {
  if (sas_.count(id) == 0) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  auto plan = plan_esn_update(id, replay);
  if (!plan.ok()) return plan.status();
  if (!plan->has_value()) return Status::success();
  std::optional<Status> result;
  auto t = start_modify(id, **plan, [&result](const Status& s) { result = s; });
  if (!t.ok()) return t.status();
  queue_.wait(*t);
  return result ? *result : Status(-EIO, "MOD_SA_V2: no completion");
}

Status IpsecDevice::advance_esn_deferred(SaId id, const XfrmReplayState& replay) {
  OffloadedSa* sa = live_or_dying(id);
  if (!sa) {
    return Status(-ENOENT, "no offloaded SA with id " + std::to_string(static_cast<uint32_t>(id)));
  }
  // _update_xfrm_state, on the driver's ordered work queue: the ESN state is recomputed
  // when the work runs, from the latest replay state, so updates queued back to back send
  // one MOD_SA_V2 per change, never two for the same one.
  queue_work([this, id, replay] {
    auto fail = [this, id](const Status& s) {
      ++stats_.esn_failed;
      if (options_.driver == DriverVariant::kInnovaAsShipped) {
        // _update_xfrm_state (v4.17..v5.7) says this whatever failed.
        netdev_log(LogLevel::kWarn, "Not an IPSec offload device");
        return;
      }
      const OffloadedSa* x = live_or_dying(id);
      netdev_log(LogLevel::kWarn, "Failed to update the ESN state of " +
                                      (x ? sa_text(x->attrs) : std::string("a deleted SA")) +
                                      ": " + s.message());
    };
    auto plan = plan_esn_update(id, replay);
    if (!plan.ok()) {
      if (plan.status().code() != -ENOENT) fail(plan.status());
      return;
    }
    if (!plan->has_value()) return;
    auto t = start_modify(id, **plan, [fail](const Status& s) {
      if (!s.ok()) fail(s);
    });
    if (!t.ok()) fail(t.status());
  });
  return Status::success();
}

// ---- deferred work --------------------------------------------------------------------------

void IpsecDevice::queue_work(std::function<void()> work) { work_.push_back(std::move(work)); }

void IpsecDevice::run_deferred_work() {
  while (!work_.empty()) {
    std::function<void()> w = std::move(work_.front());
    work_.pop_front();
    w();
  }
}

Status IpsecDevice::service() { return queue_.service(); }

void IpsecDevice::settle() {
  do {
    run_deferred_work();
    queue_.wait_all();
  } while (!work_.empty());
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

StatusOr<uint64_t> IpsecDevice::rx_overflow_drops() {
  if (!probed_) return Status(-ENODEV, options_.name + ": the device is not probed");
  uint64_t value = 0;
  if (Status s = regs_.read_counter(IPSEC_REGS_DEC_OVERFLOW_DROP_PACKETS_OFFSET, value); !s.ok()) return s;
  return value;
}

}  // namespace ipsec::driver
