// The minimal host xfrm stack the driver serves: the SAD (states, what `ip xfrm state`
// manages) and the SPD (policies), the output path (policy lookup, the state of the
// policy's template, sequence numbers, transport or tunnel encapsulation, then either the
// device's offload or software ESP) and the input path (the device's crypto result or
// software ESP, anti-replay, decapsulation, the inbound policy check), with the kernel's
// per-state statistics and /proc/net/xfrm_stat counters.
//
// Choices where Linux leaves room or the contract is silent:
// - One template per policy (no bundles of nested transformations).
// - An outgoing packet takes the newest valid state matching its policy's template (as
//   xfrm_state_find's "best" state); a state with a selector must match the flow too.
// - Offload is used for a packet when its state is offloaded for output and the packet has
//   no IPv4 options or IPv6 extension headers (mlx5e_ipsec_offload_ok); otherwise the state's
//   packets go through software ESP, as do all packets of states not offloaded.
// - LSO: a TCP packet on an offloaded state whose ESP datagram would exceed the MTU is sent
//   as LSO when the device offers it, with the largest MSS that keeps every segment within
//   the MTU; a send is split so that the device's segment index is exact for each segment
//   (max_lso_segments).
// - Other packets too large for the MTU once in ESP (the frames `send host` gives stand for
//   the host's own datagrams): IPv4 without DF in tunnel mode is fragmented before ESP, as
//   the IP layer does to the xfrm bundle's MTU; in transport mode (which carries no
//   fragments) it goes through software ESP and the ESP datagram is fragmented. IPv4 with
//   DF and IPv6 are refused (EMSGSIZE), counted as the kernel does (see too_big()). The
//   input path does not reassemble: fragments of an ESP datagram pass up as they are.
// - ESN on receive: the high half of a sequence number decrypted by the device is the one
//   the device inferred from the SA's esn and overlap fields (contract section 7), so that
//   the replay window and the device never disagree; software ESP infers it as the kernel
//   (xfrm_replay_seqhi, RFC 4303 appendix A).
// - Per-state bytes count the data ESP protects: the upper layer in transport mode, the
//   inner packet in tunnel mode; an LSO send counts as one packet, as the kernel's
//   xfrm_output_one counts one GSO skb.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "datapath.h"
#include "esp_sw.h"
#include "ipsec_device.h"
#include "policy.h"
#include "replay.h"

namespace ipsec::xfrm {

using driver::Bytes;

// The kernel's LINUX_MIB_XFRM* counters, in /proc/net/xfrm_stat order.
enum class XfrmMib : size_t {
  kInError,
  kInBufferError,
  kInHdrError,
  kInNoStates,
  kInStateProtoError,
  kInStateModeError,
  kInStateSeqError,
  kInStateExpired,
  kInStateMismatch,
  kInStateInvalid,
  kInTmplMismatch,
  kInNoPols,
  kInPolBlock,
  kInPolError,
  kOutError,
  kOutBundleGenError,
  kOutBundleCheckError,
  kOutNoStates,
  kOutStateProtoError,
  kOutStateModeError,
  kOutStateSeqError,
  kOutStateExpired,
  kOutPolBlock,
  kOutPolDead,
  kOutPolError,
  kFwdHdrError,
  kOutStateInvalid,
  kAcquireError,
  kCount,
};
inline constexpr size_t kXfrmMibCount = static_cast<size_t>(XfrmMib::kCount);
// "XfrmInError", ...: the names /proc/net/xfrm_stat shows.
const std::array<const char*, kXfrmMibCount>& xfrm_mib_names();

// The fragmentation counters of /proc/net/snmp and /proc/net/snmp6 (IPSTATS_MIB_FRAGOKS,
// _FRAGFAILS, _FRAGCREATES) for what the output path fragments or refuses.
inline constexpr size_t kIpFragCounterCount = 6;
// "IpFragOKs", "IpFragFails", "IpFragCreates", "Ip6FragOKs", "Ip6FragFails", "Ip6FragCreates"
// (nstat's names).
const std::array<const char*, kIpFragCounterCount>& ip_frag_counter_names();

struct IpFragStats {
  uint64_t frag_oks = 0;      // datagrams fragmented
  uint64_t frag_fails = 0;    // datagrams too large that could not be (DF, IPv6)
  uint64_t frag_creates = 0;  // fragments made
};

// struct xfrm_lifetime_cur.
struct XfrmLifetimeCur {
  uint64_t bytes = 0;
  uint64_t packets = 0;
  uint64_t add_time = 0;  // seconds since the epoch
  uint64_t use_time = 0;  // first use; 0: never
};

// struct xfrm_stats.
struct XfrmStateStats {
  uint32_t replay_window = 0;     // left of the window
  uint32_t replay = 0;            // seen before
  uint32_t integrity_failed = 0;  // ICV mismatch
};

// One state of the SAD.
struct StateEntry {
  driver::XfrmState state;              // as added
  ReplayWindow replay;                  // the live sequence numbers and window
  std::optional<driver::SaId> offload;  // the device holds it (xso.offload_handle)
  std::string software_reason;          // why a state that asked for offload is not offloaded
  std::optional<driver::EspAead> aead;  // software ESP's key; nothing: an algorithm it lacks
  std::array<uint8_t, 8> seqiv_salt{};  // the seqiv generator's per-state random salt
  XfrmLifetimeCur curlft;
  uint64_t lastused = 0;
  XfrmStateStats stats;

