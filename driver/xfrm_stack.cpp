#include "xfrm_stack.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace ipsec::xfrm {

using driver::IpHeader;
using driver::XfrmMode;
using driver::XfrmProto;
using driver::XfrmState;
namespace ipproto = driver::ipproto;

namespace {

constexpr std::array<const char*, kXfrmMibCount> kMibNames = {
    "XfrmInError",
    "XfrmInBufferError",
    "XfrmInHdrError",
    "XfrmInNoStates",
    "XfrmInStateProtoError",
    "XfrmInStateModeError",
    "XfrmInStateSeqError",
    "XfrmInStateExpired",
    "XfrmInStateMismatch",
    "XfrmInStateInvalid",
    "XfrmInTmplMismatch",
    "XfrmInNoPols",
    "XfrmInPolBlock",
    "XfrmInPolError",
    "XfrmOutError",
    "XfrmOutBundleGenError",
    "XfrmOutBundleCheckError",
    "XfrmOutNoStates",
    "XfrmOutStateProtoError",
    "XfrmOutStateModeError",
    "XfrmOutStateSeqError",
    "XfrmOutStateExpired",
    "XfrmOutPolBlock",
    "XfrmOutPolDead",
    "XfrmOutPolError",
    "XfrmFwdHdrError",
    "XfrmOutStateInvalid",
    "XfrmAcquireError",
};

constexpr size_t kEspOverhead = driver::kEspHeaderBytes + driver::kEspIvBytes;
constexpr size_t kDeviceIcvBytes = 16;  // the device does AES-GCM with a 16-byte ICV only
constexpr size_t kMaxPadBytes = 3;      // pad to 4 bytes (RFC 4303 section 2.4)
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kOuterTtl = 64;

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool is_any(const driver::IpAddress& a) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.data()[i]) return false;
  }
  return true;
}

Bytes slice(const Bytes& b, size_t from, size_t to) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
               b.begin() + static_cast<std::ptrdiff_t>(to));
}

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

uint16_t ethertype(bool ipv6) { return ipv6 ? driver::kEthertypeIpv6 : driver::kEthertypeIpv4; }

// The DSCP and ECN byte of an IP header (IPv4 TOS, IPv6 traffic class).
uint8_t traffic_class(const Bytes& f, const IpHeader& ip) {
  if (!ip.ipv6) return f[ip.at + 1];
  return static_cast<uint8_t>((f[ip.at] & 0x0F) << 4 | f[ip.at + 1] >> 4);
}

// The outer header of a tunnel-mode packet (RFC 4301 section 5.1.2): the state's
// addresses, DSCP copied from the inner header, ECN as RFC 6040's normal mode (CE leaves
// as ECT(0)), DF copied from an inner IPv4 header. Lengths and checksum come later.
Bytes outer_header(const XfrmState& x, const Bytes& f, const IpHeader& inner, uint16_t id) {
  uint8_t tc = traffic_class(f, inner);
  if ((tc & 3) == 3) tc = static_cast<uint8_t>((tc & ~3) | 2);
  if (x.family() == driver::AddressFamily::kInet6) {
    Bytes h(driver::kIpv6HeaderBytes, 0);
    h[0] = static_cast<uint8_t>(0x60 | tc >> 4);
    h[1] = static_cast<uint8_t>((tc & 0x0F) << 4);
    h[6] = ipproto::kEsp;
    h[7] = kOuterTtl;
    std::copy_n(x.saddr.data(), 16, h.begin() + 8);
    std::copy_n(x.daddr.data(), 16, h.begin() + 24);
    return h;
  }
  Bytes h(driver::kIpv4HeaderBytes, 0);
  h[0] = 0x45;
  h[1] = tc;
  driver::store_be16(h, 4, id);
  if (!inner.ipv6) h[6] = f[inner.at + 6] & 0x40;  // DF
  h[8] = kOuterTtl;
  h[9] = ipproto::kEsp;
  std::copy_n(x.saddr.data(), 4, h.begin() + 12);
  std::copy_n(x.daddr.data(), 4, h.begin() + 16);
  return h;
}

// The high half of a received sequence number as the device infers it from the SA's esn
// and ESN_OVERLAP fields (contract section 7, RFC 4303 appendix A).
uint32_t device_seq_hi(const driver::EsnState& esn, uint32_t seq) {
  if (!esn.overlap) return esn.esn;
  return seq >= driver::kEsnScopeMid ? esn.esn : esn.esn + 1;
}

// xfrm_state_ok: whether a state that protected a received packet satisfies a template.
bool state_ok(const XfrmTmpl& t, const XfrmState& x) {
  if (x.proto != t.proto || x.mode != t.mode) return false;
  if (t.spi && x.spi != t.spi) return false;
  if (t.reqid && x.reqid != t.reqid) return false;
  if (x.mode != XfrmMode::kTransport) {
    if (x.daddr != t.daddr) return false;
    if (!is_any(t.saddr) && x.saddr != t.saddr) return false;
  }
  return true;
}

}  // namespace

