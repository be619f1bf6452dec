#include "ip_xfrm_command.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

namespace ipsec::tool {

using driver::IpAddress;
using driver::XfrmMode;
using driver::XfrmProto;
using xfrm::PolicyDir;

namespace {

// ---- iproute2's argument handling --------------------------------------------------------

[[noreturn]] void invarg(const std::string& msg, const std::string& arg) {
  throw IpUsageError("Error: argument \"" + arg + "\" is wrong: " + msg);
}
[[noreturn]] void missarg(const std::string& key) {
  throw IpUsageError("Error: argument \"" + key + "\" is required");
}
[[noreturn]] void duparg(const std::string& key, const std::string& arg) {
  throw IpUsageError("Error: duplicate \"" + key + "\": \"" + arg + "\" is the second value.");
}
[[noreturn]] void incomplete() {
  throw IpUsageError("Command line is not complete. Try option \"help\"");
}
[[noreturn]] void unsupported(const std::string& what) {
  throw IpUsageError(what + " is not supported by this simulator");
}

// matches(): `word` is a non-empty prefix of `pattern`.
bool matches(const std::string& word, const char* pattern) {
  const std::string p(pattern);
  return !word.empty() && word.size() <= p.size() && p.compare(0, word.size(), word) == 0;
}

// A cursor over the words, with iproute2's NEXT_ARG().
class Args {
 public:
  Args(const std::vector<std::string>& w, size_t i) : w_(w), i_(i) {}
  bool done() const { return i_ >= w_.size(); }
  const std::string& cur() const { return w_[i_]; }
  bool next_ok() const { return i_ + 1 < w_.size(); }
  const std::string& next() {
    if (!next_ok()) incomplete();
    return w_[++i_];
  }
  void advance() { ++i_; }
  void back() { --i_; }

