#include "print_formats.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "ip_xfrm_command.h"

namespace ipsec::tool {

using driver::AddressFamily;
using driver::IpAddress;
using driver::XfrmMode;

namespace {

constexpr uint8_t kXfrmStateEsn = 128;  // XFRM_STATE_ESN

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  return buf;
}

// rt_addr_n2a for a family: an address not given prints as the family's zero address.
std::string address_text(const IpAddress& a, AddressFamily family) {
  if (a.family() != AddressFamily::kUnspec) return a.to_string();
  return family == AddressFamily::kInet6 ? "::" : "0.0.0.0";
}

// The 16 bytes of an xfrm_address_t as rt_addr_n2a prints them for `family` (an IPv4
// address occupies the first 4 bytes).
std::string raw_address_text(const IpAddress& a, AddressFamily family) {
  uint8_t raw[16] = {};
  std::copy_n(a.data(), std::min<size_t>(a.size(), sizeof raw), raw);
  char text[INET6_ADDRSTRLEN] = {};
  const bool v6 = family == AddressFamily::kInet6;
  inet_ntop(v6 ? AF_INET6 : AF_INET, raw, text, sizeof text);
  return text;
}

std::string hex_key(const driver::Bytes& key) {
  std::string s = "0x";
  for (uint8_t b : key) s += fmt("%.2x", b);
  return s;
}

// strxf_mask8: the 8 bits of a flags byte, most significant first.
std::string mask8(uint8_t mask) {
  std::string s;
  for (int b = 7; b >= 0; --b) s += (mask >> b & 1) ? '1' : '0';
  return s;
}

const char* mode_text(XfrmMode mode) {
  switch (mode) {
    case XfrmMode::kTransport:
      return "transport";
    case XfrmMode::kTunnel:
      return "tunnel";
    case XfrmMode::kRouteOptimization:
      return "ro";
    case XfrmMode::kInTrigger:
      return "in_trigger";
    case XfrmMode::kBeet:
      return "beet";
  }
  return "?";
}

// xfrm_id_info_print.
std::string id_info(const IpAddress& saddr, const IpAddress& daddr, AddressFamily family,
                    uint32_t spi, bool force_spi, uint32_t reqid, XfrmMode mode,
                    const std::string& prefix, const char* title, int show_stats) {
  std::string s = title ? title : "";
  s += "src " + address_text(saddr, family) + " ";
  s += "dst " + address_text(daddr, family) + "\n";
  s += prefix + "\t";
  s += "proto esp ";
  if (show_stats > 0 || force_spi || spi) {
    s += fmt("spi 0x%08x", spi);
    if (show_stats > 0) s += fmt("(%u)", spi);
    s += " ";
  }
  s += fmt("reqid %u", reqid);
  if (show_stats > 0) s += fmt("(0x%08x)", reqid);
  s += " ";
  s += std::string("mode ") + mode_text(mode) + "\n";
  return s;
}

// xfrm_selector_print.
std::string selector_text(const driver::XfrmSelector& sel, AddressFamily family,
                          const std::string& prefix, int show_stats) {
  AddressFamily f = xfrm::selector_family(sel);
  if (f == AddressFamily::kUnspec) f = family;
  std::string s = prefix;
  s += fmt("src %s/%u ", address_text(sel.saddr, f).c_str(), sel.prefixlen_s);
  s += fmt("dst %s/%u ", address_text(sel.daddr, f).c_str(), sel.prefixlen_d);
  if (sel.proto) s += "proto " + protocol_name(sel.proto) + " ";
  if (sel.proto == 1 || sel.proto == 58) {
    if (sel.sport_mask) s += fmt("type %u ", sel.sport);
    if (sel.dport_mask) s += fmt("code %u ", sel.dport);
  } else {
    if (sel.sport_mask) s += fmt("sport %u ", sel.sport);
    if (sel.dport_mask) s += fmt("dport %u ", sel.dport);
  }
  if (show_stats > 0) s += "uid 0";
  return s + "\n";
}

// strxf_limit: "(INF)" for XFRM_INF.
std::string limit_text(uint64_t limit) {
  if (limit == driver::kXfrmInf) return "(INF)";
  return std::to_string(limit);
}

// xfrm_lifetime_print; the time limits are never set here (`limit time-*` is refused).
std::string lifetime_text(const xfrm::XfrmLifetimeCur& cur, const std::string& prefix,
                          const driver::XfrmLifetimeCfg& cfg = {}) {
  std::string s;
  s += prefix + "lifetime config:\n";
  s += prefix + "  limit: soft " + limit_text(cfg.soft_byte_limit) + "(bytes), hard " +
       limit_text(cfg.hard_byte_limit) + "(bytes)\n";
  s += prefix + "  limit: soft " + limit_text(cfg.soft_packet_limit) + "(packets), hard " +
       limit_text(cfg.hard_packet_limit) + "(packets)\n";
  s += prefix + "  expire add: soft 0(sec), hard 0(sec)\n";
  s += prefix + "  expire use: soft 0(sec), hard 0(sec)\n";
  s += prefix + "lifetime current:\n";
  s += prefix + fmt("  %llu(bytes), %llu(packets)\n", static_cast<unsigned long long>(cur.bytes),
                    static_cast<unsigned long long>(cur.packets));
  s += prefix + "  add " + format_xfrm_time(cur.add_time) + " ";
  s += "use " + format_xfrm_time(cur.use_time) + "\n";
  return s;
}

std::string algo_text(const char* type, const std::string& name, const driver::Bytes& key,
                      const std::string& prefix, int show_stats) {
  std::string s = prefix + type + " " + name + " " + hex_key(key);
  if (show_stats > 0) s += fmt(" (%zu bits)", key.size() * 8);
  return s;
}

}  // namespace