const std::array<const char*, kXfrmMibCount>& xfrm_mib_names() { return kMibNames; }

const std::array<const char*, kIpFragCounterCount>& ip_frag_counter_names() {
  static constexpr std::array<const char*, kIpFragCounterCount> kNames = {
      "IpFragOKs", "IpFragFails", "IpFragCreates", "Ip6FragOKs", "Ip6FragFails", "Ip6FragCreates"};
  return kNames;
}

std::array<uint64_t, kIpFragCounterCount> XfrmStack::ip_frag_counters() const {
  return {ip_stats_[0].frag_oks, ip_stats_[0].frag_fails, ip_stats_[0].frag_creates,
          ip_stats_[1].frag_oks, ip_stats_[1].frag_fails, ip_stats_[1].frag_creates};
}

void XfrmStack::set_mtu(uint32_t mtu) { options_.mtu = mtu; }

XfrmStack::XfrmStack(driver::IpsecDevice* device, StackOptions options)
    : device_(device), options_(std::move(options)), rng_state_(options_.seed) {
  next_ipv4_id_ = static_cast<uint16_t>(splitmix64(rng_state_));
}

uint64_t XfrmStack::now() const {
  if (options_.clock) return options_.clock();
  return static_cast<uint64_t>(std::time(nullptr));
}

// ---- SAD ---------------------------------------------------------------------------------

namespace {

// xfrm_state_lookup: a state is known by its destination, SPI and protocol.
template <typename List>
auto find_in(List& states, const driver::IpAddress& daddr, uint32_t spi, XfrmProto proto)
    -> decltype(&states.front()) {
  for (auto& e : states) {
    if (e.state.daddr == daddr && e.state.spi == spi && e.state.proto == proto) return &e;
  }
  return nullptr;
}

}  // namespace

StateEntry* XfrmStack::find_mutable(const driver::IpAddress& daddr, uint32_t spi, XfrmProto proto) {
  return find_in(states_, daddr, spi, proto);
}

const StateEntry* XfrmStack::find_state(const driver::IpAddress& daddr, uint32_t spi,
                                        XfrmProto proto) const {
  return find_in(states_, daddr, spi, proto);
}

std::vector<const StateEntry*> XfrmStack::states() const {
  std::vector<const StateEntry*> out;
  for (auto it = states_.rbegin(); it != states_.rend(); ++it) out.push_back(&*it);
  return out;
}

AddStateResult XfrmStack::add_state(const XfrmState& x) {
  auto fail = [](int code, std::string message) {
    return AddStateResult{driver::Status(code, std::move(message)), false, {}, {}};
  };
  // verify_newsa_info.
  if (x.proto != XfrmProto::kEsp) return fail(-EPROTONOSUPPORT, "only ESP states are supported");
  if (x.family() == driver::AddressFamily::kUnspec) {
    return fail(-EINVAL, "source and destination addresses are of different families");
  }
  if (x.comp) return fail(-EINVAL, "ESP takes no compression algorithm");
  if (!x.aead && !x.enc) return fail(-EINVAL, "ESP needs an AEAD or an encryption algorithm");
  if (x.aead && (x.enc || x.auth)) {
    return fail(-EINVAL, "an AEAD excludes separate encryption and authentication");
  }
  if (x.tfcpad && x.mode != XfrmMode::kTunnel) {
    return fail(-EINVAL, "TFC padding needs tunnel mode");
  }
  if (x.mode != XfrmMode::kTransport && x.mode != XfrmMode::kTunnel) {
    return fail(-EINVAL, "only transport and tunnel mode are supported");
  }
  // esp_init_state: esp6 of v5.7 knows no UDP encapsulation (IPv6 ESP-in-UDP came in 5.8).
  if (x.encap && x.family() == driver::AddressFamily::kInet6) {
    return fail(-EINVAL, "esp6 takes no UDP encapsulation");
  }
  // esp_init_state: the AEAD's key and ICV length.
  std::optional<driver::EspAead> aead;
  if (x.aead && x.aead->name == driver::kAeadRfc4106Gcm) {
    driver::StatusOr<driver::EspAead> a = driver::EspAead::from_state(x);
    if (!a.ok()) return fail(a.status().code(), a.status().message());
    aead = *a;
  }
  // xfrm_dev_state_add, the last step of xfrm_state_construct: before any driver runs, the
  // core refuses UDP encapsulation and TFC padding (-EINVAL, no message: "We don't yet
  // support UDP encapsulation and TFC padding", net/xfrm/xfrm_device.c of v5.7). A driver's
  // -EOPNOTSUPP leaves the state in software; any other error fails the add.
  std::optional<driver::SaId> offload;
  std::string reason;
  if (x.offload) {
    if (x.encap || x.tfcpad) {
      return fail(-EINVAL, "the xfrm core offloads no UDP encapsulation and no TFC padding");
    }
    if (!device_ || x.offload->dev != device_->name()) {
      return fail(-ENODEV, "no offload device " + x.offload->dev);
    }
    driver::StatusOr<driver::SaId> id = device_->add_state(x);
    if (id.ok()) {
      offload = *id;
    } else if (x.packet_offload()) {
      // Linux 6.2's xfrm_dev_state_add: packet offload never falls back to software, not
      // even on -EOPNOTSUPP ("be civil to users, and return an error instead of taking
      // fallback path"); the driver's extended ack reaches the user.
      AddStateResult r{id.status(), true, {}, id.status().message()};
      return r;
    } else if (id.status().code() == -EOPNOTSUPP) {
      reason = id.status().message();
    } else {
      return AddStateResult{id.status(), true, {}, {}};
    }
  }
  // xfrm_state_add (xfrm_add_sa, after xfrm_state_construct): a state with the same dst, spi
  // and protocol exists. The new state was offloaded already: xfrm_add_sa deletes it from
  // the device (xfrm_dev_state_delete) and drops it, and the GC work frees it (DEL_SA).
  if (find_mutable(x.daddr, x.spi, x.proto)) {
    if (offload) dev_state_delete(*offload);
    char text[128];
    std::snprintf(text, sizeof text, "a state with dst %s spi 0x%08x proto esp exists",
                  x.daddr.to_string().c_str(), x.spi);
    return fail(-EEXIST, text);
  }
  StateEntry e{
      x, ReplayWindow(x.replay_window, x.flag_esn, x.replay), offload, reason, aead, {}, {}, 0,
      {}, false, false};
  const uint64_t salt = splitmix64(rng_state_);
  for (size_t b = 0; b < 8; ++b) e.seqiv_salt[b] = static_cast<uint8_t>(salt >> (8 * b));
  e.curlft.add_time = now();
  AddStateResult result;
  if (!aead && !offload) {
    result.note = "software ESP here does only rfc4106(gcm(aes)): this state's packets are dropped";
  }
  states_.push_back(std::move(e));
  return result;
}