 private:
  const std::vector<std::string>& w_;
  size_t i_;
};

struct Prefix {
  IpAddress addr;
  uint8_t bitlen = 0;
};

std::optional<Prefix> parse_prefix(const std::string& text) {
  const size_t slash = text.find('/');
  const std::optional<IpAddress> a = IpAddress::parse(text.substr(0, slash));
  if (!a) return std::nullopt;
  Prefix p;
  p.addr = *a;
  const uint32_t max = a->is_v4() ? 32 : 128;
  p.bitlen = static_cast<uint8_t>(max);
  if (slash != std::string::npos) {
    uint32_t len = 0;
    if (!parse_u32(text.substr(slash + 1), len) || len > max) return std::nullopt;
    p.bitlen = static_cast<uint8_t>(len);
  }
  return p;
}

const struct {
  const char* name;
  uint8_t number;
} kProtocols[] = {
    {"ip", 0},         {"icmp", 1},   {"igmp", 2},      {"ipencap", 4},     {"tcp", 6},
    {"udp", 17},       {"dccp", 33},  {"ipv6", 41},     {"ipv6-route", 43}, {"ipv6-frag", 44},
    {"gre", 47},       {"esp", 50},   {"ah", 51},       {"ipv6-icmp", 58},  {"ipv6-nonxt", 59},
    {"ipv6-opts", 60}, {"sctp", 132}, {"udplite", 136},
};

uint8_t parse_protocol(const std::string& arg) {
  if (arg == "any") return 0;
  for (const auto& p : kProtocols) {
    if (arg == p.name) return p.number;
  }
  uint32_t v = 0;
  if (!parse_u32(arg, v) || v > 255) invarg("PROTO value is invalid", arg);
  return static_cast<uint8_t>(v);
}

uint32_t u32_arg(Args& a, const std::string& what) {
  const std::string& v = a.next();
  uint32_t x = 0;
  if (!parse_u32(v, x)) invarg("value after \"" + what + "\" is invalid", v);
  return x;
}

// xfrm_id_parse: src, dst, proto, spi in any order; stops at the first other word.
struct Id {
  IpAddress saddr;
  IpAddress daddr;
  std::optional<XfrmProto> proto;
  uint32_t spi = 0;
  bool spi_given = false;
};

Id parse_id(Args& a, bool need_proto) {
  Id id;
  bool any = false;
  for (; !a.done(); a.advance()) {
    const std::string& w = a.cur();
    if (w == "src" || w == "dst") {
      const std::string& v = a.next();
      const std::optional<Prefix> p = parse_prefix(v);
      if (!p) invarg("value after \"" + w + "\" has an unrecognized address family", v);
      (w == "src" ? id.saddr : id.daddr) = p->addr;
    } else if (w == "proto") {
      const std::string& v = a.next();
      if (v == "esp") {
        id.proto = XfrmProto::kEsp;
      } else if (v == "ah" || v == "comp" || v == "route2" || v == "hao" || v == "ipsec-any") {
        unsupported("XFRM-PROTO \"" + v + "\" (this stack does ESP)");
      } else {
        invarg("XFRM-PROTO value is invalid", v);
      }
    } else if (w == "spi") {
      id.spi = u32_arg(a, "spi");
      id.spi_given = true;
    } else {
      break;
    }
    any = true;
  }
  if (id.saddr.family() != driver::AddressFamily::kUnspec &&
      id.daddr.family() != driver::AddressFamily::kUnspec &&
      id.saddr.family() != id.daddr.family()) {
    invarg("the same address family is required between values after \"src\" and \"dst\"",
           a.done() ? std::string("dst") : a.cur());
  }
  if (need_proto && !id.proto) missarg("XFRM-PROTO");
  if (!any) missarg("ID");
  a.back();  // the caller's loop advances past the last word taken
  return id;
}

XfrmMode parse_mode(const std::string& v) {
  if (matches(v, "transport")) return XfrmMode::kTransport;
  if (matches(v, "tunnel")) return XfrmMode::kTunnel;
  if (matches(v, "ro") || matches(v, "in_trigger") || matches(v, "beet")) {
    unsupported("mode \"" + v + "\" (this stack does transport and tunnel)");
  }
  invarg("MODE value is invalid", v);
}

// xfrm_selector_parse: src, dst (with prefixes), then one upper-layer spec.
driver::XfrmSelector parse_selector(Args& a) {
  driver::XfrmSelector sel;
  bool any = false;
  bool upspec = false;
  bool ports = false, icmp = false;
  for (; !a.done(); a.advance()) {
    const std::string& w = a.cur();
    if (w == "src" || w == "dst") {
      const std::string& v = a.next();
      const std::optional<Prefix> p = parse_prefix(v);
      if (!p) invarg("value after \"" + w + "\" has an unrecognized address family", v);
      if (w == "src") {
        sel.saddr = p->addr;
        sel.prefixlen_s = p->bitlen;
      } else {
        sel.daddr = p->addr;
        sel.prefixlen_d = p->bitlen;
      }
    } else if (w == "dev") {
      unsupported("a selector's \"dev\"");
    } else if (!upspec &&
               (w == "proto" || w == "sport" || w == "dport" || w == "type" || w == "code")) {
      // xfrm_selector_upspec_parse: consecutive proto, sport, dport, type, code.
      for (; !a.done(); a.advance()) {
        const std::string& u = a.cur();
        if (u == "proto") {
          sel.proto = parse_protocol(a.next());
        } else if (u == "sport" || u == "dport") {
          const std::string& v = a.next();
          uint32_t port = 0;
          if (!parse_u32(v, port) || port > 0xFFFF)
            invarg("value after \"" + u + "\" is invalid", v);
          (u == "sport" ? sel.sport : sel.dport) = static_cast<uint16_t>(port);
          if (port) (u == "sport" ? sel.sport_mask : sel.dport_mask) = 0xFFFF;
          ports = true;
        } else if (u == "type" || u == "code") {
          const std::string& v = a.next();
          uint32_t x = 0;
          if (!parse_u32(v, x) || x > 0xFF) invarg("value after \"" + u + "\" is invalid", v);
          (u == "type" ? sel.sport : sel.dport) = static_cast<uint16_t>(x);
          (u == "type" ? sel.sport_mask : sel.dport_mask) = 0xFFFF;
          icmp = true;
        } else {
          break;
        }
      }
      a.back();
      upspec = true;
    } else {
      break;
    }
    any = true;
  }
  if (ports && sel.proto != 6 && sel.proto != 17 && sel.proto != 132 && sel.proto != 33 &&
      sel.proto != 0) {
    throw IpUsageError("\"sport\" and \"dport\" are invalid with PROTO value \"" +
                       protocol_name(sel.proto) + "\"");
  }
  if (icmp && sel.proto != 1 && sel.proto != 58) {
    throw IpUsageError("\"type\" and \"code\" are invalid with PROTO value \"" +
                       protocol_name(sel.proto) + "\"");
  }
  if (sel.saddr.family() != driver::AddressFamily::kUnspec &&
      sel.daddr.family() != driver::AddressFamily::kUnspec &&
      sel.saddr.family() != sel.daddr.family()) {
    invarg("the same address family is required between values after \"src\" and \"dst\"",
           a.done() ? std::string("dst") : a.cur());
  }
  if (!any) missarg("SELECTOR");
  a.back();
  return sel;
}

// xfrm_algo_parse: 0x-prefixed hex (an odd count gets a leading zero) or literal text.
driver::Bytes parse_key(const std::string& key) {
  driver::Bytes out;
  if (key.size() > 2 && key.compare(0, 2, "0x") == 0) {
    std::string hex = key.substr(2);
    if (hex.size() % 2) hex.insert(hex.begin(), '0');
    for (size_t i = 0; i < hex.size(); i += 2) {
      char* end = nullptr;
      const std::string byte = hex.substr(i, 2);
      const unsigned long v = std::strtoul(byte.c_str(), &end, 16);
      if (*end != '\0' || byte.find_first_of("+- ") != std::string::npos) {
        invarg("ALGO-KEYMAT value is invalid", key);
      }
      out.push_back(static_cast<uint8_t>(v));
    }
  } else {
    out.assign(key.begin(), key.end());
  }
  if (out.size() > 512) invarg("ALGO-KEYMAT value makes buffer overflow", key);
  return out;
}

// The truncation the kernel gives an `auth` algorithm (xfrm_algo.c icv_truncbits).
uint32_t default_trunc_bits(const std::string& name) {
  if (name == "hmac(sha384)") return 192;
  if (name == "hmac(sha512)") return 256;
  return 96;
}

void remember(driver::Status& first, const driver::Status& s) {
  if (first.ok() && !s.ok()) first = s;
}

// ---- ip xfrm state ... -------------------------------------------------------------------

// xfrm_lifetime_cfg_parse: one limit per `limit` word. The byte and packet limits are kept;
// time limits need the kernel's timers, which this simulator does not keep.
void parse_limit(Args& a, driver::XfrmLifetimeCfg& lft) {
  const std::string& kind = a.next();
  uint64_t* field = nullptr;
  if (kind == "byte-soft") {
    field = &lft.soft_byte_limit;
  } else if (kind == "byte-hard") {
    field = &lft.hard_byte_limit;
  } else if (kind == "packet-soft") {
    field = &lft.soft_packet_limit;
  } else if (kind == "packet-hard") {
    field = &lft.hard_packet_limit;
  } else if (kind == "time-soft" || kind == "time-hard" || kind == "time-use-soft" ||
             kind == "time-use-hard") {
    unsupported("limit \"" + kind + "\" (time limits)");
  } else {
    invarg("LIMIT value is invalid", kind);
  }
  const std::string& v = a.next();
  if (!parse_u64(v, *field)) invarg("value after \"" + kind + "\" is invalid", v);
}

StateAdd parse_state_add(Args& a, const std::string& device) {
  StateAdd add;
  driver::XfrmState& x = add.state;
  bool have_id = false, aead = false, enc = false, auth = false, comp = false;
  for (; !a.done(); a.advance()) {
    const std::string& w = a.cur();
    if (w == "mode") {
      x.mode = parse_mode(a.next());
    } else if (w == "reqid") {
      const std::string& v = a.next();
      if (!parse_u32(v, x.reqid)) invarg("REQID value is invalid", v);
    } else if (w == "replay-window") {
      x.replay_window = u32_arg(a, w);
    } else if (w == "replay-seq") {
      x.replay.seq = u32_arg(a, w);
    } else if (w == "replay-oseq") {
      x.replay.oseq = u32_arg(a, w);
    } else if (w == "replay-seq-hi") {
      x.replay.seq_hi = u32_arg(a, w);
    } else if (w == "replay-oseq-hi") {
      x.replay.oseq_hi = u32_arg(a, w);
    } else if (w == "flag") {
      // xfrm_state_flag_parse: consecutive flag names.
      a.next();
      for (; !a.done(); a.advance()) {
        const std::string& f = a.cur();
        if (f == "esn") {
          x.flag_esn = true;
        } else if (f == "noecn" || f == "decap-dscp" || f == "nopmtudisc" || f == "wildrecv" ||
                   f == "icmp" || f == "af-unspec" || f == "align4" || f.compare(0, 2, "0x") == 0) {
          unsupported("flag \"" + f + "\" (this stack knows esn)");
        } else {
          break;
        }
      }
      a.back();
    } else if (w == "sel") {
      a.next();
      x.selector = parse_selector(a);
    } else if (w == "encap") {
      const std::string& type = a.next();
      driver::XfrmEncap e;
      if (type == "espinudp-nonike") {
        e.type = 1;  // UDP_ENCAP_ESPINUDP_NON_IKE
      } else if (type == "espinudp") {
        e.type = 2;  // UDP_ENCAP_ESPINUDP
      } else if (type == "espintcp") {
        e.type = 7;  // TCP_ENCAP_ESPINTCP
      } else {
        invarg("ENCAP-TYPE value is invalid", type);
      }
      uint32_t sport = 0, dport = 0;
      const std::string& sp = a.next();
      if (!parse_u32(sp, sport) || sport > 0xFFFF)
        invarg("SPORT value after \"encap\" is invalid", sp);
      const std::string& dp = a.next();
      if (!parse_u32(dp, dport) || dport > 0xFFFF)
        invarg("DPORT value after \"encap\" is invalid", dp);
      // get_addr(&oa, *argv, AF_UNSPEC): any family, exits with its own message.
      const std::string& oa = a.next();
      const std::optional<IpAddress> addr = IpAddress::parse(oa);
      if (!addr) {
        throw IpUsageError("Error: any valid address is expected rather than \"" + oa + "\".");
      }
      e.oa = *addr;
      e.sport = static_cast<uint16_t>(sport);
      e.dport = static_cast<uint16_t>(dport);
      x.encap = e;
    } else if (w == "tfcpad") {
      x.tfcpad = u32_arg(a, w);
    } else if (w == "offload") {
      // iproute2 6.2 xfrm_state_modify: [crypto|packet] dev DEV dir DIR, DEV by
      // ll_name_to_index; `packet` sets XFRM_OFFLOAD_PACKET.
      driver::OffloadType type = driver::OffloadType::kCrypto;
      std::string v = a.next();
      if (v == "crypto") {
        v = a.next();
      } else if (v == "packet") {
        type = driver::OffloadType::kPacket;
        v = a.next();
      }
      if (v != "dev") invarg("Missing dev keyword", v);
      const std::string& dev = a.next();
      if (dev != device) invarg("Invalid device name", dev);
      const std::string& d = a.next();
      if (d != "dir") invarg("Missing DIR keyword", d);
      const std::string& dir = a.next();
      driver::XfrmOffloadRequest req;
      req.dev = dev;
      req.type = type;
      if (dir == "in") {
        req.dir = driver::OffloadDirection::kIn;
      } else if (dir == "out") {
        req.dir = driver::OffloadDirection::kOut;
      } else {
        invarg("DIR value is invalid", dir);
      }
      x.offload = req;
    } else if (w == "aead" || w == "enc" || w == "auth" || w == "auth-trunc" || w == "comp") {
      if (w == "aead" && (enc || auth || aead)) duparg("ALGO-TYPE", w);
      if (w == "enc" && (enc || aead)) duparg("ALGO-TYPE", w);
      if ((w == "auth" || w == "auth-trunc") && (auth || aead)) duparg("ALGO-TYPE", w);
      if (w == "comp" && comp) duparg("ALGO-TYPE", w);
      if (!a.next_ok()) missarg("ALGO-NAME");
      const std::string name = a.next();
      std::string key;
      if (w != "comp") {
        if (!a.next_ok()) missarg("ALGO-KEYMAT");
        key = a.next();
      }
      if (w == "aead") {
        if (!a.next_ok()) missarg("ALGO-ICV-LEN");
        const std::string& icv = a.next();
        uint32_t icv_bits = 0;
        if (!parse_u32(icv, icv_bits)) invarg("ALGO-ICV-LEN value is invalid", icv);
        remember(add.kernel_error, x.attach_aead({name, parse_key(key), icv_bits}));
        aead = true;
      } else if (w == "enc") {
        remember(add.kernel_error, x.attach_enc({name, parse_key(key)}));
        enc = true;
      } else if (w == "auth" || w == "auth-trunc") {
        uint32_t trunc = default_trunc_bits(name);
        if (w == "auth-trunc") {
          if (!a.next_ok()) missarg("ALGO-TRUNC-LEN");
          const std::string& t = a.next();
          if (!parse_u32(t, trunc)) invarg("ALGO-TRUNC-LEN value is invalid", t);
        }
        remember(add.kernel_error, x.attach_auth({name, parse_key(key), trunc}));
        auth = true;
      } else {
        comp = true;
        remember(add.kernel_error, x.attach_comp({name}));
      }
    } else if (w == "limit") {
      parse_limit(a, x.lft);
    } else if (w == "mark" || w == "seq" || w == "coa" || w == "ctx" ||
               w == "extra-flag" || w == "if_id" || w == "output-mark") {
      unsupported("option \"" + w + "\"");
    } else if (!have_id && (w == "src" || w == "dst" || w == "proto" || w == "spi")) {
      const Id id = parse_id(a, true);
      x.saddr = id.saddr;
      x.daddr = id.daddr;
      x.proto = *id.proto;
      x.spi = id.spi;
      have_id = true;
    } else {
      invarg("unknown", w);
    }
  }
  if (x.flag_esn && x.replay_window == 0) {
    throw IpUsageError("Error: esn flag set without replay-window.");
  }
  if (!have_id) throw IpUsageError("Not enough information: ID is required");
  if (comp) {
    throw IpUsageError("ALGO-TYPE value \"comp\" is invalid with XFRM-PROTO value \"esp\"");
  }
  if (!enc && !aead) {
    throw IpUsageError(
        "ALGO-TYPE value \"enc\" or \"aead\" is required with XFRM-PROTO value \"esp\"");
  }
  return add;
}

IpXfrmAction parse_state(Args& a, const std::string& device) {
  if (a.done()) return StateList{};
  const std::string sub = a.cur();
  a.advance();
  if (matches(sub, "add")) return parse_state_add(a, device);
  if (matches(sub, "update") || matches(sub, "allocspi")) unsupported("ip xfrm state " + sub);
  if (matches(sub, "delete")) {
    if (a.done()) missarg("ID");
    StateDelete del;
    for (; !a.done(); a.advance()) {
      const std::string& w = a.cur();
      if (w == "src" || w == "dst" || w == "proto" || w == "spi") {
        const Id id = parse_id(a, true);
        if (id.daddr.family() == driver::AddressFamily::kUnspec) missarg("dst");
        if (!id.spi_given) missarg("spi");
        del.daddr = id.daddr;
        del.proto = *id.proto;
        del.spi = id.spi;
      } else if (w == "mark") {
        unsupported("option \"mark\"");
      } else {
        invarg("unknown", w);
      }
    }
    return del;
  }
  if (matches(sub, "deleteall") || matches(sub, "delall")) unsupported("ip xfrm state " + sub);
  if (matches(sub, "list") || matches(sub, "show") || matches(sub, "lst")) {
    if (!a.done()) unsupported("filtering the state list (\"" + a.cur() + "\")");
    return StateList{};
  }
  if (matches(sub, "get") || matches(sub, "count")) unsupported("ip xfrm state " + sub);
  if (matches(sub, "flush")) {
    for (; !a.done(); a.advance()) {
      if (a.cur() == "proto") {
        const std::string& v = a.next();
        if (v != "esp") unsupported("XFRM-PROTO \"" + v + "\" (this stack does ESP)");
      } else {
        invarg("unknown", a.cur());
      }
    }
    return StateFlush{};
  }
  throw IpUsageError("Command \"" + sub + "\" is unknown, try \"ip xfrm state help\".");
}

// ---- ip xfrm policy ... ------------------------------------------------------------------

// xfrm_policy_ptype_parse: main (every policy this SPD holds) or sub (not simulated).
void parse_ptype(Args& a, bool& seen) {
  const std::string& v = a.next();
  if (seen) duparg("ptype", v);
  seen = true;
  if (v == "sub") unsupported("policy type \"sub\" (this SPD holds main policies)");
  if (v != "main") invarg("PTYPE value is invalid", v);
}

PolicyDir parse_dir(const std::string& v) {
  if (v == "in") return PolicyDir::kIn;
  if (v == "out") return PolicyDir::kOut;
  if (v == "fwd") return PolicyDir::kFwd;
  invarg("DIR value is invalid", v);
}

xfrm::XfrmTmpl parse_tmpl(Args& a) {
  xfrm::XfrmTmpl t;
  bool have_id = false;
  for (; !a.done(); a.advance()) {
    const std::string& w = a.cur();
    if (w == "mode") {
      t.mode = parse_mode(a.next());
    } else if (w == "reqid") {
      const std::string& v = a.next();
      if (!parse_u32(v, t.reqid)) invarg("REQID value is invalid", v);
    } else if (w == "level") {
      const std::string& v = a.next();
      if (v == "required") {
        t.optional = false;
      } else if (v == "use") {
        t.optional = true;
      } else {
        invarg("LEVEL value is invalid\n", v);
      }
    } else if (!have_id && (w == "src" || w == "dst" || w == "proto" || w == "spi")) {
      const Id id = parse_id(a, true);
      t.saddr = id.saddr;
      t.daddr = id.daddr;
      t.proto = *id.proto;
      t.spi = id.spi;
      have_id = true;
    } else {
      break;
    }
  }
  if (!have_id) missarg("TMPL");
  a.back();
  return t;
}

PolicyAdd parse_policy_add(Args& a, const std::string& device) {
  PolicyAdd add;
  xfrm::XfrmPolicy& p = add.policy;
  bool dir = false, sel = false, ptype = false;
  for (; !a.done(); a.advance()) {
    const std::string& w = a.cur();
    if (w == "dir") {
      if (dir) duparg("dir", w);
      p.dir = parse_dir(a.next());
      dir = true;
    } else if (w == "action") {
      const std::string& v = a.next();
      if (v == "allow") {
        p.action = xfrm::PolicyAction::kAllow;
      } else if (v == "block") {
        p.action = xfrm::PolicyAction::kBlock;
      } else {
        invarg("ACTION value is invalid\n", v);
      }
    } else if (w == "priority") {
      const std::string& v = a.next();
      if (!parse_u32(v, p.priority)) invarg("PRIORITY value is invalid", v);
    } else if (w == "tmpl") {
      a.next();
      if (!p.tmpls.empty()) unsupported("more than one template");
      p.tmpls.push_back(parse_tmpl(a));
    } else if (w == "ptype") {
      parse_ptype(a, ptype);
    } else if (w == "offload") {
      // iproute2 6.2 xfrm_policy_modify: `offload packet dev DEV`, packet offload only.
      const std::string& mode = a.next();
      if (mode != "packet") invarg("Invalid offload mode", mode);
      const std::string& v = a.next();
      if (v != "dev") invarg("Missing dev keyword", v);
      const std::string& dev = a.next();
      if (dev != device) invarg("Invalid device name", dev);
      p.offload_dev = dev;
    } else if (w == "index" || w == "flag" || w == "limit" || w == "ctx" || w == "mark" ||
               w == "if_id") {
      unsupported("option \"" + w + "\"");
    } else {
      if (sel) duparg("unknown", w);
      p.sel = parse_selector(a);
      sel = true;
    }
  }
  if (!dir) throw IpUsageError("Not enough information: DIR is required");
  if (!sel) throw IpUsageError("Not enough information: SELECTOR is required");
  // A template without addresses takes the selector's family (iproute2's preferred_family).
  return add;
}

IpXfrmAction parse_policy(Args& a, const std::string& device) {
  if (a.done()) return PolicyList{};
  const std::string sub = a.cur();
  a.advance();
  if (matches(sub, "add")) return parse_policy_add(a, device);
  if (matches(sub, "update")) unsupported("ip xfrm policy " + sub);
  if (matches(sub, "delete")) {
    PolicyDelete del;
    bool dir = false, sel = false, ptype = false;
    for (; !a.done(); a.advance()) {
      const std::string& w = a.cur();
      if (w == "dir") {
        del.dir = parse_dir(a.next());
        dir = true;
      } else if (w == "ptype") {
        parse_ptype(a, ptype);
      } else if (w == "index" || w == "mark" || w == "ctx" || w == "if_id") {
        unsupported("option \"" + w + "\"");
      } else {
        if (sel) duparg("unknown", w);
        del.sel = parse_selector(a);
        sel = true;
      }
    }
    if (!dir) throw IpUsageError("Not enough information: DIR is required");
    if (!sel) throw IpUsageError("Not enough information: selector is required");
    return del;
  }
  if (matches(sub, "deleteall") || matches(sub, "delall")) unsupported("ip xfrm policy " + sub);
  if (matches(sub, "list") || matches(sub, "show") || matches(sub, "lst")) {
    if (!a.done()) unsupported("filtering the policy list (\"" + a.cur() + "\")");
    return PolicyList{};
  }
  if (matches(sub, "get")) unsupported("ip xfrm policy " + sub);
  if (matches(sub, "flush")) {
    bool ptype = false;
    for (; !a.done(); a.advance()) {
      if (a.cur() != "ptype") unsupported("flushing by \"" + a.cur() + "\"");
      parse_ptype(a, ptype);
    }
    return PolicyFlush{};
  }
  throw IpUsageError("Command \"" + sub + "\" is unknown, try \"ip xfrm policy help\".");
}

}  // namespace

bool parse_u64(const std::string& text, uint64_t& value) {
  if (text.empty() || text[0] == '-' || text[0] == '+' || text[0] == ' ') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno || *end != '\0') return false;
  value = v;
  return true;
}

