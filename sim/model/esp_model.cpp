#include "esp_model.h"

#include <stdexcept>
#include <tuple>

#include "byte_fields.h"

namespace ipsec::model {

namespace {

using namespace fields;

Address address_at(const Bytes& f, size_t at, bool ipv6) {
  Address a{};
  if (ipv6) {
    for (size_t i = 0; i < 16; ++i) a[i] = f[at + i];
  } else {
    for (size_t i = 0; i < 4; ++i) a[12 + i] = f[at + i];
  }
  return a;
}

Bytes key_of(const SaContext& sa) {
  return Bytes(sa.key.begin(), sa.key.begin() + (sa.key256 ? 32 : 16));
}

Iv nonce(uint32_t salt, const Bytes& f, size_t iv_at) {
  Iv n{};
  n[0] = static_cast<uint8_t>(salt >> 24);
  n[1] = static_cast<uint8_t>(salt >> 16);
  n[2] = static_cast<uint8_t>(salt >> 8);
  n[3] = static_cast<uint8_t>(salt);
  for (size_t i = 0; i < 8; ++i) n[4 + i] = f[iv_at + i];
  return n;
}

// RFC 4106 section 5: SPI || SN, or SPI || SN_hi || SN_lo with extended sequence numbers.
Bytes esp_aad(uint32_t spi, uint32_t sn_lo, bool esn, uint32_t sn_hi) {
  Bytes aad;
  append32(aad, spi);
  if (esn) append32(aad, sn_hi);
  append32(aad, sn_lo);
  return aad;
}

// The 8-byte RX metadata record (section 5) and the original EtherType after the MACs.
Bytes rx_host_prefix(const Bytes& f, uint8_t syndrome, uint8_t nexthdr, uint32_t handle) {
  Bytes out(f.begin(), f.begin() + kMacBytes);
  append16(out, kEthertypeMeta);
  out.push_back(syndrome);
  out.push_back(nexthdr);
  append32(out, handle);
  append(out, f, kMacBytes, 2);
  return out;
}

FrameResult ended(Fate fate, std::optional<Bytes> out, std::string why) {
  return FrameResult{fate, std::move(out), std::move(why), std::nullopt, {}};
}

// ---- TX (section 6) ------------------------------------------------------------------------

FrameResult tx_path(const Bytes& f, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
                    DatapathCounters& n) {
  auto drop = [&](std::string why) {
    ++n.enc_drop;
    return ended(Fate::kDrop, std::nullopt, std::move(why));
  };
  const size_t len = f.size();
  if (tuser) return drop("tuser: MAC error");
  if (len < kMinFrameBytes) return drop("runt of " + std::to_string(len) + " bytes");
  if (len > ctl.max_frame) return drop("oversize: " + std::to_string(len) + " bytes");
  if (be16(f, kMacBytes) != kEthertypeMeta) {
    ++n.enc_bypass;
    return ended(Fate::kBypass, f, "no metadata");
  }

  ++n.enc_in;
  constexpr size_t kMeta = kMacBytes + 2;  // syndrome, then 5 bytes of content
  constexpr size_t kIp = kMacBytes + kMetaBytes + 2;
  const uint8_t syndrome = f[kMeta];
  const uint16_t mss_inv = be16(f, kMeta + 1);
  const uint16_t meta_seq = be16(f, kMeta + 3);
  const uint8_t next_proto = f[kMeta + 5];
  const uint16_t ethertype = be16(f, kMacBytes + kMetaBytes);
  if (syndrome != kSyndTxOffload && syndrome != kSyndTxLso) {
    return drop("unknown TX syndrome " + std::to_string(syndrome));
  }

  bool ipv6;
  size_t ip_hdr, datagram;
  if (ethertype == kEthertypeIpv4) {
    ipv6 = false;
    if (f[kIp] != 0x45) return drop("IPv4 options or bad version");
    if (f[kIp + 9] != kIpProtoEsp) return drop("IPv4 protocol not ESP");
    ip_hdr = kIpv4HeaderBytes;
    datagram = be16(f, kIp + 2);
  } else if (ethertype == kEthertypeIpv6) {
    ipv6 = true;
    if (f[kIp] >> 4 != 6) return drop("IPv6 bad version");
    if (f[kIp + 6] != kIpProtoEsp) return drop("IPv6 next header not ESP");
    ip_hdr = kIpv6HeaderBytes;
    datagram = kIpv6HeaderBytes + be16(f, kIp + 4);
  } else {
    return drop("not IP under metadata");
  }
  if (datagram < ip_hdr + kEspHeaderBytes + kEspIvBytes) return drop("IP datagram too short");
  if (kIp + datagram > len) return drop("IP datagram beyond the frame");

  const size_t esp = kIp + ip_hdr;
  SaKey key;
  key.tx = true;
  key.ipv6 = ipv6;
  key.sip = address_at(f, kIp + (ipv6 ? 8 : 12), ipv6);
  key.dip = address_at(f, kIp + (ipv6 ? 24 : 16), ipv6);
  key.spi = be32(f, esp);
  const std::optional<SaContext> sa = lookup(key);
  if (!sa) return drop("no TX SA");
  // Every result from here on carries the key it matched.
  auto matched = [&key](FrameResult r) {
    r.sa = key;
    return r;
  };

  const size_t payload_at = esp + kEspHeaderBytes + kEspIvBytes;
  const size_t payload_len = datagram - ip_hdr - kEspHeaderBytes - kEspIvBytes;
  uint64_t sn = be64(f, esp + kEspHeaderBytes);

  if (syndrome == kSyndTxLso) {
    auto at = [&](size_t i) { return f[payload_at + i]; };
    size_t tcp;
    if (next_proto == 6) {
      tcp = 0;
    } else if (next_proto == 4) {
      if (payload_len < kIpv4HeaderBytes || at(0) >> 4 != 4 || (at(0) & 15) < 5 || at(9) != 6) {
        return matched(drop("LSO: inner IPv4 not TCP"));
      }
      tcp = 4u * (at(0) & 15);
    } else if (next_proto == 41) {
      if (payload_len < kIpv6HeaderBytes || at(0) >> 4 != 6 || at(6) != 6) {
        return matched(drop("LSO: inner IPv6 not TCP"));
      }
      tcp = kIpv6HeaderBytes;
    } else {
      return matched(drop("LSO of next protocol " + std::to_string(next_proto)));
    }
    if (tcp + 20 > payload_len) return matched(drop("LSO: TCP header outside the payload"));
    sn += lso_segment_index(be16(f, payload_at + tcp + 6), meta_seq, mss_inv);
  }

  // RFC 4303 section 2.4, RFC 4106 section 3: pad to 4 bytes with 1, 2, ...
  const size_t pad = (4 - (payload_len + 2) % 4) % 4;
  Bytes plain(f.begin() + static_cast<std::ptrdiff_t>(payload_at),
              f.begin() + static_cast<std::ptrdiff_t>(payload_at + payload_len));
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
  plain.push_back(static_cast<uint8_t>(pad));
  plain.push_back(next_proto);

  const uint32_t sn_lo = static_cast<uint32_t>(sn);
  Bytes iv;
  append64(iv, sn);
  const Sealed sealed =
      gcm_seal(key_of(*sa), nonce(sa->salt, iv, 0),
               esp_aad(key.spi, sn_lo, sa->esn_en, static_cast<uint32_t>(sn >> 32)), plain);

  Bytes out(f.begin(), f.begin() + kMacBytes);
  append(out, f, kMacBytes + kMetaBytes, 2);
  const size_t out_ip = out.size();
  append(out, f, kIp, ip_hdr);
  const size_t grow = pad + 2 + kIcvBytes;
  if (ipv6) {
    put16(out, out_ip + 4, static_cast<uint16_t>(datagram - ip_hdr + grow));
  } else {
    put16(out, out_ip + 2, static_cast<uint16_t>(datagram + grow));
    fix_ipv4_checksum(out, out_ip);
  }
  append32(out, key.spi);
  append32(out, sn_lo);
  out.insert(out.end(), iv.begin(), iv.end());
  out.insert(out.end(), sealed.ciphertext.begin(), sealed.ciphertext.end());
  out.insert(out.end(), sealed.tag.begin(), sealed.tag.end());
  ++n.enc_out;
  return matched(ended(Fate::kOut, std::move(out), "encrypted"));
}

// ---- RX (section 7) ------------------------------------------------------------------------

FrameResult rx_path(const Bytes& f, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
                    DatapathCounters& n) {
  const size_t len = f.size();
  auto drop = [&](std::string why) {
    ++n.dec_drop;
    return ended(Fate::kDrop, std::nullopt, std::move(why));
  };
  auto bypass = [&](std::string why) {
    ++n.dec_bypass;
    return ended(Fate::kBypass, f, std::move(why));
  };
  if (tuser) return drop("tuser: MAC error");
  if (len < kMinFrameBytes) return drop("runt of " + std::to_string(len) + " bytes");
  if (len > ctl.max_frame) return drop("oversize: " + std::to_string(len) + " bytes");
  const uint16_t ethertype = be16(f, kMacBytes);
  if (ethertype == kEthertypeMeta) return drop("metadata from the wire");

  constexpr size_t kIp = kEthHeaderBytes;
  bool ipv6;
  size_t ip_hdr, datagram;
  if (ethertype == kEthertypeIpv4 && f[kIp] == 0x45 && f[kIp + 9] == kIpProtoEsp &&
      (be16(f, kIp + 6) & 0x3FFF) == 0) {
    ipv6 = false;
    ip_hdr = kIpv4HeaderBytes;
    datagram = be16(f, kIp + 2);
  } else if (ethertype == kEthertypeIpv6 && f[kIp] >> 4 == 6 && f[kIp + 6] == kIpProtoEsp) {
    ipv6 = true;
    ip_hdr = kIpv6HeaderBytes;
    datagram = kIpv6HeaderBytes + be16(f, kIp + 4);
  } else {
    return bypass("not ESP");
  }
  const size_t esp = kIp + ip_hdr;
  if (esp + kEspHeaderBytes > len) return bypass("ESP header beyond the frame");

  SaKey key;
  key.tx = false;
  key.ipv6 = ipv6;
  key.sip = address_at(f, kIp + (ipv6 ? 8 : 12), ipv6);
  key.dip = address_at(f, kIp + (ipv6 ? 24 : 16), ipv6);
  key.spi = be32(f, esp);
  const std::optional<SaContext> sa = lookup(key);
  if (!sa) return bypass("no RX SA");
  // Every result from here on carries the key it matched (the frames dec_in counts).
  auto matched = [&key](FrameResult r) {
    r.sa = key;
    return r;
  };

  ++n.dec_in;
  constexpr size_t kOverhead = kEspHeaderBytes + kEspIvBytes + kIcvBytes;
  if (kIp + datagram > len || datagram < ip_hdr + kOverhead + 2) {
    ++n.dec_drop;
    std::optional<Bytes> out;
    if (ctl.fwd_bad_frames) {
      out = rx_host_prefix(f, kSyndRxBadProto, 0, sa->handle);
      append(*out, f, kIp, len - kIp);
    }
    return matched(ended(Fate::kDrop, std::move(out), "truncated ESP datagram"));
  }

  const size_t ct_at = esp + kEspHeaderBytes + kEspIvBytes;
  const size_t ct_len = datagram - ip_hdr - kOverhead;
  const size_t icv_at = kIp + datagram - kIcvBytes;
  const uint32_t sn_lo = be32(f, esp + 4);
  const Bytes aad = esp_aad(key.spi, sn_lo, sa->esn_en, rx_esn_high(*sa, sn_lo));
  const Iv iv = nonce(sa->salt, f, esp + kEspHeaderBytes);
  const Bytes ct(f.begin() + static_cast<std::ptrdiff_t>(ct_at),
                 f.begin() + static_cast<std::ptrdiff_t>(ct_at + ct_len));
  Tag icv{};
  for (size_t i = 0; i < kIcvBytes; ++i) icv[i] = f[icv_at + i];

  // Default layout: the datagram with the ciphertext replaced by the plaintext.
  auto default_layout = [&](uint8_t syndrome, uint8_t nexthdr, const Bytes& plain) {
    Bytes out = rx_host_prefix(f, syndrome, nexthdr, sa->handle);
    append(out, f, kIp, ct_at - kIp);
    out.insert(out.end(), plain.begin(), plain.end());
    append(out, f, icv_at, kIcvBytes);
    return out;
  };

  const std::optional<Bytes> opened = gcm_open(key_of(*sa), iv, aad, ct, icv);
  if (!opened) {
    ++n.dec_auth_fail;
    std::optional<Bytes> out;
    if (ctl.fwd_bad_frames) {
      // GCM decryption is CTR mode: encrypting the ciphertext yields the plaintext.
      out = default_layout(kSyndRxAuthFailed, 0, gcm_seal(key_of(*sa), iv, aad, ct).ciphertext);
    }
    return matched(ended(Fate::kAuthFail, std::move(out), "ICV mismatch"));
  }
  const Bytes& plain = *opened;

  // RFC 4303 section 2.4: pad length, then pad bytes 1, 2, ..., pad length.
  const size_t padlen = plain[ct_len - 2];
  const uint8_t nexthdr = plain[ct_len - 1];
  bool trailer_ok = padlen <= ct_len - 2;
  for (size_t i = 0; trailer_ok && i < padlen; ++i) {
    trailer_ok = plain[ct_len - 2 - padlen + i] == i + 1;
  }
  if (!trailer_ok) {
    ++n.dec_drop;
    std::optional<Bytes> out;
    if (ctl.fwd_bad_frames) out = default_layout(kSyndRxBadProto, 0, plain);
    return matched(ended(Fate::kDrop, std::move(out), "bad ESP trailer"));
  }

  ++n.dec_out;
  if (!ctl.no_trailer)
    return matched(ended(Fate::kOut, default_layout(kSyndRxDecrypted, nexthdr, plain), "decrypted"));

  Bytes out = rx_host_prefix(f, kSyndRxDecrypted, nexthdr, sa->handle);
  const size_t out_ip = out.size();
  append(out, f, kIp, ct_at - kIp);
  const size_t shrink = padlen + 2 + kIcvBytes;
  if (ipv6) {
    put16(out, out_ip + 4, static_cast<uint16_t>(datagram - ip_hdr - shrink));
  } else {
    put16(out, out_ip + 2, static_cast<uint16_t>(datagram - shrink));
    fix_ipv4_checksum(out, out_ip);
  }
  out.insert(out.end(), plain.begin(), plain.end() - static_cast<std::ptrdiff_t>(padlen + 2));
  return matched(ended(Fate::kOut, std::move(out), "decrypted, trailer removed"));
}

uint64_t fate_total(const DatapathCounters& c, bool tx) {
  return tx ? c.enc_out + c.enc_bypass + c.enc_drop
            : c.dec_out + c.dec_bypass + c.dec_drop + c.dec_auth_fail;
}

uint64_t fate_count(const DatapathCounters& c, bool tx, Fate fate) {
  switch (fate) {
    case Fate::kOut: return tx ? c.enc_out : c.dec_out;
    case Fate::kBypass: return tx ? c.enc_bypass : c.dec_bypass;
    case Fate::kDrop: return tx ? c.enc_drop : c.dec_drop;
    case Fate::kAuthFail: return tx ? 0 : c.dec_auth_fail;
  }
  return 0;
}

// Contract section 4: every frame ends as exactly one fate of its direction; *_in moves for
// every frame that reached classification, which out and auth-fail frames always did, bypassed
// frames never; the other direction's counters never move.
void check_accounting(const DatapathCounters& before, const DatapathCounters& after, bool tx,
                      const Bytes& frame, const FrameResult& r) {
  auto fail = [&](const std::string& what) {
    throw std::logic_error(std::string("esp model accounting (") + (tx ? "TX" : "RX") + ", " +
                           to_string(r.fate) + ", " + r.why + "): " + what);
  };
  if (fate_total(after, tx) != fate_total(before, tx) + 1) fail("not exactly one fate counted");
  if (fate_count(after, tx, r.fate) != fate_count(before, tx, r.fate) + 1)
    fail("wrong fate counted");
  if (fate_total(after, !tx) != fate_total(before, !tx)) fail("other direction counted");
  if ((tx ? after.dec_in != before.dec_in : after.enc_in != before.enc_in))
    fail("other direction's in");
  const uint64_t in_moved = tx ? after.enc_in - before.enc_in : after.dec_in - before.dec_in;
  if (in_moved > 1) fail("in counted twice");
  if ((r.fate == Fate::kOut || r.fate == Fate::kAuthFail) && in_moved != 1) fail("in not counted");
  if (r.fate == Fate::kBypass && in_moved != 0) fail("bypass counted as in");
  if (r.fate == Fate::kAuthFail && tx) fail("auth failure on TX");
  if ((r.fate == Fate::kOut || r.fate == Fate::kBypass) && !r.out) fail("frame not forwarded");
  if (r.fate == Fate::kBypass && *r.out != frame) fail("bypass changed the frame");
  if (!tx && r.sa.has_value() != (in_moved == 1)) fail("matched SA and dec_in disagree");
  if (r.fate == Fate::kOut && !r.sa) fail("out without an SA");
}

template <typename Path>
FrameResult run(Path path, bool tx, const Bytes& frame, bool tuser, const SaLookup& lookup,
                const DatapathControl& ctl, DatapathCounters& counters) {
  if (ctl.max_frame > 65535) throw std::invalid_argument("max_frame above 65535 bytes");
  const DatapathCounters before = counters;
  FrameResult r = path(frame, tuser, lookup, ctl, counters);
  check_accounting(before, counters, tx, frame, r);
  return r;
}

}  // namespace

SaLookup lookup_in(const SaTable& table) {
  return [&table](const SaKey& key) -> std::optional<SaContext> {
    const auto it = table.find(key);
    if (it == table.end()) return std::nullopt;
    return it->second;
  };
}

bool operator==(const DatapathCounters& a, const DatapathCounters& b) {
  return std::tie(a.dec_in, a.dec_out, a.dec_bypass, a.enc_in, a.enc_out, a.enc_bypass, a.dec_drop,
                  a.dec_auth_fail, a.enc_drop) == std::tie(b.dec_in, b.dec_out, b.dec_bypass,
                                                           b.enc_in, b.enc_out, b.enc_bypass,
                                                           b.dec_drop, b.dec_auth_fail, b.enc_drop);
}

std::string to_string(const DatapathCounters& c) {
  return "dec_in " + std::to_string(c.dec_in) + ", dec_out " + std::to_string(c.dec_out) +
         ", dec_bypass " + std::to_string(c.dec_bypass) + ", enc_in " + std::to_string(c.enc_in) +
         ", enc_out " + std::to_string(c.enc_out) + ", enc_bypass " + std::to_string(c.enc_bypass) +
         ", dec_drop " + std::to_string(c.dec_drop) + ", dec_auth_fail " +
         std::to_string(c.dec_auth_fail) + ", enc_drop " + std::to_string(c.enc_drop);
}

const char* to_string(Fate f) {
  switch (f) {
    case Fate::kOut: return "out";
    case Fate::kBypass: return "bypass";
    case Fate::kDrop: return "drop";
    case Fate::kAuthFail: return "auth-fail";
  }
  return "?";
}

FrameResult tx(const Bytes& frame, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
               DatapathCounters& counters) {
  return run(tx_path, true, frame, tuser, lookup, ctl, counters);
}

FrameResult rx(const Bytes& frame, bool tuser, const SaLookup& lookup, const DatapathControl& ctl,
               DatapathCounters& counters) {
  return run(rx_path, false, frame, tuser, lookup, ctl, counters);
}

uint32_t lso_segment_index(uint16_t tcp_seq_lo16, uint16_t meta_seq, uint16_t mss_inv) {
  const uint32_t delta = static_cast<uint16_t>(tcp_seq_lo16 - meta_seq);
  return (delta * mss_inv + 0x8000u) >> 16;
}

uint32_t rx_esn_high(const SaContext& sa, uint32_t sn_lo) {
  if (!sa.esn_overlap) return sa.esn_hi;
  return sn_lo >= 0x80000000u ? sa.esn_hi : sa.esn_hi + 1;
}

uint16_t ipv4_header_checksum(const uint8_t* header, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) {
    if (i == 10) continue;  // the checksum field itself
    sum += static_cast<uint32_t>(header[i] << 8 | header[i + 1]);
  }
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace ipsec::model
