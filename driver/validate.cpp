#include "validate.h"

#include <cerrno>

namespace ipsec::driver {

namespace {

Status invalid(const char* message) { return Status(-EINVAL, message); }
Status unsupported(const char* message) { return Status(-EOPNOTSUPP, message); }

}  // namespace

Status validate_state(const XfrmState& x, const DeviceCaps& caps) {
  const AddressFamily family = x.family();
  // 1-15: contract section 8, in its order.
  if (x.props.aalgo != sadb::kAalgNone) {
    return invalid("Cannot offload authenticated xfrm states");
  }
  if (x.props.ealgo != sadb::kEalgAesGcmIcv16) {
    return invalid("Only AES-GCM-ICV16 xfrm state may be offloaded");
  }
  if (x.props.calgo != sadb::kCalgNone) {
    return invalid("Cannot offload compressed xfrm states");
  }
  if (x.flag_esn && !caps.esn) {
    return invalid("Cannot offload ESN xfrm states");
  }
  if (family != AddressFamily::kInet && family != AddressFamily::kInet6) {
    return invalid("Only IPv4/6 xfrm states may be offloaded");
  }
  if (x.mode != XfrmMode::kTransport && x.mode != XfrmMode::kTunnel) {
    return invalid("Only transport and tunnel xfrm states may be offloaded");
  }
  if (x.proto != XfrmProto::kEsp) {
    return invalid("Only ESP xfrm state may be offloaded");
  }
  if (x.encap) {
    return invalid("Encapsulated xfrm state may not be offloaded");
  }
  if (!x.aead) {
    return invalid("Cannot offload xfrm states without aead");
  }
  if (x.aead->icv_bits != 128) {
    return invalid("Cannot offload xfrm states with AEAD ICV length other than 128bit");
  }
  const size_t key_bits = x.aead->key.size() * 8;
  if (key_bits != 128 + 32 && key_bits != 256 + 32) {
    return invalid("Cannot offload xfrm states with AEAD key length other than 128/256 bit");
  }
  if (x.tfcpad) {
    return invalid("Cannot offload xfrm states with tfc padding");
  }
  if (x.geniv.empty()) {
    return invalid("Cannot offload xfrm states without geniv");
  }
  if (x.geniv != kGenivSeqiv) {
    return invalid("Cannot offload xfrm states with geniv other than seqiv");
  }
  if (family == AddressFamily::kInet6 && !caps.ipv6) {
    return invalid("IPv6 xfrm state offload is not supported by this device");
  }
  return Status::success();
}

Status validate_packet_state(const XfrmState& x, const DeviceCaps& caps) {
  if (!caps.pkt_offload) return invalid("Packet offload is not supported");
  // An RX window the device cannot keep exactly is refused, not rounded: a wider window
  // would take packets the state's own window refuses (P2). 0 is no replay check.
  if (x.inbound() && x.replay_window != 0 &&
      (x.replay_window % 32 != 0 || x.replay_window > caps.pkt_max_replay_window)) {
    return invalid("Unsupported replay window size");
  }
  // mlx5 pairs offloaded policies with their states by reqid.
  if (!x.reqid) return invalid("Cannot offload without reqid");
  const XfrmLifetimeCfg& l = x.lft;
  if (l.soft_byte_limit >= l.hard_byte_limit && l.hard_byte_limit != kXfrmInf) {
    return invalid("Hard byte limit must be greater than soft one");
  }
  if (!l.soft_byte_limit || !l.hard_byte_limit) {
    return invalid("Soft/hard byte limits can't be 0");
  }
  if (l.soft_packet_limit >= l.hard_packet_limit && l.hard_packet_limit != kXfrmInf) {
    return invalid("Hard packet limit must be greater than soft one");
  }
  if (!l.soft_packet_limit || !l.hard_packet_limit) {
    return invalid("Soft/hard packet limits can't be 0");
  }
  return Status::success();
}

Status validate_packet_policy(const PolicyOffloadView& p, const DeviceCaps& caps) {
  if (p.templates > 1) return invalid("Cannot offload more than one template");
  if (p.forward) return invalid("Cannot offload forward policy");
  if (!p.reqid && p.selector_proto == 0 && p.selector_addrs_any) {
    return invalid(
        "Unsupported policy with reqid 0 without at least one of upper protocol or ip "
        "addr(s) different than 0");
  }
  if (p.selector_proto != 0 && p.selector_proto != 6 && p.selector_proto != 17) {
    return invalid("Device does not support upper protocol other than TCP/UDP");
  }
  if (!caps.pkt_offload) return invalid("Packet offload is not supported");
  return Status::success();
}

Status validate_accel_attrs(const AccelAttrs& attrs, const DeviceCaps& caps) {
  if (attrs.tfc_pad) {
    return unsupported("Cannot offload xfrm states with tfc padding");
  }
  if (attrs.replay_type != ReplayType::kNone) {
    return unsupported("Cannot offload xfrm states with anti replay");
  }
  if (attrs.keymat.icv_bits != 128) {
    return unsupported("Cannot offload xfrm states with AEAD ICV length other than 128bit");
  }
  if (attrs.keymat.key_bits() != 128 && attrs.keymat.key_bits() != 256) {
    return unsupported("Cannot offload xfrm states with AEAD key length other than 128/256 bit");
  }
  if (attrs.esn.triggered && !caps.v2_command) {
    // Linux repeats the anti-replay message here; say what is really missing.
    return unsupported("Cannot offload ESN xfrm states: the device lacks V2 SA commands");
  }
  return Status::success();
}

}  // namespace ipsec::driver