bool parse_u32(const std::string& text, uint32_t& value) {
  uint64_t v = 0;
  if (!parse_u64(text, v) || v > UINT32_MAX) return false;
  value = static_cast<uint32_t>(v);
  return true;
}

std::string protocol_name(uint8_t proto) {
  for (const auto& p : kProtocols) {
    if (p.number == proto && proto != 0) return p.name;
  }
  return std::to_string(proto);
}

IpXfrmCommand parse_ip_command(const std::vector<std::string>& words, const std::string& device) {
  IpXfrmCommand cmd;
  size_t i = 1;
  // ip's options: -s, -stats, -statistics (and --stats), as many as given.
  for (; i < words.size() && words[i].size() > 1 && words[i][0] == '-'; ++i) {
    std::string opt = words[i];
    if (opt.size() > 2 && opt[1] == '-') opt.erase(0, 1);
    if (matches(opt, "-stats") || matches(opt, "-statistics")) {
      ++cmd.show_stats;
    } else {
      throw IpUsageError("Option \"" + words[i] + "\" is unknown, try \"ip -help\".");
    }
  }
  if (i >= words.size()) throw IpUsageError("Usage: ip [ OPTIONS ] xfrm { state | policy } ...");
  const std::string& object = words[i];
  if (!matches(object, "xfrm")) {
    throw IpUsageError("Object \"" + object + "\" is unknown or not simulated, try \"ip xfrm\".");
  }
  ++i;
  if (i >= words.size()) {
    throw IpUsageError("Usage: ip xfrm XFRM-OBJECT { COMMAND | help }");
  }
  const std::string& what = words[i];
  Args a(words, i + 1);
  if (matches(what, "state") || matches(what, "sa")) {
    cmd.action = parse_state(a, device);
  } else if (matches(what, "policy")) {
    cmd.action = parse_policy(a, device);
  } else if (matches(what, "monitor")) {
    // iproute2's xfrm_monitor takes a list of objects; this simulator keeps the expires
    // only (XFRMNLGRP_EXPIRE), so they must be asked for by name.
    if (!a.done() && a.cur() == "expire" && !a.next_ok()) {
      cmd.action = MonitorExpire{};
    } else {
      unsupported("ip xfrm monitor other than `ip xfrm monitor expire`");
    }
  } else {
    throw IpUsageError(
        "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\n"
        "where  XFRM-OBJECT := state | policy | monitor");
  }
  return cmd;
}

}  // namespace ipsec::tool