driver::Status XfrmStack::add_policy(XfrmPolicy p, std::string* extack) {
  if (!p.offload_dev.empty()) {
    // xfrm_dev_policy_add: the device by index (iproute2 resolved the name), then the driver.
    if (!device_ || p.offload_dev != device_->name()) return driver::Status(-EINVAL, "no device");
    driver::PolicyOffloadView view;
    view.forward = p.dir == PolicyDir::kFwd;
    view.templates = p.tmpls.size();
    view.reqid = p.tmpls.empty() ? 0 : p.tmpls.front().reqid;
    view.selector_proto = p.sel.proto;
    view.selector_addrs_any = is_any(p.sel.saddr) && is_any(p.sel.daddr);
    if (driver::Status s = device_->policy_add(view); !s.ok()) {
      if (extack) *extack = s.message();
      return s;
    }
  }
  return policies_.add(std::move(p));
}

driver::Status XfrmStack::delete_state(const driver::IpAddress& daddr, uint32_t spi,
                                       XfrmProto proto) {
  for (auto it = states_.begin(); it != states_.end(); ++it) {
    if (it->state.daddr == daddr && it->state.spi == spi && it->state.proto == proto) {
      if (it->offload) dev_state_delete(*it->offload);
      states_.erase(it);
      return driver::Status::success();
    }
  }
  return driver::Status(-ESRCH, "no such state");
}

void XfrmStack::flush_states() {
  for (StateEntry& e : states_) {
    if (e.offload) dev_state_delete(*e.offload);
  }
  states_.clear();
}

void XfrmStack::dev_state_delete(driver::SaId id) {
  // __xfrm_state_delete -> xfrm_dev_state_delete at once (no command); the last reference
  // dropped, xfrm_state_gc_task calls xfrm_dev_state_free from the GC work, which sends the
  // DEL. The caller returns before it: `ip xfrm state delete` and `flush` do not wait. The
  // kernel fails neither for the device (the driver logs and counts a failed DEL).
  if (!device_) return;
  if (!device_->state_delete(id).ok()) return;
  driver::IpsecDevice* dev = device_;
  device_->queue_work([dev, id] { (void)dev->state_free(id); });
}

bool XfrmStack::check_expire(StateEntry& e) {
  const driver::XfrmLifetimeCfg& l = e.state.lft;
  if (e.expired) return false;
  if (e.curlft.bytes >= l.hard_byte_limit || e.curlft.packets >= l.hard_packet_limit) {
    e.expired = true;
    return false;
  }
  if (!e.dying &&
      (e.curlft.bytes >= l.soft_byte_limit || e.curlft.packets >= l.soft_packet_limit)) {
    e.dying = true;
    expires_.push_back(KmExpire{e, false});
  }
  return true;
}

void XfrmStack::reap_expired() {
  for (auto it = states_.begin(); it != states_.end();) {
    if (!it->expired) {
      ++it;
      continue;
    }
    // xfrm_timer_handler's "expired" path: __xfrm_state_delete, then km_state_expired(x, 1).
    if (it->offload) dev_state_delete(*it->offload);
    expires_.push_back(KmExpire{*it, true});
    it = states_.erase(it);
  }
}

