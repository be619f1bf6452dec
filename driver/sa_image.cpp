#include "sa_image.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>

#include "byte_order.h"

namespace ipsec::driver {

namespace {

// IPv6: the 16 bytes; IPv4: the last word of the 16-byte field, the rest zero.
void put_address(uint8_t* field, const IpAddress& a) {
  if (a.is_v4()) {
    std::memcpy(field + sa_image::kIpv4InAddr, a.data(), 4);
  } else if (a.is_v6()) {
    std::memcpy(field, a.data(), 16);
  }
}

template <size_t N>
std::array<uint8_t, N> take(const uint8_t* p) {
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), p, N);
  return out;
}

std::string address_text(const std::array<uint8_t, 16>& field, bool ipv6) {
  if (ipv6) return IpAddress::v6(field).to_string();
  return IpAddress::v4(take<4>(&field[sa_image::kIpv4InAddr])).to_string();
}

}  // namespace

SaImage::SaImage(const Array& bytes) : bytes_(bytes) {
  store_be32(&bytes_[sa_image::kCmd], 0);
}

std::vector<uint8_t> SaImage::command(SaOpcode op) const {
  const size_t length = command_length(op);
  assert(length == kSaImageV1Bytes || length == kSaImageV2Bytes);
  std::vector<uint8_t> cmd(bytes_.begin(), bytes_.begin() + length);
  store_be32(&cmd[sa_image::kCmd], static_cast<uint32_t>(op));
  return cmd;
}

PktSaParams pkt_sa_params(const XfrmState& x) {
  PktSaParams p;
  p.mode = x.mode == XfrmMode::kTunnel ? packet::PktMode::kTunnel : packet::PktMode::kTransport;
  const XfrmReplayState& r = x.replay;
  if (x.inbound()) {
    p.replay_words = static_cast<uint8_t>(x.replay_window / 32);
    p.seq = (x.flag_esn ? uint64_t{r.seq_hi} << 32 : 0) | r.seq;
  } else {
    p.seq = ((x.flag_esn ? uint64_t{r.oseq_hi} << 32 : 0) | r.oseq) + 1;
  }
  p.soft_bytes = x.lft.soft_byte_limit;
  p.hard_bytes = x.lft.hard_byte_limit;
  p.soft_packets = x.lft.soft_packet_limit;
  p.hard_packets = x.lft.hard_packet_limit;
  if (p.mode == packet::PktMode::kTunnel && !x.inbound()) {
    p.ttl = 64;
    p.tunnel_flags = packet::kTunnelFlagCopyDscp | packet::kTunnelFlagCopyDf;
  }
  return p;
}

std::vector<uint8_t> build_add_sa_pkt_command(const SaImage& image, const PktSaParams& p) {
  std::vector<uint8_t> cmd(packet::kSaImageBytes, 0);
  std::copy(image.bytes().begin(), image.bytes().end(), cmd.begin());
  store_be32(&cmd[sa_image::kCmd], static_cast<uint32_t>(SaOpcode::kAddSaPkt));
  namespace im = packet::image;
  cmd[im::kMode] = static_cast<uint8_t>(p.mode);
  cmd[im::kReplayWords] = p.replay_words;
  auto be64 = [&cmd](size_t at, uint64_t v) {
    store_be32(&cmd[at], static_cast<uint32_t>(v >> 32));
    store_be32(&cmd[at + 4], static_cast<uint32_t>(v));
  };
  be64(im::kSeq, p.seq);
  be64(im::kSoftBytes, p.soft_bytes);
  be64(im::kHardBytes, p.hard_bytes);
  be64(im::kSoftPackets, p.soft_packets);
  be64(im::kHardPackets, p.hard_packets);
  cmd[im::kTtl] = p.ttl;
  cmd[im::kTclass] = p.tclass;
  cmd[im::kTunnelFlags] = p.tunnel_flags;
  store_be32(&cmd[im::kFlowLabel], p.flow_label & 0xFFFFFu);
  return cmd;
}