std::string format_xfrm_time(uint64_t seconds) {
  if (seconds == 0) return "-";
  const time_t t = static_cast<time_t>(seconds);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %T", &tm);
  return buf;
}

std::string format_state(const xfrm::StateEntry& e, const std::string& device, int show_stats) {
  const driver::XfrmState& x = e.state;
  const AddressFamily family = x.family();
  const xfrm::ReplayWindow& r = e.replay;
  const std::string buf = "\t";
  std::string s =
      id_info(x.saddr, x.daddr, family, x.spi, true, x.reqid, x.mode, "", nullptr, show_stats);

  // xsinfo->replay_window is zero when the replay state went as XFRMA_REPLAY_ESN_VAL.
  const uint8_t flags = x.flag_esn ? kXfrmStateEsn : 0;
  s += buf + fmt("replay-window %u ", r.bitmap_mode() ? 0u : r.window());
  if (show_stats > 0) s += "seq 0x00000000 ";
  if (show_stats > 0 || flags) {
    s += "flag ";
    if (flags & kXfrmStateEsn) s += "esn";
  }
  if (show_stats > 0) s += " (0x" + mask8(flags) + ")";
  s += "\n";

  // xfrm_xfrma_print: algorithms, encap, lastused, replay state, offload.
  if (x.auth) {
    s += algo_text("auth-trunc", x.auth->name, x.auth->key, buf, show_stats) +
         fmt(" %u\n", x.auth->trunc_bits);
  }
  if (x.aead) {
    s += algo_text("aead", x.aead->name, x.aead->key, buf, show_stats) +
         fmt(" %u\n", x.aead->icv_bits);
  }
  if (x.enc) s += algo_text("enc", x.enc->name, x.enc->key, buf, show_stats) + "\n";
  if (x.encap) {
    s += buf + "encap type ";
    switch (x.encap->type) {
      case 1: s += "espinudp-nonike "; break;
      case 2: s += "espinudp "; break;
      case 7: s += "espintcp "; break;
      default: s += fmt("%u ", x.encap->type); break;
    }
    s += fmt("sport %u dport %u ", x.encap->sport, x.encap->dport);
    // rt_addr_n2a(family, ...): encap_oa's 16 bytes read as the state's family.
    s += "addr " + raw_address_text(x.encap->oa, family) + "\n";
  }
  if (e.lastused) s += buf + "lastused " + format_xfrm_time(e.lastused) + "\n";
  const driver::XfrmReplayState& rs = r.state();
  if (!r.bitmap_mode()) {
    s += buf + fmt("anti-replay context: seq 0x%x, oseq 0x%x, bitmap 0x%08x\n", rs.seq, rs.oseq,
                   r.legacy_bitmap());
  } else {
    s += buf + "anti-replay esn context:\n";
    s += buf + fmt(" seq-hi 0x%x, seq 0x%x, oseq-hi 0x%0x, oseq 0x%0x\n", rs.seq_hi, rs.seq,
                   rs.oseq_hi, rs.oseq);
    const std::vector<uint32_t>& bmp = r.bitmap();
    s += buf + fmt(" replay_window %u, bitmap-length %zu", r.window(), bmp.size());
    size_t j = 0;
    for (size_t i = bmp.size(); i > 0; --i) {
      if (j++ % 8 == 0) s += "\n" + buf + " ";
      s += fmt("%08x ", bmp[i - 1]);
    }
    s += "\n";
  }
  if (e.offload && x.offload) {
    // 6.2 added "mode crypto|packet" (XFRM_OFFLOAD_PACKET); a state's line has the dir.
    s += buf + "crypto offload parameters: dev " + device + " dir " +
         (x.offload->dir == driver::OffloadDirection::kIn ? "in" : "out") + " mode " +
         (x.packet_offload() ? "packet" : "crypto") + "\n";
  }
  // XFRMA_TFCPAD: the kernel sends it only when tfcpad is not zero.
  if (x.tfcpad) s += buf + fmt("tfcpad %u\n", x.tfcpad);
  // The kernel gives the selector the state's family, so it is never all zero.
  s += selector_text(x.selector, family, buf + "sel ", show_stats);
  if (show_stats > 0) {
    s += lifetime_text(e.curlft, buf, x.lft);
    s += buf + "stats:\n";
    s += buf + fmt("  replay-window %u replay %u failed %u\n", e.stats.replay_window,
                   e.stats.replay, e.stats.integrity_failed);
  }
  return s;
}