void XfrmStack::update_packet_stats() {
  for (StateEntry& e : states_) update_packet_stats(e);
}

void XfrmStack::update_packet_stats(StateEntry& e) {
  if (!device_ || !e.offload || !e.state.packet_offload()) return;
  const driver::StatusOr<driver::PktSaCounters> c = device_->read_pkt_counters(*e.offload);
  if (!c.ok()) return;
  // The device keeps every count since the SA was added, as curlft does.
  e.curlft.packets = c->packets;
  e.curlft.bytes = c->bytes;
  if (c->packets && !e.curlft.use_time) e.curlft.use_time = now();
  // struct xfrm_stats has 32-bit counters.
  e.stats.replay_window = static_cast<uint32_t>(c->replay_window);
  e.stats.replay = static_cast<uint32_t>(c->replay);
  e.stats.integrity_failed = static_cast<uint32_t>(c->integrity_failed);
}

void XfrmStack::poll_device_events() {
  if (!device_) return;
  const driver::StatusOr<std::vector<driver::PktEvent>> events = device_->take_pkt_events();
  if (!events.ok()) return;
  for (const driver::PktEvent& ev : *events) {
    for (StateEntry& e : states_) {
      if (e.offload != ev.sa || e.expired) continue;
      update_packet_stats(e);  // the counts the expire carries: this state's only
      using driver::packet::EventKind;
      if (ev.kind == EventKind::kSoftBytes || ev.kind == EventKind::kSoftPackets) {
        if (!e.dying) {
          e.dying = true;
          expires_.push_back(KmExpire{e, false});
        }
      } else {
        e.expired = true;
      }
    }
  }
  reap_expired();
}

std::vector<KmExpire> XfrmStack::take_expires() {
  std::vector<KmExpire> out;
  out.swap(expires_);
  return out;
}

void XfrmStack::note_use(StateEntry& e, size_t bytes) {
  const uint64_t t = now();
  e.curlft.bytes += bytes;
  ++e.curlft.packets;
  if (!e.curlft.use_time) e.curlft.use_time = t;
  e.lastused = t;
}

// ---- output ------------------------------------------------------------------------------

StateEntry* XfrmStack::find_output_state(const XfrmTmpl& t, const Flow& flow) {
  // xfrm_tmpl_resolve_one: a transport template without addresses takes the flow's.
  const bool take_flow = t.mode == XfrmMode::kTransport;
  const driver::IpAddress daddr = take_flow && is_any(t.daddr) ? flow.dst : t.daddr;
  const driver::IpAddress saddr = take_flow && is_any(t.saddr) ? flow.src : t.saddr;
  for (auto it = states_.rbegin(); it != states_.rend(); ++it) {  // the newest first
    const XfrmState& x = it->state;
    if (x.proto != t.proto || x.mode != t.mode) continue;
    if (t.reqid && x.reqid != t.reqid) continue;
    if (t.spi && x.spi != t.spi) continue;
    if (x.daddr != daddr) continue;
    if (!is_any(saddr) && x.saddr != saddr) continue;
    if (!selector_match(x.selector, flow)) continue;
    return &*it;
  }
  return nullptr;
}

std::vector<driver::TxSkb> XfrmStack::output(const Bytes& frame) {
  const ReapOnReturn reap{this};
  const std::optional<IpHeader> ip = driver::parse_ip_frame(frame);
  if (!ip) return {driver::TxSkb{frame, std::nullopt, 0}};
  const Flow flow = driver::flow_of(frame, *ip);
  const XfrmPolicy* pol = policies_.lookup(PolicyDir::kOut, flow);
  if (!pol || (pol->action == PolicyAction::kAllow && pol->tmpls.empty())) {
    return {driver::TxSkb{frame, std::nullopt, 0}};
  }
  if (pol->action == PolicyAction::kBlock) {
    count(XfrmMib::kOutPolBlock);
    return {};
  }
  const XfrmTmpl& tmpl = pol->tmpls.front();
  StateEntry* entry = find_output_state(tmpl, flow);
  if (!entry) {
    if (tmpl.optional) return {driver::TxSkb{frame, std::nullopt, 0}};
    count(XfrmMib::kOutNoStates);  // the kernel would ask the key manager (acquire)
    return {};
  }
  return encapsulate(*entry, frame, *ip);
}