SaImage build_sa_image(const AccelAttrs& attrs) {
  SaImage::Array b{};
  const AesGcmKeymat& k = attrs.keymat;
  assert(k.key.size() == 16 || k.key.size() == 32);

  // key_enc: a 128-bit key is written twice, "according to HW layout".
  std::copy(k.key.begin(), k.key.end(), &b[sa_image::kKeyEnc]);
  if (k.key.size() == 16) std::copy(k.key.begin(), k.key.end(), &b[sa_image::kKeyEnc + 16]);
  // key_auth stays zero: GCM authenticates with the encryption key.

  put_address(&b[sa_image::kSip], attrs.saddr);
  put_address(&b[sa_image::kDip], attrs.daddr);
  std::copy(k.seq_iv.begin(), k.seq_iv.end(), &b[sa_image::kSaltIv]);
  std::copy(k.salt.begin(), k.salt.end(), &b[sa_image::kSalt]);
  store_be32(&b[sa_image::kSpi], attrs.spi);
  store_be32(&b[sa_image::kSwSaHandle], attrs.sa_handle);
  b[sa_image::kEncMode] = static_cast<uint8_t>(k.key.size() == 16 ? EncMode::kAesGcm128
                                                                  : EncMode::kAesGcm256);

  uint8_t flags = kSaFlagsAlways;
  if (attrs.action == EspAction::kEncrypt) flags |= kSaFlagDirSx;
  if (attrs.ipv6) flags |= kSaFlagIpv6;
  if (attrs.esn.triggered) {
    flags |= kSaFlagEsnEn;
    if (attrs.esn.overlap) flags |= kSaFlagEsnOverlap;
    store_be32(&b[sa_image::kEsn], attrs.esn.esn);
  }
  b[sa_image::kFlags] = flags;
  return SaImage(b);
}

std::vector<uint8_t> build_set_cap_command(uint32_t flags) {
  std::vector<uint8_t> cmd(kSetCapBytes, 0);
  store_be32(&cmd[0], static_cast<uint32_t>(SaOpcode::kSetCap));
  store_be32(&cmd[kSetCapFlagsOffset], flags);
  return cmd;
}

SaImageFields decode_sa_image(const uint8_t* bytes, size_t size) {
  std::array<uint8_t, kSaImageV2Bytes> b{};
  std::memcpy(b.data(), bytes, std::min(size, b.size()));
  SaImageFields f;
  f.cmd = load_be32(&b[sa_image::kCmd]);
  f.key_enc = take<32>(&b[sa_image::kKeyEnc]);
  f.key_auth = take<32>(&b[sa_image::kKeyAuth]);
  f.sip = take<16>(&b[sa_image::kSip]);
  f.dip = take<16>(&b[sa_image::kDip]);
  f.reserved_64 = load_be32(&b[sa_image::kReserved64]);
  f.salt_iv = take<8>(&b[sa_image::kSaltIv]);
  f.salt = load_be32(&b[sa_image::kSalt]);
  f.spi = load_be32(&b[sa_image::kSpi]);
  f.sw_sa_handle = load_be32(&b[sa_image::kSwSaHandle]);
  f.tfclen = load_be16(&b[sa_image::kTfcLen]);
  f.enc_mode = b[sa_image::kEncMode];
  f.reserved_7f = load_be16(&b[sa_image::kReserved7F]);
  f.flags = b[sa_image::kFlags];
  f.reserved_82 = load_be16(&b[sa_image::kReserved82]);
  f.udp_sp = load_be16(&b[sa_image::kUdpSp]);
  f.udp_dp = load_be16(&b[sa_image::kUdpDp]);
  f.reserved_88 = load_be32(&b[sa_image::kReserved88]);
  f.esn = load_be32(&b[sa_image::kEsn]);
  f.vid = load_be16(&b[sa_image::kVid]);
  f.reserved_92 = load_be16(&b[sa_image::kReserved92]);
  f.v2 = size >= kSaImageV2Bytes;
  return f;
}

std::string describe(const SaImageFields& f) {
  const bool ipv6 = (f.flags & kSaFlagIpv6) != 0;
  char text[160];
  std::snprintf(text, sizeof text, " spi 0x%08x", f.spi);
  std::string s = opcode_name(f.cmd) + text;
  s += " sip " + address_text(f.sip, ipv6) + " dip " + address_text(f.dip, ipv6);
  std::snprintf(text, sizeof text, " %s handle %u enc_mode %u flags 0x%02x esn %u",
                (f.flags & kSaFlagDirSx) ? "tx" : "rx", f.sw_sa_handle, f.enc_mode, f.flags,
                f.esn);
  return s + text;
}

}  // namespace ipsec::driver
