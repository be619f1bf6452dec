#include "datapath.h"

#include <algorithm>

#include "esp_sw.h"

namespace ipsec::driver {

namespace {

// Where the IP header of a frame carrying metadata starts: MACs, 8 metadata bytes, the
// original EtherType (contract section 5).
constexpr size_t kMetaIpOffset = kMetadataFrameOffset + kMetadataBytes + 2;
constexpr uint16_t kLsoSeqWrap = 0xFFFF;

// TCP flags the NIC handles per segment.
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;

Bytes remove_range(const Bytes& f, size_t at, size_t n) {
  Bytes out(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(at));
  out.insert(out.end(), f.begin() + static_cast<std::ptrdiff_t>(at + n), f.end());
  return out;
}

// Where the TCP header of an ESP payload starts: at the payload (transport) or after the
// inner IP header (tunnel). Nothing when there is no TCP header there.
std::optional<size_t> tcp_header_at(const Bytes& f, size_t payload, bool tunnel, size_t end) {
  size_t tcp = payload;
  if (tunnel) {
    const std::optional<IpHeader> inner = parse_ip(f, payload);
    if (!inner || inner->proto != ipproto::kTcp || inner->end() > end) return std::nullopt;
    tcp = inner->l4();
  }
  if (tcp + 20 > end) return std::nullopt;
  return tcp;
}

}  // namespace

uint16_t mss_inverse(uint16_t mss) {
  // mlx5e_ipsec_build_inverse_table: (2^32 / mss) >> 16, and 0xFFFF for an MSS of 1.
  if (mss <= 1) return 0xFFFF;
  return static_cast<uint16_t>((uint64_t{1} << 32) / mss >> 16);
}

uint32_t lso_segment_index(uint16_t tcp_seq_lo16, uint16_t meta_seq, uint16_t mss_inv) {
  const uint32_t delta = static_cast<uint16_t>(tcp_seq_lo16 - meta_seq);
  return (delta * mss_inv + 0x8000u) >> 16;
}

uint32_t max_lso_segments(uint16_t mss) {
  if (mss == 0) return 1;
  const uint16_t inv = mss_inverse(mss);
  uint32_t k = 1;
  while (uint64_t{k} * mss <= kLsoSeqWrap &&
         lso_segment_index(static_cast<uint16_t>(k * mss), 0, inv) == k) {
    ++k;
  }
  return k;
}

Bytes insert_tx_metadata(const Bytes& frame, uint8_t syndrome, uint16_t mss_inv, uint16_t seq,
                         uint8_t esp_next_proto) {
  Bytes out(frame.begin(), frame.begin() + kMetadataFrameOffset);
  out.resize(kMetadataFrameOffset + kMetadataBytes);
  store_be16(out, kMetadataFrameOffset + metadata::kEthertype, kMetadataEthertype);
  out[kMetadataFrameOffset + metadata::kSyndrome] = syndrome;
  store_be16(out, kMetadataFrameOffset + metadata::kTxMssInv, mss_inv);
  store_be16(out, kMetadataFrameOffset + metadata::kTxSeq, seq);
  out[kMetadataFrameOffset + metadata::kTxEspNextProto] = esp_next_proto;
  out.insert(out.end(), frame.begin() + kMetadataFrameOffset, frame.end());
  return out;
}

std::optional<Bytes> ipsec_handle_tx(IpsecDevice& dev, const TxSkb& skb) {
  if (!skb.offload) return skb.frame;
  SwCounters& sw = dev.sw_counters();
  const TxOffload& xo = *skb.offload;
  if (xo.sec_path.size() != 1) {
    ++sw.tx_drop_bundle;
    return std::nullopt;
  }
  const OffloadedSa* sa = dev.find(xo.sec_path.front());
  if (!sa || sa->inbound()) {
    ++sw.tx_drop_no_state;
    return std::nullopt;
  }
  if (sa->packet) {
    // Packet offload (packet section P3): the plain IP packet, metadata 0x0A naming the SA by
    // its table index and the low half of its handle; the device does the whole of ESP.
    const std::optional<IpHeader> pip = parse_ip_frame(skb.frame);
    if (!pip) {
      ++sw.tx_drop_not_ip;
      return std::nullopt;
    }
    Bytes plain = skb.frame;
    plain.resize(pip->end());
    if (plain.size() + kMetadataBytes > 0xFFFF) {
      ++sw.tx_drop_metadata;
      return std::nullopt;
    }
    return insert_tx_metadata(plain, packet::kTxSyndromePktOffload, sa->pkt_index,
                              static_cast<uint16_t>(sa->rx_handle), 0);
  }
  Bytes f = skb.frame;
  const std::optional<IpHeader> ip = parse_ip_frame(f);
  if (!ip || ip->proto != ipproto::kEsp || ip->l4() + kEspHeaderBytes + kEspIvBytes > ip->end()) {
    ++sw.tx_drop_not_ip;
    return std::nullopt;
  }
  const size_t esp = ip->l4();
  const size_t payload = esp + kEspHeaderBytes + kEspIvBytes;
  f.resize(ip->end());  // nothing after the datagram goes to the device

  if (!skb.gso_size) {
    // mlx5e_ipsec_remove_trailer: ICV room, pad, pad length and next header.
    const size_t alen = sa->attrs.keymat.icv_bits / 8;
    if (ip->end() < payload + alen + kEspTrailerBytes) {
      ++sw.tx_drop_trailer;
      return std::nullopt;
    }
    const size_t plen = f[ip->end() - alen - kEspTrailerBytes];
    const size_t trailer_len = alen + plen + kEspTrailerBytes;
    if (ip->end() < payload + trailer_len) {
      ++sw.tx_drop_trailer;
      return std::nullopt;
    }
    f.resize(ip->end() - trailer_len);
    set_ip_length(f, *ip, ip->total_len - trailer_len);
  }
  if (f.size() + kMetadataBytes > 0xFFFF) {
    ++sw.tx_drop_metadata;
    return std::nullopt;
  }

  // mlx5e_ipsec_set_iv(_esn): the 64-bit sequence number, big-endian, in the IV field.
  store_be64(f, esp + kEspHeaderBytes, xo.seq);

  // mlx5e_ipsec_set_metadata.
  if (skb.gso_size) {
    const std::optional<size_t> tcp = tcp_header_at(f, payload, sa->attrs.tunnel, f.size());
    if (!tcp) {
      ++sw.tx_drop_not_ip;
      return std::nullopt;
    }
    return insert_tx_metadata(f, kTxSyndromeOffloadLso, mss_inverse(skb.gso_size),
                              static_cast<uint16_t>(load_be32(f, *tcp + 4)), xo.proto);
  }
  return insert_tx_metadata(f, kTxSyndromeOffload, 0, 0, xo.proto);
}

std::vector<Bytes> nic_lso_segments(const Bytes& frame, uint16_t mss) {
  if (mss == 0 || ethertype_of(frame) != kMetadataEthertype || frame.size() < kMetaIpOffset) {
    return {frame};
  }
  const std::optional<IpHeader> ip = parse_ip(frame, kMetaIpOffset);
  if (!ip || ip->proto != ipproto::kEsp) return {frame};
  const uint8_t next_proto = frame[kMetadataFrameOffset + metadata::kTxEspNextProto];
  const size_t payload = ip->l4() + kEspHeaderBytes + kEspIvBytes;
  const bool tunnel = next_proto == ipproto::kIpip || next_proto == ipproto::kIpv6;
  const std::optional<size_t> tcp = tcp_header_at(frame, payload, tunnel, ip->end());
  if (!tcp) return {frame};
  std::optional<IpHeader> inner;
  if (tunnel) inner = parse_ip(frame, payload);

  const size_t data_at = *tcp + 4u * (frame[*tcp + 12] >> 4);
  if (data_at < *tcp + 20 || data_at > ip->end()) return {frame};  // no valid TCP header
  const size_t data_len = ip->end() - data_at;
  const size_t count = std::max<size_t>(1, (data_len + mss - 1) / mss);
  const uint32_t first_seq = load_be32(frame, *tcp + 4);
  const IpHeader& l3 = tunnel ? *inner : *ip;  // the header the TCP pseudo-header takes

  std::vector<Bytes> segments;
  for (size_t i = 0; i < count; ++i) {
    const size_t off = i * mss;
    const size_t n = std::min<size_t>(mss, data_len - std::min(off, data_len));
    Bytes seg(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(data_at));
    seg.insert(seg.end(), frame.begin() + static_cast<std::ptrdiff_t>(data_at + off),
               frame.begin() + static_cast<std::ptrdiff_t>(data_at + off + n));
    const uint16_t id_step = static_cast<uint16_t>(i);
    if (!ip->ipv6)
      store_be16(seg, ip->at + 4, static_cast<uint16_t>(load_be16(seg, ip->at + 4) + id_step));
    set_ip_length(seg, *ip, data_at - ip->at + n);
    if (inner) {
      if (!inner->ipv6) {
        store_be16(seg, inner->at + 4,
                   static_cast<uint16_t>(load_be16(seg, inner->at + 4) + id_step));
      }
      set_ip_length(seg, *inner, data_at - inner->at + n);
    }
    store_be32(seg, *tcp + 4, first_seq + static_cast<uint32_t>(off));
    uint8_t flags = seg[*tcp + 13];
    if (i + 1 < count) flags &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
    if (i > 0) flags &= static_cast<uint8_t>(~kTcpCwr);
    seg[*tcp + 13] = flags;
    const size_t tcp_len = seg.size() - *tcp;
    store_be16(seg, *tcp + 16, l4_checksum(l3.src, l3.dst, ipproto::kTcp, &seg[*tcp], tcp_len, 16));
    segments.push_back(std::move(seg));
  }
  return segments;
}

std::vector<Bytes> netdev_xmit(IpsecDevice& dev, const TxSkb& skb) {
  std::optional<Bytes> out = ipsec_handle_tx(dev, skb);
  if (!out) return {};
  if (skb.offload && skb.gso_size) return nic_lso_segments(*out, skb.gso_size);
  return {std::move(*out)};
}

std::optional<RxSkb> ipsec_handle_rx(IpsecDevice& dev, const Bytes& frame) {
  // is_metadata_hdr_valid: long enough and the metadata EtherType.
  if (frame.size() < kEthHeaderBytes + kMetadataBytes ||
      ethertype_of(frame) != kMetadataEthertype) {
    return RxSkb{frame, std::nullopt};
  }
  SwCounters& sw = dev.sw_counters();
  const uint8_t syndrome = frame[kMetadataFrameOffset + metadata::kSyndrome];
  const uint8_t nexthdr = frame[kMetadataFrameOffset + metadata::kRxNextHdr];
  const uint32_t handle = load_be32(frame, kMetadataFrameOffset + metadata::kRxSaHandle);
  // mlx5e_ipsec_build_sp: the handle first, then the syndrome.
  const OffloadedSa* sa = dev.find_rx(handle);
  if (!sa) {
    ++sw.rx_drop_sadb_miss;
    return std::nullopt;
  }
  RxOffload xo;
  xo.sa = sa->id;
  switch (syndrome) {
    case kRxSyndromeDecrypted:
      xo.status = RxCryptoStatus::kSuccess;
      if (dev.rx_no_trailer()) {
        xo.no_trailer = true;
        xo.proto = nexthdr;
      }
      break;
    case kRxSyndromeAuthFailed:
      xo.status = RxCryptoStatus::kAuthFailed;
      break;
    case kRxSyndromeBadProto:
      xo.status = RxCryptoStatus::kBadProto;
      break;
    case packet::kRxSyndromePktDecap:
      // Packet section P4: decrypted, replay-checked and decapsulated by the device.
      if (!sa->packet) {
        ++sw.rx_drop_syndrome;
        return std::nullopt;
      }
      xo.decapsulated = true;
      xo.proto = nexthdr;
      break;
    default:
      ++sw.rx_drop_syndrome;
      return std::nullopt;
  }
  return RxSkb{remove_range(frame, kMetadataFrameOffset, kMetadataBytes), xo};
}

}  // namespace ipsec::driver