std::vector<driver::TxSkb> XfrmStack::encapsulate(StateEntry& e, const Bytes& frame,
                                                  const IpHeader& ip) {
  const Bytes f = slice(frame, 0, ip.end());  // Ethernet padding stays behind
  if (e.offloaded_out() && e.state.packet_offload() && device_) {
    // Packet offload (Linux 6.2's xfrm_output for XFRM_DEV_OFFLOAD_PACKET): the plain packet
    // goes to the driver with the state; the device takes the sequence number, builds ESP
    // and counts the lifetime (packet section P3).
    return {driver::TxSkb{f, driver::TxOffload{{*e.offload}, 0, 0}, 0}};
  }
  // mlx5e_ipsec_offload_ok: no IPv4 options, no IPv6 extension headers.
  const bool offload = e.offloaded_out() && device_ && !ip.has_options;
  if (!offload && !e.aead) {
    count(XfrmMib::kOutStateProtoError);
    return {};
  }
  // xfrm_output_one: the lifetime check comes before the sequence number is taken.
  if (!check_expire(e)) {
    count(XfrmMib::kOutStateExpired);
    return {};
  }
  const bool tunnel = e.state.mode == XfrmMode::kTunnel;

  // LSO: a TCP packet too large for the MTU once in ESP.
  if (offload && device_->caps().lso && ip.proto == ipproto::kTcp && !ip.fragment &&
      ip.l4() + 20 <= ip.end()) {
    const size_t tcp = ip.l4();
    const size_t tcp_hdr = std::max<size_t>(20, 4u * (f[tcp + 12] >> 4));
    const size_t outer =
        tunnel ? (e.state.family() == driver::AddressFamily::kInet6 ? driver::kIpv6HeaderBytes
                                                                    : driver::kIpv4HeaderBytes)
               : ip.headers_len;
    const size_t inner = tunnel ? ip.headers_len : 0;
    const size_t fixed = outer + kEspOverhead + inner + tcp_hdr + kMaxPadBytes +
                         driver::kEspTrailerBytes + kDeviceIcvBytes;
    const size_t data_at = tcp + tcp_hdr;
    const size_t data_len = data_at <= ip.end() ? ip.end() - data_at : 0;
    if (fixed + data_len > options_.mtu && fixed < options_.mtu && data_len > 0) {
      const size_t mss = std::min<size_t>(options_.mtu - fixed, 0xFFFF);
      const size_t per_send = driver::max_lso_segments(static_cast<uint16_t>(mss)) * mss;
      std::vector<driver::TxSkb> out;
      size_t segments_before = 0;
      for (size_t off = 0; off < data_len; off += per_send) {
        const size_t n = std::min(per_send, data_len - off);
        const uint32_t segs = static_cast<uint32_t>((n + mss - 1) / mss);
        Bytes chunk = slice(f, 0, data_at);
        chunk.insert(chunk.end(), f.begin() + static_cast<std::ptrdiff_t>(data_at + off),
                     f.begin() + static_cast<std::ptrdiff_t>(data_at + off + n));
        if (!ip.ipv6) {
          driver::store_be16(
              chunk, ip.at + 4,
              static_cast<uint16_t>(driver::load_be16(f, ip.at + 4) + segments_before));
        }
        driver::set_ip_length(chunk, ip, data_at - ip.at + n);
        driver::store_be32(chunk, tcp + 4,
                           driver::load_be32(f, tcp + 4) + static_cast<uint32_t>(off));
        if (off + n < data_len) chunk[tcp + 13] &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
        const std::optional<IpHeader> cip = driver::parse_ip(chunk, ip.at);
        const std::optional<uint64_t> seq = e.replay.next_output(segs);
        if (!seq || !cip) {
          count(XfrmMib::kOutStateSeqError);
          return out;
        }
        std::optional<driver::TxSkb> skb =
            build_esp(e, chunk, *cip, *seq, true, static_cast<uint16_t>(mss));
        if (skb) out.push_back(std::move(*skb));
        segments_before += segs;
      }
      return out;
    }
  }

  // Too large for the MTU once in ESP (LSO aside).
  const size_t limit = state_mtu(e, ip, offload);
  if (ip.total_len > limit) return too_big(e, f, ip, offload, limit);
  return esp_one(e, f, ip, offload);
}

std::vector<driver::TxSkb> XfrmStack::esp_one(StateEntry& e, const Bytes& f, const IpHeader& ip,
                                              bool offload) {
  const std::optional<uint64_t> seq = e.replay.next_output(1);
  if (!seq) {
    count(XfrmMib::kOutStateSeqError);  // the sequence number would cycle
    return {};
  }
  std::optional<driver::TxSkb> skb = build_esp(e, f, ip, *seq, offload, 0);
  if (!skb) return {};
  return {std::move(*skb)};
}

size_t XfrmStack::state_mtu(const StateEntry& e, const IpHeader& ip, bool offload) const {
  // esp4_get_mtu / esp6_get_mtu (v5.7): the largest datagram whose ESP fits in the MTU. The
  // payload and its 2 trailer bytes are padded to the AEAD's 4-byte block.
  const size_t icv = offload || !e.aead ? kDeviceIcvBytes : e.aead->icv_bytes;
  const bool tunnel = e.state.mode == XfrmMode::kTunnel;
  const size_t outer = tunnel ? (e.state.family() == driver::AddressFamily::kInet6
                                     ? driver::kIpv6HeaderBytes
                                     : driver::kIpv4HeaderBytes)
                              : ip.headers_len;
  const size_t fixed = outer + kEspOverhead + icv;
  if (options_.mtu < fixed + driver::kEspTrailerBytes) return 0;
  const size_t room = (options_.mtu - fixed) & ~size_t{3};
  return room - driver::kEspTrailerBytes + (tunnel ? 0 : ip.headers_len);
}

