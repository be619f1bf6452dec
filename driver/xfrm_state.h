// An xfrm state as `ip xfrm state add` builds it (struct xfrm_state and the netlink
// attributes that fill it), reduced to what matters for offload.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "status.h"

namespace ipsec::driver {

using Bytes = std::vector<uint8_t>;

// AF_* values of Linux.
enum class AddressFamily : uint8_t {
  kUnspec = 0,
  kInet = 2,
  kInet6 = 10,
};

// An IPv4 or IPv6 address (xfrm_address_t with its family).
class IpAddress {
 public:
  IpAddress() = default;  // AF_UNSPEC, all zero

  static IpAddress v4(uint32_t address);  // host order: 0x0a000001 is 10.0.0.1
  static IpAddress v4(const std::array<uint8_t, 4>& bytes);
  static IpAddress v6(const std::array<uint8_t, 16>& bytes);
  // "10.0.0.1" or "2001:db8::1"; nothing when it is neither.
  static std::optional<IpAddress> parse(const std::string& text);

  AddressFamily family() const { return family_; }
  bool is_v4() const { return family_ == AddressFamily::kInet; }
  bool is_v6() const { return family_ == AddressFamily::kInet6; }
  // Network order: 4 bytes for IPv4, 16 for IPv6, none for AF_UNSPEC.
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const;
  std::string to_string() const;

  bool operator==(const IpAddress& o) const {
    return family_ == o.family_ && bytes_ == o.bytes_;
  }
  bool operator!=(const IpAddress& o) const { return !(*this == o); }

 private:
  AddressFamily family_ = AddressFamily::kUnspec;
  std::array<uint8_t, 16> bytes_{};  // IPv4 in the first 4 bytes, like xfrm_address_t.a4
};

// IPPROTO_* of the state's id.
enum class XfrmProto : uint8_t {
  kEsp = 50,
  kAh = 51,
  kComp = 108,
};

// XFRM_MODE_* values.
enum class XfrmMode : uint8_t {
  kTransport = 0,
  kTunnel = 1,
  kRouteOptimization = 2,
  kInTrigger = 3,
  kBeet = 4,
};

// The SADB (PF_KEY) algorithm ids the kernel keeps in x->props.{aalgo,ealgo,calgo}. The
// driver's validation (contract section 8) reads these, not the algorithm names.
namespace sadb {
inline constexpr uint8_t kAalgNone = 0;
inline constexpr uint8_t kAalgMd5Hmac = 2;
inline constexpr uint8_t kAalgSha1Hmac = 3;
inline constexpr uint8_t kAalgSha256Hmac = 5;
inline constexpr uint8_t kAalgSha384Hmac = 6;
inline constexpr uint8_t kAalgSha512Hmac = 7;
inline constexpr uint8_t kEalgNone = 0;
inline constexpr uint8_t kEalg3DesCbc = 3;
inline constexpr uint8_t kEalgNull = 11;
inline constexpr uint8_t kEalgAesCbc = 12;
inline constexpr uint8_t kEalgAesCtr = 13;
inline constexpr uint8_t kEalgAesCcmIcv8 = 14;
inline constexpr uint8_t kEalgAesCcmIcv12 = 15;
inline constexpr uint8_t kEalgAesCcmIcv16 = 16;
inline constexpr uint8_t kEalgAesGcmIcv8 = 18;
inline constexpr uint8_t kEalgAesGcmIcv12 = 19;
inline constexpr uint8_t kEalgAesGcmIcv16 = 20;
inline constexpr uint8_t kEalgNullAesGmac = 23;
inline constexpr uint8_t kCalgNone = 0;
inline constexpr uint8_t kCalgDeflate = 2;
inline constexpr uint8_t kCalgLzs = 3;
inline constexpr uint8_t kCalgLzjh = 4;
}  // namespace sadb

// The AES-GCM AEAD of RFC 4106, the only one the device offloads.
inline constexpr const char* kAeadRfc4106Gcm = "rfc4106(gcm(aes))";
inline constexpr const char* kGenivSeqiv = "seqiv";

// xfrm_algo_aead: key material is key || 4-byte salt for rfc4106.
struct AeadAlgorithm {
  std::string name;  // "rfc4106(gcm(aes))"
  Bytes key;         // alg_key_len = 8 * key.size()
  uint32_t icv_bits = 128;
};
// xfrm_algo_auth.
struct AuthAlgorithm {
  std::string name;  // "hmac(sha256)"
  Bytes key;
  uint32_t trunc_bits = 0;
};
// xfrm_algo for XFRMA_ALG_CRYPT.
struct CryptAlgorithm {
  std::string name;  // "cbc(aes)"
  Bytes key;
};
// xfrm_algo for XFRMA_ALG_COMP.
struct CompAlgorithm {
  std::string name;  // "deflate"
};

// x->props' algorithm ids.
struct XfrmAlgIds {
  uint8_t aalgo = sadb::kAalgNone;
  uint8_t ealgo = sadb::kEalgNone;
  uint8_t calgo = sadb::kCalgNone;
};

// UDP encapsulation (NAT-T), XFRMA_ENCAP.
struct XfrmEncap {
  uint16_t type = 2;  // UDP_ENCAP_ESPINUDP
  uint16_t sport = 4500;
  uint16_t dport = 4500;
  IpAddress oa;  // encap_oa: the original address before NAT (iproute2's OADDR)
};

// iproute2's replay-seq, replay-oseq, replay-seq-hi, replay-oseq-hi: the highest sequence
// number received and the last one sent (xfrm_replay_state_esn).
struct XfrmReplayState {
  uint32_t seq = 0;
  uint32_t oseq = 0;
  uint32_t seq_hi = 0;
  uint32_t oseq_hi = 0;
};

// The traffic selector (`sel src P dst P proto T`); a zero prefix matches everything.
struct XfrmSelector {
  IpAddress saddr;
  IpAddress daddr;
  uint8_t prefixlen_s = 0;
  uint8_t prefixlen_d = 0;
  uint8_t proto = 0;  // 0: any
  uint16_t sport = 0;
  uint16_t sport_mask = 0;
  uint16_t dport = 0;
  uint16_t dport_mask = 0;
};

enum class OffloadDirection : uint8_t { kOut, kIn };

// What the device does for an offloaded state (xso.type, Linux 6.2): crypto offload, the
// Innova's (the stack builds ESP, the device encrypts), or packet offload (the device does
// the whole of ESP: docs/packet_offload.md). Linux 5.7 knows crypto offload only.
enum class OffloadType : uint8_t { kCrypto, kPacket };

// `offload [crypto|packet] dev DEV dir in|out` (XFRMA_OFFLOAD_DEV; `packet` is
// XFRM_OFFLOAD_PACKET).
struct XfrmOffloadRequest {
  std::string dev;
  OffloadDirection dir = OffloadDirection::kOut;
  OffloadType type = OffloadType::kCrypto;
};

// xfrm_lifetime_cfg's byte and packet limits (`limit byte-soft N ...`); all ones, XFRM_INF,
// is none, as iproute2 sends when no limit is given.
inline constexpr uint64_t kXfrmInf = ~uint64_t{0};
struct XfrmLifetimeCfg {
  uint64_t soft_byte_limit = kXfrmInf;
  uint64_t hard_byte_limit = kXfrmInf;
  uint64_t soft_packet_limit = kXfrmInf;
  uint64_t hard_packet_limit = kXfrmInf;
};

struct XfrmState {
  // id: (daddr, spi, proto); props.saddr.
  IpAddress saddr;
  IpAddress daddr;
  XfrmProto proto = XfrmProto::kEsp;
  uint32_t spi = 0;  // host order
  uint32_t reqid = 0;
  XfrmMode mode = XfrmMode::kTransport;