std::string format_policy(const xfrm::XfrmPolicy& p, int show_stats) {
  const AddressFamily family = xfrm::selector_family(p.sel);
  std::string s = selector_text(p.sel, family, "", show_stats);
  const std::string buf = "\t";
  s += buf + "dir " + xfrm::to_string(p.dir) + " ";
  if (p.action == xfrm::PolicyAction::kBlock) {
    s += "action block ";
  } else if (show_stats > 0) {
    s += "action allow ";
  }
  if (show_stats) s += fmt("index %u ", p.index);
  s += fmt("priority %u ", p.priority);
  s += "ptype main ";
  if (show_stats > 0) s += "share any ";
  if (show_stats > 0) s += "flag  (0x" + mask8(0) + ")";
  s += "\n";
  if (show_stats > 0) {
    xfrm::XfrmLifetimeCur cur;
    cur.add_time = p.add_time;
    s += lifetime_text(cur, buf);
  }
  for (const xfrm::XfrmTmpl& t : p.tmpls) {
    AddressFamily tf =
        t.daddr.family() != AddressFamily::kUnspec ? t.daddr.family() : t.saddr.family();
    if (tf == AddressFamily::kUnspec) tf = family;
    s += buf +
         id_info(t.saddr, t.daddr, tf, t.spi, false, t.reqid, t.mode, buf, "tmpl ", show_stats);
    if (show_stats > 0 || t.optional) {
      s += buf + "\t";
      if (t.optional) {
        s += "level use ";
      } else if (show_stats > 0) {
        s += "level required ";
      }
      if (show_stats > 0) s += "share any ";
      s += "\n";
    }
    if (show_stats > 0) {
      s += buf + "\tenc-mask ffffffff auth-mask ffffffff comp-mask ffffffff\n";
    }
  }
  // XFRMA_OFFLOAD_DEV, printed without a direction for a policy (xfrm_xfrma_print's dir).
  if (!p.offload_dev.empty()) {
    s += buf + "crypto offload parameters: dev " + p.offload_dev + " mode packet\n";
  }
  return s;
}

std::string format_ethtool_stats(const std::vector<driver::EthtoolStat>& stats) {
  std::string s = "NIC statistics:\n";
  for (const driver::EthtoolStat& st : stats) {
    s += "     " + st.name + ": " + std::to_string(st.value) + "\n";
  }
  return s;
}

}  // namespace ipsec::tool