std::vector<driver::TxSkb> XfrmStack::too_big(StateEntry& e, const Bytes& f, const IpHeader& ip,
                                              bool offload, size_t limit) {
  const bool tunnel = e.state.mode == XfrmMode::kTunnel;
  const bool df = !ip.ipv6 && (f[ip.at + 6] & 0x40);
  if (ip.ipv6 || df) {
    // Refused, and the sender learns the MTU: EMSGSIZE through xfrm_local_error for the
    // host's own packets (ICMP "fragmentation needed" / ICMPv6 "packet too big" for
    // forwarded ones).
    // - IPv4 tunnel: xfrm4_tunnel_check_size in xfrm_output_one's outer-mode output counts
    //   XfrmOutStateModeError.
    // - IPv4 transport: nothing checks before ESP; the ESP datagram reaches ip_fragment with
    //   DF set: IpFragFails.
    // - IPv6, which routers never fragment: __xfrm6_output (tunnel) or ip6_fragment after
    //   ESP (transport) refuses; counted as Ip6FragFails.
    ++emsgsize_errors_;
    if (ip.ipv6) {
      ++ip_stats_[1].frag_fails;
    } else if (tunnel) {
      count(XfrmMib::kOutStateModeError);
    } else {
      ++ip_stats_[0].frag_fails;
    }
    return {};
  }
  std::vector<driver::TxSkb> out;
  if (tunnel) {
    // DF clear: the host's IP layer fragments its datagram to the MTU of the xfrm bundle
    // (ip_append_data / ip_fragment with dst_mtu = esp4_get_mtu), before ESP; each fragment
    // fits, and is offloaded as any packet.
    const std::vector<Bytes> fragments = driver::ipv4_fragment(f, ip, limit);
    if (fragments.empty()) {
      ++ip_stats_[0].frag_fails;
      return {};
    }
    ++ip_stats_[0].frag_oks;
    ip_stats_[0].frag_creates += fragments.size();
    for (const Bytes& frag : fragments) {
      const std::optional<IpHeader> fip = driver::parse_ip_frame(frag);
      if (!fip) continue;
      for (driver::TxSkb& skb : esp_one(e, frag, *fip, offload)) out.push_back(std::move(skb));
    }
    return out;
  }
  // Transport mode carries no fragments (RFC 4301 section 7): xfrm_dev_offload_ok refuses an
  // skb longer than the state's MTU, so software ESP seals it, and ip_fragment cuts the ESP
  // datagram (DF clear) into fragments that fit the MTU.
  if (!e.aead) {
    count(XfrmMib::kOutStateProtoError);
    return {};
  }
  for (driver::TxSkb& skb : esp_one(e, f, ip, false)) {
    const std::optional<IpHeader> outer = driver::parse_ip_frame(skb.frame);
    if (!outer) continue;
    const std::vector<Bytes> fragments = driver::ipv4_fragment(skb.frame, *outer, options_.mtu);
    if (fragments.empty()) {
      ++ip_stats_[0].frag_fails;
      continue;
    }
    ++ip_stats_[0].frag_oks;
    ip_stats_[0].frag_creates += fragments.size();
    for (const Bytes& frag : fragments) out.push_back(driver::TxSkb{frag, std::nullopt, 0});
  }
  return out;
}

std::optional<driver::TxSkb> XfrmStack::build_esp(StateEntry& e, const Bytes& f, const IpHeader& ip,
                                                  uint64_t seq, bool offload, uint16_t gso_size) {
  const XfrmState& x = e.state;
  const bool tunnel = x.mode == XfrmMode::kTunnel;
  Bytes out = slice(f, 0, driver::kMacAddrsBytes);  // the MACs
  Bytes payload;
  uint8_t next;
  bool outer_ipv6;
  if (tunnel) {
    outer_ipv6 = x.family() == driver::AddressFamily::kInet6;
    out.resize(driver::kEthHeaderBytes);
    driver::store_be16(out, driver::kMacAddrsBytes, ethertype(outer_ipv6));
    append(out, outer_header(x, f, ip, next_ipv4_id_++));
    payload = slice(f, ip.at, ip.end());
    next = ip.ipv6 ? ipproto::kIpv6 : ipproto::kIpip;
  } else {
    outer_ipv6 = ip.ipv6;
    out = slice(f, 0, ip.l4());
    out[ip.proto_field] = ipproto::kEsp;
    payload = slice(f, ip.l4(), ip.end());
    next = ip.proto;
  }
  const size_t protected_len = payload.size();

  Bytes esp(kEspOverhead, 0);
  driver::store_be32(esp, 0, x.spi);
  driver::store_be32(esp, 4, static_cast<uint32_t>(seq));
  if (offload) {
    // The stack builds trailer and ICV room as for software (esp_output_head); the driver
    // takes them off again and writes the IV (contract section 6). An LSO send has none.
    if (!gso_size) {
      append(payload, driver::esp_trailer(payload.size(), next));
      payload.resize(payload.size() + kDeviceIcvBytes, 0);
    }
  } else {
    const std::array<uint8_t, 8> iv = driver::seqiv_iv(seq, e.seqiv_salt);
    std::copy(iv.begin(), iv.end(), esp.begin() + driver::kEspHeaderBytes);
    append(payload, driver::esp_trailer(payload.size(), next));
    const Bytes icv =
        driver::esp_seal(*e.aead, iv, driver::esp_aad(x.spi, seq, x.flag_esn), payload);
    append(payload, icv);
  }
  append(out, esp);
  append(out, payload);
  IpHeader outer;
  outer.at = driver::kEthHeaderBytes;
  outer.ipv6 = outer_ipv6;
  driver::set_ip_length(out, outer, out.size() - outer.at);
  note_use(e, protected_len);

  driver::TxSkb skb{std::move(out), std::nullopt, gso_size};
  if (offload) skb.offload = driver::TxOffload{{*e.offload}, seq, next};
  return skb;
}