  bool dying = false;    // x->km.dying: the soft expire was sent
  bool expired = false;  // XFRM_STATE_EXPIRED: hard limit reached, deleted on the way out

  bool offloaded_out() const { return offload && !state.inbound(); }
  bool offloaded_in() const { return offload && state.inbound(); }
};

struct StackOptions {
  uint32_t mtu = 1500;  // the interface MTU (`ip link set dev DEV mtu N`)
  uint64_t seed = 0;    // seqiv salts of software states, IPv4 identifications
  // Wall-clock seconds since the epoch (lifetimes, lastused); empty: time().
  std::function<uint64_t()> clock;
};

// An expire the kernel sends to the key manager (km_state_expired, XFRM_MSG_EXPIRE), which
// `ip xfrm monitor expire` prints: the state as it was, soft (hard 0) or hard (hard 1).
struct KmExpire {
  StateEntry state;
  bool hard = false;
};

// The outcome of `ip xfrm state add`.
struct AddStateResult {
  driver::Status status;        // what netlink answers (0 or a negative errno)
  bool driver_refused = false;  // the driver refused it (its reason is in the kernel log)
  // On success: a limit of this simulator's software ESP the state runs into, if any (why
  // an offload request fell back to software is the state's software_reason).
  std::string note;
  // Linux 6.2's extended ack, which iproute2 prints as "Error: <extack>." in place of
  // "RTNETLINK answers: ...": packet offload's refusals have one (v5.7's xfrm has none).
  std::string extack;
};

class XfrmStack {
 public:
  // `device` may be null: a host without the offload device, whose states all stay in
  // software (an offload request then fails with -ENODEV).
  explicit XfrmStack(driver::IpsecDevice* device, StackOptions options = {});
  XfrmStack(const XfrmStack&) = delete;
  XfrmStack& operator=(const XfrmStack&) = delete;

  // ---- SAD (ip xfrm state) ----
  // The kernel's checks (verify_newsa_info, esp_init_state), a duplicate (same dst, spi and
  // protocol: -EEXIST), then the device when the state asks for offload: its -EOPNOTSUPP
  // leaves the state in software, any other error fails the add.
  AddStateResult add_state(const driver::XfrmState& state);
  // By iproute2's keys: dst, spi, protocol (the kernel's xfrm_state_lookup; src is not a
  // key). -ESRCH when there is none. An offloaded state is deleted from the device too.
  driver::Status delete_state(const driver::IpAddress& daddr, uint32_t spi,
                              driver::XfrmProto proto);
  // Deletes every state (one DEL per offloaded one); succeeds on an empty SAD.
  void flush_states();
  // In the kernel's dump order: the newest state first.
  std::vector<const StateEntry*> states() const;
  const StateEntry* find_state(const driver::IpAddress& daddr, uint32_t spi,
                               driver::XfrmProto proto) const;

  // ---- SPD (ip xfrm policy) ----
  // xfrm_add_policy: a policy with `offload packet dev DEV` goes to the device first
  // (xfrm_dev_policy_add, Linux 6.2): its refusal fails the add, with its extended ack in
  // `extack`; then the SPD's own checks (PolicyTable::add).
  driver::Status add_policy(XfrmPolicy policy, std::string* extack = nullptr);
  PolicyTable& policies() { return policies_; }
  const PolicyTable& policies() const { return policies_; }

  // ---- datapath, layer by layer ----
  // A frame the host sends: the skbs for the driver (none when the stack drops it).
  std::vector<driver::TxSkb> output(const Bytes& frame);
  // A frame the driver passed up: the frame delivered to the host's upper layers, or
  // nothing when the stack drops it.
  std::optional<Bytes> input(const driver::RxSkb& skb);