  XfrmAlgIds props;  // set by the attach_* functions, as the kernel's xfrm_user does
  std::optional<AeadAlgorithm> aead;
  std::optional<AuthAlgorithm> auth;
  std::optional<CryptAlgorithm> enc;
  std::optional<CompAlgorithm> comp;
  std::string geniv;  // IV generator of the cipher ("seqiv" for rfc4106); empty: none

  std::optional<XfrmEncap> encap;
  uint32_t tfcpad = 0;
  uint32_t replay_window = 0;
  bool flag_esn = false;  // XFRM_STATE_ESN
  XfrmReplayState replay;
  XfrmSelector selector;
  std::optional<XfrmOffloadRequest> offload;
  XfrmLifetimeCfg lft;

  // The family of the state (props.family): the addresses' family when both agree,
  // AF_UNSPEC otherwise.
  AddressFamily family() const;
  bool inbound() const { return offload && offload->dir == OffloadDirection::kIn; }
  bool packet_offload() const { return offload && offload->type == OffloadType::kPacket; }

  // Attach an algorithm as the kernel's xfrm_user does (attach_aead, attach_auth_trunc,
  // attach_one_algo): look it up by name (and ICV length), record its SADB id in props and,
  // for ciphers, its IV generator in geniv. -ENOSYS for an algorithm the kernel does not
  // know, as `ip xfrm state add` reports it.
  Status attach_aead(AeadAlgorithm alg);
  Status attach_auth(AuthAlgorithm alg);
  Status attach_enc(CryptAlgorithm alg);
  Status attach_comp(CompAlgorithm alg);
};

}  // namespace ipsec::driver