// ---- input -------------------------------------------------------------------------------

bool XfrmStack::policy_check_in(const Bytes& frame, const StateEntry* sp) {
  // __xfrm_policy_check for a packet delivered to this host.
  const std::optional<IpHeader> ip = driver::parse_ip_frame(frame);
  if (!ip) return true;
  const XfrmPolicy* pol = policies_.lookup(PolicyDir::kIn, driver::flow_of(frame, *ip));
  if (!pol) {
    // No policy: transport-mode protection is accepted, a tunnel's inner packet is not.
    if (sp && sp->state.mode != XfrmMode::kTransport) {
      count(XfrmMib::kInNoPols);
      return false;
    }
    return true;
  }
  if (pol->action == PolicyAction::kBlock) {
    count(XfrmMib::kInPolBlock);
    return false;
  }
  bool consumed = false;
  for (const XfrmTmpl& t : pol->tmpls) {
    if (sp && !consumed && state_ok(t, sp->state)) {
      consumed = true;
      continue;
    }
    if (t.optional && t.mode == XfrmMode::kTransport) continue;
    count(XfrmMib::kInTmplMismatch);
    return false;
  }
  if (sp && !consumed && sp->state.mode != XfrmMode::kTransport) {
    count(XfrmMib::kInTmplMismatch);
    return false;
  }
  return true;
}