  // ---- datapath, stack, driver and NIC together ----
  // The frames that leave the NIC for the engine's host TX port.
  std::vector<Bytes> transmit(const Bytes& frame);
  // A frame from the engine's host RX port, through the driver and the stack.
  std::optional<Bytes> receive(const Bytes& frame);

  // `ip link set dev DEV mtu N`: what ESP datagrams must fit in from now on.
  void set_mtu(uint32_t mtu);
  uint32_t mtu() const { return options_.mtu; }
  // Packets refused with EMSGSIZE: too large for the MTU once in ESP and not to be
  // fragmented (IPv4 DF, IPv6).
  uint64_t emsgsize_errors() const { return emsgsize_errors_; }
  // In ip_frag_counter_names() order.
  std::array<uint64_t, kIpFragCounterCount> ip_frag_counters() const;

  // The expires sent since the last call, oldest first (xfrm_state_check_expire: byte and
  // packet limits, `limit byte-soft N ...`).
  std::vector<KmExpire> take_expires();

  // ---- packet offload (docs/packet_offload.md) ----
  // xdo_dev_state_update_stats for every packet-offloaded state, as Linux 6.9's state dump
  // calls it (6.2-6.8: xdo_dev_state_update_curlft): the device's counts into curlft and
  // stats (packet section P5). A state the device cannot read keeps its old counts.
  void update_packet_stats();
  // The same for one state (nothing for a state not packet-offloaded).
  void update_packet_stats(StateEntry& entry);
  // The device's events (packet section P6): the state's counts refreshed, then a soft event
  // sends the soft expire once and a hard one (a hard limit, sequence-number exhaustion)
  // expires and deletes the state, as the driver's handler does by xfrm_state_check_expire.
  void poll_device_events();

  uint64_t mib(XfrmMib counter) const { return mib_[static_cast<size_t>(counter)]; }
  const std::array<uint64_t, kXfrmMibCount>& mib() const { return mib_; }
  driver::IpsecDevice* device() const { return device_; }
  uint64_t now() const;

 private:
  StateEntry* find_mutable(const driver::IpAddress& daddr, uint32_t spi, driver::XfrmProto proto);
  StateEntry* find_output_state(const XfrmTmpl& tmpl, const Flow& flow);
  std::vector<driver::TxSkb> encapsulate(StateEntry& entry, const Bytes& frame,
                                         const driver::IpHeader& ip);
  std::vector<driver::TxSkb> esp_one(StateEntry& entry, const Bytes& frame,
                                     const driver::IpHeader& ip, bool offload);
  // The largest datagram of `ip`'s kind whose ESP fits in the MTU (esp4_get_mtu).
  size_t state_mtu(const StateEntry& entry, const driver::IpHeader& ip, bool offload) const;
  std::vector<driver::TxSkb> too_big(StateEntry& entry, const Bytes& frame,
                                     const driver::IpHeader& ip, bool offload, size_t limit);
  // xfrm_dev_state_delete now, xfrm_dev_state_free from the GC work.
  void dev_state_delete(driver::SaId id);
  std::optional<driver::TxSkb> build_esp(StateEntry& entry, const Bytes& frame,
                                         const driver::IpHeader& ip, uint64_t seq, bool offload,
                                         uint16_t gso_size);
  bool policy_check_in(const Bytes& frame, const StateEntry* protected_by);
  void count(XfrmMib counter) { ++mib_[static_cast<size_t>(counter)]; }
  // xfrm_state_check_expire, before a packet is counted: false when a hard limit is reached
  // (the packet is dropped, the state expires); a soft limit sends the soft expire once.
  bool check_expire(StateEntry& entry);
  // xfrm_timer_handler for the states check_expire expired: the hard expire, then the
  // delete (and the device's, for an offloaded state). Run when a packet's processing ends.
  void reap_expired();
  struct ReapOnReturn {
    XfrmStack* stack;
    ~ReapOnReturn() { stack->reap_expired(); }
  };
  void note_use(StateEntry& entry, size_t bytes);

  driver::IpsecDevice* device_;
  StackOptions options_;
  std::list<StateEntry> states_;  // oldest first
  PolicyTable policies_;
  std::array<uint64_t, kXfrmMibCount> mib_{};
  std::array<IpFragStats, 2> ip_stats_{};  // IPv4, IPv6
  uint64_t emsgsize_errors_ = 0;
  std::vector<KmExpire> expires_;
  uint64_t rng_state_;
  uint16_t next_ipv4_id_;
};

}  // namespace ipsec::xfrm
