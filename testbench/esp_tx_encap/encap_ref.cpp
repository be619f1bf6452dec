#include "encap_ref.h"

#include <algorithm>

#include "esp_model.h"

namespace ipsec::tb::encap {

namespace {

void put16(Bytes& b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// ESP header and IV (contract section 6): SPI, the SN's low 32 bits, the 64-bit SN.
Bytes esp_and_iv(uint32_t spi, uint64_t sn) {
  Bytes e;
  for (int i = 3; i >= 0; --i) e.push_back(static_cast<uint8_t>(spi >> (8 * i)));
  for (int i = 3; i >= 0; --i) e.push_back(static_cast<uint8_t>(sn >> (8 * i)));
  for (int i = 7; i >= 0; --i) e.push_back(static_cast<uint8_t>(sn >> (8 * i)));
  return e;
}

bool extension_header(uint8_t nh) {
  switch (nh) {
    case 0: case 43: case 44: case 50: case 51: case 60: case 135: case 139: case 140:
    case 253: case 254:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* to_string(Fate f) {
  switch (f) {
    case Fate::kSent: return "sent";
    case Fate::kNoSa: return "no SA";
    case Fate::kHandle: return "handle";
    case Fate::kStale: return "stale";
    case Fate::kMalformed: return "malformed";
    case Fate::kExhausted: return "exhausted";
    case Fate::kExpired: return "expired";
    case Fate::kTruncated: return "truncated";
    case Fate::kCut: return "cut";
  }
  return "?";
}

Bytes pkt_frame(const Bytes& ip_pkt, uint16_t index, uint16_t handle) {
  return insert_metadata(ethernet_ip(ip_pkt), kSyndPkt,
                         {static_cast<uint8_t>(index >> 8), static_cast<uint8_t>(index),
                          static_cast<uint8_t>(handle >> 8), static_cast<uint8_t>(handle), 0});
}

Expect EncapRef::process(const Bytes& in, bool in_user, std::optional<uint16_t> written) {
  Expect e;
  // Bytes past the frame's end read as 0 (what the stream carries in lanes without keep).
  auto at = [&in](size_t i) -> uint32_t { return i < in.size() ? in[i] : 0u; };
  const bool pkt = in.size() >= 15 && at(12) == 0x8C && at(13) == 0xE4 && at(14) == kSyndPkt;
  if (!pkt) {
    e.frame = in;
    e.user = in_user;
    return e;
  }
  // Dropped: forwarded with tuser, beat 0 as it leaves before the decision (syndrome 0x08,
  // index high byte 0).
  Bytes dropped = in;
  dropped[14] = 0x08;
  if (dropped.size() > 15) dropped[15] = 0;
  if (in.size() <= 16) {
    e.frame = dropped;
    e.user = true;
    e.event = Event{0xFFFF, 0, Fate::kTruncated};
    return e;
  }
  const uint16_t index = static_cast<uint16_t>(at(15) << 8 | at(16));
  const uint16_t handle = static_cast<uint16_t>(at(17) << 8 | at(18));
  const uint32_t et = at(20) << 8 | at(21);
  const uint32_t ver = at(22) >> 4, ihl = at(22) & 15;
  const bool v4 = et == 0x0800 && ver == 4, v6 = et == 0x86DD && ver == 6;
  const uint32_t rawlen = v6 ? (at(26) << 8 | at(27)) : (at(24) << 8 | at(25));
  const uint32_t dgram = v6 ? rawlen + 40 : rawlen;
  const uint8_t nh = static_cast<uint8_t>(v6 ? at(28) : at(31));

  const bool in_table = index < table_.size();
  const PktSa sa = in_table ? table_[index] : PktSa{};
  Fate fate = Fate::kSent;
  if (!in_table || !sa.valid) {
    fate = Fate::kNoSa;
  } else if (sa.handle != handle) {
    fate = Fate::kHandle;
  } else if (written && *written == index) {
    fate = Fate::kStale;
  } else if (in.size() <= 32) {
    fate = Fate::kTruncated;
  } else if (expired_[index]) {
    // The model's order (tx_packet): an SA past a hard event, the packet's own faults (its
    // datagram past the frame's end among them), exhaustion.
    fate = Fate::kExpired;
  } else if (!(v4 || v6) || (!sa.tunnel && v6 != sa.outer6) ||
             (v4 && (ihl < 5 || rawlen < 4 * ihl)) ||
             (v4 && !sa.tunnel && (ihl != 5 || (at(28) & 0x20) || ((at(28) & 0x1F) << 8 | at(29)) != 0)) ||
             (v6 && !sa.tunnel && extension_header(nh)) || dgram > max_frame_ - 22) {
    fate = Fate::kMalformed;
  } else if (sa.esn ? sa.seq == 0 : sa.seq >> 32 != 0) {
    fate = in.size() < 22 + dgram ? Fate::kCut : Fate::kExhausted;
  }
  // A runt or a MAC error is reported as such whatever the decision (dropped before
  // classification, contract section 4).
  const bool runt = in_user || in.size() < 60;
  if (fate != Fate::kSent) {
    e.frame = dropped;
    e.user = true;
    e.event = Event{index, dgram, runt ? Fate::kTruncated : fate};
    return e;
  }
  const uint64_t sn = sa.seq;
  // Known only with the last beat: a MAC error, a runt, a datagram past the frame's end.
  // Such a frame is dropped and takes no number, as the frames refused above.
  const bool cut = in.size() < 22 + dgram;
  const bool bad = runt || cut;
  if (!bad) table_[index].seq = sn + 1;  // ESN: wraps to 0 after 2^64 - 1, then exhausted
  e.event = Event{index, dgram, runt ? Fate::kTruncated : cut ? Fate::kCut : Fate::kSent};
  if (in.size() < (sa.tunnel ? 22u : v6 ? 62u : 42u)) {
    // Ends before the insertion point: tuser, the content left open.
    e.frame = in;
    e.user = true;
    e.check_bytes = false;
    return e;
  }

  // The frame's whole beats after the datagram's last byte (frame byte 22 + dgram - 1), the
  // Ethernet padding of a short packet, are not carried (packet section P3's stage, its
  // header comment); the bytes after it in its own beat are.
  Bytes body = in;
  if (!cut) body.resize(std::min<size_t>(in.size(), ((22 + dgram - 1) / 16 + 1) * 16));
  Bytes out;
  const Bytes esp = esp_and_iv(sa.spi, sn);
  if (!sa.tunnel) {
    const size_t hdr = v6 ? 62 : 42;
    out.assign(body.begin(), body.begin() + static_cast<long>(hdr));
    out.insert(out.end(), esp.begin(), esp.end());
    out.insert(out.end(), body.begin() + static_cast<long>(hdr), body.end());
    if (v6) {
      put16(out, 26, rawlen + 16);
      out[28] = 50;
    } else {
      put16(out, 24, rawlen + 16);
      out[31] = 50;
      put16(out, 32, model::ipv4_header_checksum(&out[22], 20));
    }
    out[19] = nh;
  } else {
    // Tunnel (packet section P2's outer fields): DSCP and ECN from the SA, or both copied from
    // the inner header (RFC 6040 normal mode copies ECN); DF from the inner header or set.
    const uint8_t itos = static_cast<uint8_t>(v6 ? ((at(22) & 15) << 4 | at(23) >> 4) : at(23));
    const uint8_t tos = (sa.flags & 1) ? itos : sa.tos;
    const bool df = (sa.flags & 2) ? (v6 || (at(28) & 0x40) != 0) : true;
    Bytes h;
    if (!sa.outer6) {
      h = {0x45, tos, 0, 0, static_cast<uint8_t>(sn >> 8), static_cast<uint8_t>(sn),
           static_cast<uint8_t>(df ? 0x40 : 0), 0, sa.ttl, 50, 0, 0};
      put16(h, 2, dgram + 36);
      h.insert(h.end(), sa.sip.begin() + 12, sa.sip.end());
      h.insert(h.end(), sa.dip.begin() + 12, sa.dip.end());
      put16(h, 10, model::ipv4_header_checksum(h.data(), 20));
    } else {
      const uint32_t w = 6u << 28 | uint32_t{tos} << 20 | (sa.flow & 0xFFFFF);
      h = {static_cast<uint8_t>(w >> 24), static_cast<uint8_t>(w >> 16), static_cast<uint8_t>(w >> 8),
           static_cast<uint8_t>(w), 0, 0, 50, sa.ttl};
      put16(h, 4, dgram + 16);
      h.insert(h.end(), sa.sip.begin(), sa.sip.end());
      h.insert(h.end(), sa.dip.begin(), sa.dip.end());
    }
    out.assign(body.begin(), body.begin() + 20);
    out.push_back(sa.outer6 ? 0x86 : 0x08);
    out.push_back(sa.outer6 ? 0xDD : 0x00);
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), esp.begin(), esp.end());
    out.insert(out.end(), body.begin() + 22, body.end());
    out[19] = v6 ? 41 : 4;
  }
  out[14] = 0x08;
  out[15] = out[16] = out[17] = out[18] = 0;
  // Nor is a beat out that would hold padding only (the datagram's last byte, frame byte
  // 22 + dgram - 1 in, is `out.size() - body.size()` bytes further out).
  if (!cut) {
    const size_t last = 22 + dgram - 1 + (out.size() - body.size());
    out.resize(std::min<size_t>(out.size(), (last / 16 + 1) * 16));
  }
  e.frame = out;
  e.user = bad;
  e.check_bytes = !bad;
  return e;
}

}  // namespace ipsec::tb::encap