std::optional<Bytes> XfrmStack::input(const driver::RxSkb& skb) {
  const ReapOnReturn reap{this};
  const Bytes& f = skb.frame;
  if (skb.offload && skb.offload->decapsulated) {
    // Packet offload: the device did the whole of ESP, replay check included (packet section
    // P4); the packet comes up with a secpath naming its state and meets only the inbound
    // policy check, as mlx5's packet-offload RX path hands it to the stack.
    const StateEntry* e = nullptr;
    for (const StateEntry& s : states_) {
      if (s.offload == skb.offload->sa) e = &s;
    }
    const std::optional<IpHeader> inner = driver::parse_ip_frame(f);
    if (!e || !inner) {
      count(XfrmMib::kInNoStates);
      return std::nullopt;
    }
    Bytes plain = slice(f, 0, inner->end());
    if (!policy_check_in(plain, e)) return std::nullopt;
    return plain;
  }
  const std::optional<IpHeader> ip = driver::parse_ip_frame(f);
  if (!ip) return f;  // not IP: up unchanged, no policy applies
  if (ip->proto != ipproto::kEsp || ip->fragment) {
    Bytes plain = slice(f, 0, ip->end());
    if (!policy_check_in(plain, nullptr)) return std::nullopt;
    return plain;
  }

  // xfrm_input with CRYPTO_DONE: the device's verdict first.
  if (skb.offload && skb.offload->status != driver::RxCryptoStatus::kSuccess) {
    if (skb.offload->status == driver::RxCryptoStatus::kAuthFailed) {
      for (StateEntry& e : states_) {
        if (e.offload == skb.offload->sa) ++e.stats.integrity_failed;
      }
    }
    count(XfrmMib::kInStateProtoError);
    return std::nullopt;
  }
  const size_t esp = ip->l4();
  if (esp + driver::kEspHeaderBytes > ip->end()) {
    count(XfrmMib::kInHdrError);
    return std::nullopt;
  }
  const uint32_t spi = driver::load_be32(f, esp);
  const uint32_t seq_lo = driver::load_be32(f, esp + 4);
  StateEntry* e = find_mutable(ip->dst, spi, XfrmProto::kEsp);
  if (!e) {
    count(XfrmMib::kInNoStates);
    return std::nullopt;
  }
  const bool crypto_done = skb.offload.has_value();
  if (!crypto_done && !e->aead) {
    count(XfrmMib::kInStateProtoError);
    return std::nullopt;
  }

  // The 64-bit sequence number and the replay check (RFC 4303 section 3.4.3).
  uint32_t seq_hi = e->replay.infer_seq_hi(seq_lo);
  if (e->state.flag_esn && crypto_done && e->offload && device_) {
    if (const driver::OffloadedSa* sa = device_->find(*e->offload)) {
      seq_hi = device_seq_hi(sa->attrs.esn, seq_lo);
    }
  }
  const uint64_t seq = uint64_t{seq_hi} << 32 | seq_lo;
  switch (e->replay.check(seq)) {
    case ReplayVerdict::kFresh:
      break;
    case ReplayVerdict::kReplayed:
      ++e->stats.replay;
      count(XfrmMib::kInStateSeqError);
      return std::nullopt;
    case ReplayVerdict::kTooOld:
      ++e->stats.replay_window;
      count(XfrmMib::kInStateSeqError);
      return std::nullopt;
    case ReplayVerdict::kInvalid:
      count(XfrmMib::kInStateSeqError);
      return std::nullopt;
  }
  // xfrm_input: the lifetime check after the replay check, before the payload is used.
  if (!check_expire(*e)) {
    count(XfrmMib::kInStateExpired);
    return std::nullopt;
  }

  // The payload: decrypted by the device, or by software ESP here.
  const size_t payload_at = esp + kEspOverhead;
  Bytes plain;
  uint8_t next = 0;
  bool trailer = true;
  if (crypto_done && skb.offload->no_trailer) {
    if (payload_at > ip->end()) {
      count(XfrmMib::kInHdrError);
      return std::nullopt;
    }
    plain = slice(f, payload_at, ip->end());
    next = skb.offload->proto;
    trailer = false;
  } else {
    const size_t icv = crypto_done ? kDeviceIcvBytes : e->aead->icv_bytes;
    if (payload_at + icv + driver::kEspTrailerBytes > ip->end()) {
      count(XfrmMib::kInStateProtoError);
      return std::nullopt;
    }
    plain = slice(f, payload_at, ip->end() - icv);
    if (!crypto_done) {
      std::array<uint8_t, 8> iv{};
      std::copy_n(f.begin() + static_cast<std::ptrdiff_t>(esp + driver::kEspHeaderBytes), 8,
                  iv.begin());
      const Bytes tag = slice(f, ip->end() - icv, ip->end());
      if (!driver::esp_open(*e->aead, iv, driver::esp_aad(spi, seq, e->state.flag_esn), plain,
                            tag)) {
        ++e->stats.integrity_failed;
        count(XfrmMib::kInStateProtoError);
        return std::nullopt;
      }
    }
  }
  if (trailer) {
    // esp_input_done2: pad length and next header; a pad length reaching into the data is
    // garbage.
    const size_t n = plain.size();
    const size_t padlen = plain[n - 2];
    next = plain[n - 1];
    if (padlen + driver::kEspTrailerBytes >= n) {
      count(XfrmMib::kInStateProtoError);
      return std::nullopt;
    }
    plain.resize(n - padlen - driver::kEspTrailerBytes);
  }

  e->replay.advance(seq);
  if (e->state.flag_esn && e->offloaded_in() && device_) {
    // xdo_dev_state_advance_esn: the driver queues a work item that sends MOD_SA_V2 when
    // the device's ESN state moved (mlx5e_xfrm_advance_esn_state).
    (void)device_->advance_esn_deferred(*e->offload, e->replay.state());
  }
  note_use(*e, plain.size());

  Bytes out;
  if (e->state.mode == XfrmMode::kTunnel) {
    const std::optional<IpHeader> inner = driver::parse_ip(plain, 0);
    if ((next != ipproto::kIpip && next != ipproto::kIpv6) || !inner ||
        inner->ipv6 != (next == ipproto::kIpv6)) {
      count(XfrmMib::kInStateModeError);
      return std::nullopt;
    }
    out = slice(f, 0, driver::kMacAddrsBytes);
    out.resize(driver::kEthHeaderBytes);
    driver::store_be16(out, driver::kMacAddrsBytes, ethertype(inner->ipv6));
    out.insert(out.end(), plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(inner->end()));
  } else {
    out = slice(f, 0, esp);
    out[ip->proto_field] = next;
    append(out, plain);
    driver::set_ip_length(out, *ip, out.size() - ip->at);
  }
  if (!policy_check_in(out, e)) return std::nullopt;
  return out;
}

// ---- stack, driver and NIC ---------------------------------------------------------------

std::vector<Bytes> XfrmStack::transmit(const Bytes& frame) {
  std::vector<Bytes> frames;
  for (driver::TxSkb& skb : output(frame)) {
    if (device_) {
      for (Bytes& f : driver::netdev_xmit(*device_, skb)) frames.push_back(std::move(f));
    } else {
      frames.push_back(std::move(skb.frame));
    }
  }
  return frames;
}

std::optional<Bytes> XfrmStack::receive(const Bytes& frame) {
  if (!device_) return input(driver::RxSkb{frame, std::nullopt});
  const std::optional<driver::RxSkb> skb = driver::ipsec_handle_rx(*device_, frame);
  if (!skb) return std::nullopt;
  return input(*skb);
}

}  // namespace ipsec::xfrm
