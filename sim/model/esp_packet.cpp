#include "esp_packet.h"

#include <string>

#include "byte_fields.h"

namespace ipsec::model {

namespace {

using namespace fields;

using pkt::EventKind;

constexpr size_t kIp = kEthHeaderBytes;              // RX: the IP header after the MACs
constexpr size_t kTxMeta = kMacBytes + 2;            // TX: syndrome, then 5 bytes of content
constexpr size_t kTxIp = kMacBytes + kMetaBytes + 2;  // TX: the IP header
constexpr uint8_t kProtoIpv4 = 4, kProtoIpv6 = 41;

// IANA's IPv6 extension header types (RFC 8200 section 4, RFC 7045): transport-mode packet
// offload takes none of them (P3).
bool ipv6_extension_header(uint8_t nh) {
  switch (nh) {
    case 0: case 43: case 44: case 50: case 51: case 60:
    case 135: case 139: case 140: case 253: case 254: return true;
    default: return false;
  }
}

Bytes key_bytes(const SaEntry& e) {
  const bool key256 = e.enc_mode == 3;  // AES-GCM-256 (contract section 3)
  return Bytes(e.key_enc.begin(), e.key_enc.begin() + (key256 ? 32 : 16));
}

// RFC 4106 section 4: salt || IV, the IV being the 64-bit sequence number (P3).
Iv nonce(const SaEntry& e, uint64_t sn) {
  Iv n{};
  for (size_t i = 0; i < 4; ++i) n[i] = e.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(sn >> (56 - 8 * i));
  return n;
}
Iv nonce_from(const SaEntry& e, const Bytes& f, size_t iv_at) {
  Iv n{};
  for (size_t i = 0; i < 4; ++i) n[i] = e.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = f[iv_at + i];
  return n;
}

// RFC 4106 section 5 (contract section 6): SPI || SN_lo, or SPI || SN_hi || SN_lo with ESN.
Bytes aad(uint32_t spi, uint64_t sn, bool esn) {
  Bytes a;
  append32(a, spi);
  if (esn) append32(a, static_cast<uint32_t>(sn >> 32));
  append32(a, static_cast<uint32_t>(sn));
  return a;
}

FrameResult ended(Fate fate, std::optional<Bytes> out, std::string why) {
  FrameResult r;
  r.fate = fate;
  r.out = std::move(out);
  r.why = std::move(why);
  return r;
}

void raise_event(PacketSa& p, const SaEntry& e, EventKind k, FrameResult& r) {
  if (p.fire(k)) r.events.push_back(PacketEvent{k, p.index, e.sw_sa_handle});
}

// Whether one more packet of `len` bytes would pass a hard limit (P3, P4). Raises the events
// of the limits it would pass and ends the SA when it does (PacketSa::hard_limit).
bool hard_limit(PacketSa& p, const SaEntry& e, uint64_t len, FrameResult& r) {
  std::vector<EventKind> raised;
  const bool hard = p.hard_limit(len, raised);
  for (EventKind k : raised) r.events.push_back(PacketEvent{k, p.index, e.sw_sa_handle});
  return hard;
}

// Counts a packet sent or delivered and raises the soft events it crosses (P3, P4, P6).
void count_packet(PacketSa& p, const SaEntry& e, uint64_t len, FrameResult& r) {
  std::vector<EventKind> raised;
  p.count(len, raised);
  for (EventKind k : raised) r.events.push_back(PacketEvent{k, p.index, e.sw_sa_handle});
}

// The outer header of a tunnel SA (P2, esp_packet.h's decisions): `inner` is the IP packet
// at `at` of `f`, `esp_len` the bytes after the outer header.
void append_outer_header(Bytes& out, const SaEntry& e, const PacketSa& p, const Bytes& f,
                         size_t at, bool inner_v6, uint64_t sn, size_t esp_len) {
  const uint8_t inner_tos =
      inner_v6 ? static_cast<uint8_t>((be16(f, at) >> 4) & 0xFF) : f[at + 1];
  const uint8_t tos = (p.cfg.tunnel_flags & pkt::kTunnelCopyDscp) ? inner_tos : p.cfg.dscp_ecn;
  if (e.key.ipv6) {
    const uint32_t w0 = 6u << 28 | uint32_t{tos} << 20 | (p.cfg.flow_label & pkt::kFlowLabelMask);
    append32(out, w0);
    append16(out, static_cast<uint16_t>(esp_len));
    out.push_back(kIpProtoEsp);
    out.push_back(p.cfg.ttl);
    out.insert(out.end(), e.key.sip.begin(), e.key.sip.end());
    out.insert(out.end(), e.key.dip.begin(), e.key.dip.end());
    return;
  }
  const size_t hdr = out.size();
  bool df = true;
  if ((p.cfg.tunnel_flags & pkt::kTunnelCopyDf) && !inner_v6) df = (f[at + 6] & 0x40) != 0;
  out.push_back(0x45);
  out.push_back(tos);
  append16(out, static_cast<uint16_t>(kIpv4HeaderBytes + esp_len));
  append16(out, static_cast<uint16_t>(sn));
  append16(out, df ? 0x4000 : 0);
  out.push_back(p.cfg.ttl);
  out.push_back(kIpProtoEsp);
  append16(out, 0);
  out.insert(out.end(), e.key.sip.begin() + 12, e.key.sip.end());
  out.insert(out.end(), e.key.dip.begin() + 12, e.key.dip.end());
  fix_ipv4_checksum(out, hdr);
}

// Pads `plain` (RFC 4303 section 2.4: 1, 2, ... to a multiple of 4 with the two trailer
// bytes) and appends pad length and next header.
void append_trailer(Bytes& plain, uint8_t next_header) {
  const size_t pad = (4 - (plain.size() + 2) % 4) % 4;
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
  plain.push_back(static_cast<uint8_t>(pad));
  plain.push_back(next_header);
}

}  // namespace

bool is_packet_tx_frame(const Bytes& f) {
  return f.size() > kTxMeta && be16(f, kMacBytes) == kEthertypeMeta &&
         f[kTxMeta] == pkt::kSyndTxPktOffload;
}

// ---- TX (P3) -----------------------------------------------------------------------------------

FrameResult tx_packet(const Bytes& f, bool tuser, const SaByIndex& sa_at,
                      const DatapathControl& ctl, DatapathCounters& n) {
  auto drop = [&](std::string why) {
    ++n.enc_drop;
    return ended(Fate::kDrop, std::nullopt, std::move(why));
  };
  const size_t len = f.size();
  if (tuser) return drop("tuser: MAC error");
  if (len < kMinFrameBytes) return drop("runt of " + std::to_string(len) + " bytes");
  if (len > ctl.max_frame) return drop("oversize: " + std::to_string(len) + " bytes");
  ++n.enc_in;

  const uint16_t index = be16(f, kTxMeta + 1);
  const uint16_t handle_lo = be16(f, kTxMeta + 3);
  SaEntry* e = sa_at(index);
  if (!e || !e->pkt || !e->key.tx) return drop("no TX packet SA at index " + std::to_string(index));
  if (static_cast<uint16_t>(e->sw_sa_handle) != handle_lo) return drop("stale handle");
  PacketSa& p = *e->pkt;
  auto matched = [e](FrameResult r) {
    r.sa = e->key;
    return r;
  };
  if (p.dead) {
    if (p.has_fired(EventKind::kSeqExhausted)) ++p.counters.seq_exhausted;
    return matched(drop("SA past a hard event"));
  }

  // The host's IP packet.
  const uint16_t ethertype = be16(f, kMacBytes + kMetaBytes);
  const uint8_t version = f[kTxIp] >> 4;
  bool v6;
  size_t ip_hdr, datagram;
  uint8_t proto;
  if (ethertype == kEthertypeIpv4 && version == 4) {
    v6 = false;
    ip_hdr = 4u * (f[kTxIp] & 0xF);
    datagram = be16(f, kTxIp + 2);
    proto = f[kTxIp + 9];
    if (ip_hdr < kIpv4HeaderBytes) return matched(drop("IPv4 IHL below 5"));
  } else if (ethertype == kEthertypeIpv6 && version == 6) {
    v6 = true;
    ip_hdr = kIpv6HeaderBytes;
    datagram = kIpv6HeaderBytes + be16(f, kTxIp + 4);
    proto = f[kTxIp + 6];
  } else {
    return matched(drop("not IPv4 or IPv6 under metadata"));
  }
  if (datagram < ip_hdr || kTxIp + datagram > len) return matched(drop("IP length outside the frame"));
  if (!p.cfg.tunnel) {
    if (v6 != e->key.ipv6) return matched(drop("transport packet of the other family"));
    if (!v6 && ip_hdr != kIpv4HeaderBytes) return matched(drop("transport: IPv4 options"));
    if (!v6 && (be16(f, kTxIp + 6) & 0x3FFF) != 0) return matched(drop("transport: IPv4 fragment"));
    if (v6 && ipv6_extension_header(proto)) return matched(drop("transport: IPv6 extension header"));
  }

  FrameResult r;
  // RFC 4303 section 3.3.3: without ESN the counter never cycles past 2^32 - 1; with ESN
  // never past 2^64 - 1.
  const bool exhausted = e->esn_en ? p.seq_wrapped : p.seq > 0xFFFFFFFFull;
  if (exhausted) {
    ++p.counters.seq_exhausted;
    raise_event(p, *e, EventKind::kSeqExhausted, r);
    p.dead = true;
    FrameResult d = drop("sequence number exhausted");
    d.events = std::move(r.events);
    return matched(std::move(d));
  }
  if (hard_limit(p, *e, datagram, r)) {
    FrameResult d = drop("hard lifetime limit");
    d.events = std::move(r.events);
    return matched(std::move(d));
  }

  const uint64_t sn = p.seq;
  ++p.seq;
  if (p.seq == 0) p.seq_wrapped = true;

  // The plaintext: the IP payload (transport) or the whole IP packet (tunnel), then the trailer.
  const size_t from = p.cfg.tunnel ? kTxIp : kTxIp + ip_hdr;
  Bytes plain(f.begin() + static_cast<std::ptrdiff_t>(from),
              f.begin() + static_cast<std::ptrdiff_t>(kTxIp + datagram));
  append_trailer(plain, p.cfg.tunnel ? (v6 ? kProtoIpv6 : kProtoIpv4) : proto);
  const Sealed sealed = gcm_seal(key_bytes(*e), nonce(*e, sn), aad(e->key.spi, sn, e->esn_en), plain);
  const size_t esp_len = kEspHeaderBytes + kEspIvBytes + sealed.ciphertext.size() + kIcvBytes;

  Bytes out(f.begin(), f.begin() + kMacBytes);
  const bool outer_v6 = p.cfg.tunnel ? e->key.ipv6 : v6;
  append16(out, outer_v6 ? kEthertypeIpv6 : kEthertypeIpv4);
  const size_t out_ip = out.size();
  if (p.cfg.tunnel) {
    append_outer_header(out, *e, p, f, kTxIp, v6, sn, esp_len);
  } else {
    append(out, f, kTxIp, ip_hdr);
    if (v6) {
      put16(out, out_ip + 4, static_cast<uint16_t>(esp_len));
      out[out_ip + 6] = kIpProtoEsp;
    } else {
      put16(out, out_ip + 2, static_cast<uint16_t>(kIpv4HeaderBytes + esp_len));
      out[out_ip + 9] = kIpProtoEsp;
      fix_ipv4_checksum(out, out_ip);
    }
  }
  append32(out, e->key.spi);
  append32(out, static_cast<uint32_t>(sn));
  append64(out, sn);
  out.insert(out.end(), sealed.ciphertext.begin(), sealed.ciphertext.end());
  out.insert(out.end(), sealed.tag.begin(), sealed.tag.end());

  count_packet(p, *e, datagram, r);
  ++n.enc_out;
  r.fate = Fate::kOut;
  r.out = std::move(out);
  r.why = "encapsulated";
  return matched(std::move(r));
}

// ---- RX (P4) -----------------------------------------------------------------------------------

// Contract section 7's candidates, as esp_model.cpp's rx() classifies them.
std::optional<RxEspFrame> rx_esp_frame(const Bytes& f, bool tuser, const DatapathControl& ctl) {
  const size_t len = f.size();
  if (tuser || len < kMinFrameBytes || len > ctl.max_frame) return std::nullopt;
  const uint16_t ethertype = be16(f, kMacBytes);
  RxEspFrame r;
  bool v6;
  if (ethertype == kEthertypeIpv4 && f[kIp] == 0x45 && f[kIp + 9] == kIpProtoEsp &&
      (be16(f, kIp + 6) & 0x3FFF) == 0) {
    v6 = false;
    r.ip_hdr = kIpv4HeaderBytes;
    r.datagram = be16(f, kIp + 2);
  } else if (ethertype == kEthertypeIpv6 && f[kIp] >> 4 == 6 && f[kIp + 6] == kIpProtoEsp) {
    v6 = true;
    r.ip_hdr = kIpv6HeaderBytes;
    r.datagram = kIpv6HeaderBytes + be16(f, kIp + 4);
  } else {
    return std::nullopt;
  }
  const size_t esp = kIp + r.ip_hdr;
  if (esp + kEspHeaderBytes > len) return std::nullopt;
  r.key.tx = false;
  r.key.ipv6 = v6;
  const size_t sip = kIp + (v6 ? 8 : 12), dip = kIp + (v6 ? 24 : 16);
  for (size_t i = 0; i < (v6 ? 16u : 4u); ++i) {
    r.key.sip[(v6 ? 0 : 12) + i] = f[sip + i];
    r.key.dip[(v6 ? 0 : 12) + i] = f[dip + i];
  }
  r.key.spi = be32(f, esp);
  return r;
}

RxPacketPending rx_packet_verify(const Bytes& f, const RxEspFrame& esp, SaEntry& e,
                                 DatapathCounters& n) {
  RxPacketPending pend;
  pend.sa = &e;
  PacketSa& p = *e.pkt;
  ++n.dec_in;
  auto end = [&](Fate fate, std::string why) {
    ++(fate == Fate::kAuthFail ? n.dec_auth_fail : n.dec_drop);
    pend.result = ended(fate, std::nullopt, std::move(why));
    pend.result.sa = e.key;
    return pend;
  };
  if (p.dead) return end(Fate::kDrop, "SA past a hard event");
  const size_t len = f.size();
  constexpr size_t kOverhead = kEspHeaderBytes + kEspIvBytes + kIcvBytes;
  if (kIp + esp.datagram > len || esp.datagram < esp.ip_hdr + kOverhead + 2) {
    return end(Fate::kDrop, "truncated ESP datagram");
  }
  const size_t esp_at = kIp + esp.ip_hdr;

  // 1. The replay check before the ICV (RFC 4303 section 3.4.3).
  const uint64_t sn = p.infer(be32(f, esp_at + 4), e.esn_en);
  switch (p.check(sn)) {
    case ReplayVerdict::kOk: break;
    case ReplayVerdict::kZero: return end(Fate::kDrop, "sequence number 0");
    case ReplayVerdict::kTooOld:
      ++p.counters.replay_window;
      return end(Fate::kDrop, "replay: left of the window");
    case ReplayVerdict::kDuplicate:
      ++p.counters.replay;
      return end(Fate::kDrop, "replay: seen before");
  }

  // 2. The ICV, with the inferred 64-bit number in the AAD.
  const size_t ct_at = esp_at + kEspHeaderBytes + kEspIvBytes;
  const size_t ct_len = esp.datagram - esp.ip_hdr - kOverhead;
  const size_t icv_at = kIp + esp.datagram - kIcvBytes;
  const Bytes ct(f.begin() + static_cast<std::ptrdiff_t>(ct_at),
                 f.begin() + static_cast<std::ptrdiff_t>(ct_at + ct_len));
  Tag icv{};
  for (size_t i = 0; i < kIcvBytes; ++i) icv[i] = f[icv_at + i];
  const std::optional<Bytes> opened = gcm_open(key_bytes(e), nonce_from(e, f, esp_at + kEspHeaderBytes),
                                               aad(e.key.spi, sn, e.esn_en), ct, icv);
  if (!opened) {
    ++p.counters.integrity_failed;
    return end(Fate::kAuthFail, "ICV mismatch");
  }
  const Bytes& plain = *opened;

  // The trailer (RFC 4303 section 2.4).
  const size_t padlen = plain[ct_len - 2];
  const uint8_t nexthdr = plain[ct_len - 1];
  bool trailer_ok = padlen <= ct_len - 2;
  for (size_t i = 0; trailer_ok && i < padlen; ++i) trailer_ok = plain[ct_len - 2 - padlen + i] == i + 1;
  if (!trailer_ok) return end(Fate::kDrop, "bad ESP trailer");
  const size_t payload = ct_len - 2 - padlen;

  // 4. Delivery, built now and sent at commit.
  Bytes out(f.begin(), f.begin() + kMacBytes);
  append16(out, kEthertypeMeta);
  out.push_back(pkt::kSyndRxPktDecap);
  out.push_back(nexthdr);
  append32(out, e.sw_sa_handle);
  if (p.cfg.tunnel) {
    size_t inner_len;
    if (nexthdr == kProtoIpv4) {
      if (payload < kIpv4HeaderBytes || plain[0] >> 4 != 4 || (plain[0] & 0xF) < 5) {
        return end(Fate::kDrop, "tunnel: inner IPv4 malformed");
      }
      inner_len = be16(plain, 2);
      if (inner_len < 4u * (plain[0] & 0xF)) return end(Fate::kDrop, "tunnel: inner IPv4 length");
      append16(out, kEthertypeIpv4);
    } else if (nexthdr == kProtoIpv6) {
      if (payload < kIpv6HeaderBytes || plain[0] >> 4 != 6) {
        return end(Fate::kDrop, "tunnel: inner IPv6 malformed");
      }
      inner_len = kIpv6HeaderBytes + be16(plain, 4);
      append16(out, kEthertypeIpv6);
    } else {
      return end(Fate::kDrop, "tunnel: next header " + std::to_string(nexthdr));
    }
    if (inner_len > payload) return end(Fate::kDrop, "tunnel: inner packet beyond the payload");
    out.insert(out.end(), plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(inner_len));
    pend.delivered_bytes = inner_len;
  } else {
    append(out, f, kMacBytes, 2);
    const size_t out_ip = out.size();
    append(out, f, kIp, esp.ip_hdr);
    if (esp.key.ipv6) {
      put16(out, out_ip + 4, static_cast<uint16_t>(payload));
      out[out_ip + 6] = nexthdr;
    } else {
      put16(out, out_ip + 2, static_cast<uint16_t>(kIpv4HeaderBytes + payload));
      out[out_ip + 9] = nexthdr;
      fix_ipv4_checksum(out, out_ip);
    }
    out.insert(out.end(), plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(payload));
    pend.delivered_bytes = esp.ip_hdr + payload;
  }
  pend.pending = true;
  pend.sn = sn;
  pend.out = std::move(out);
  return pend;
}

FrameResult rx_packet_commit(RxPacketPending pend, DatapathCounters& n) {
  if (!pend.pending) return std::move(pend.result);
  SaEntry& e = *pend.sa;
  PacketSa& p = *e.pkt;
  FrameResult r;
  r.sa = e.key;
  auto drop = [&](std::string why) {
    ++n.dec_drop;
    r.fate = Fate::kDrop;
    r.why = std::move(why);
    return std::move(r);
  };
  if (p.dead) return drop("SA past a hard event");
  // 3. The check made again, against the window as it is now (RFC 4303 section 3.4.3).
  switch (p.check(pend.sn)) {
    case ReplayVerdict::kOk: break;
    case ReplayVerdict::kZero: return drop("sequence number 0");
    case ReplayVerdict::kTooOld:
      ++p.counters.replay_window;
      return drop("replay at recheck: left of the window");
    case ReplayVerdict::kDuplicate:
      ++p.counters.replay;
      return drop("replay at recheck: seen before");
  }
  if (hard_limit(p, e, pend.delivered_bytes, r)) return drop("hard lifetime limit");
  p.advance(pend.sn);
  count_packet(p, e, pend.delivered_bytes, r);
  ++n.dec_out;
  r.fate = Fate::kOut;
  r.out = std::move(pend.out);
  r.why = "decapsulated";
  return r;
}

}  // namespace ipsec::model
