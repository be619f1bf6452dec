#include "sample_traffic.h"

#include <stdexcept>

#include "packet.h"
#include "pcap_io.h"
#include "xfrm_stack.h"

namespace ipsec::tool::samples {

namespace {

using driver::IpAddress;

constexpr uint8_t kHostMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr uint8_t kPeerMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr uint64_t kFrameSpacingNs = 1000;

IpAddress address(const std::string& text) {
  const std::optional<IpAddress> a = IpAddress::parse(text);
  if (!a) throw std::invalid_argument("not an IP address: \"" + text + "\"");
  return *a;
}

size_t l4_header_bytes(uint8_t proto) {
  switch (proto) {
    case 6:
      return 20;
    case 17:
    case 1:
    case 58:
      return 8;
  }
  return 0;
}

size_t ip_header_bytes(const PacketSpec& s) {
  if (address(s.src).is_v6()) return driver::kIpv6HeaderBytes;
  return driver::kIpv4HeaderBytes + (s.ipv4_options.size() + 3) / 4 * 4;
}

driver::XfrmSelector selector(const std::string& src, const std::string& dst) {
  driver::XfrmSelector sel;
  auto parse = [](const std::string& p, IpAddress& a, uint8_t& len) {
    const size_t slash = p.find('/');
    a = address(p.substr(0, slash));
    len = static_cast<uint8_t>(slash == std::string::npos ? (a.is_v4() ? 32 : 128)
                                                          : std::stoi(p.substr(slash + 1)));
  };
  parse(src, sel.saddr, sel.prefixlen_s);
  parse(dst, sel.daddr, sel.prefixlen_d);
  return sel;
}

// A software-only host that sends through one outbound state.
class Peer {
 public:
  Peer(const driver::XfrmState& out, const driver::XfrmSelector& sel) : stack_(nullptr, options()) {
    const xfrm::AddStateResult r = stack_.add_state(out);
    if (!r.status.ok()) throw std::logic_error("sample peer state: " + r.status.to_string());
    xfrm::XfrmPolicy p;
    p.sel = sel;
    p.dir = xfrm::PolicyDir::kOut;
    xfrm::XfrmTmpl t;
    t.saddr = out.saddr;
    t.daddr = out.daddr;
    t.spi = out.spi;
    t.mode = out.mode;
    p.tmpls.push_back(t);
    (void)stack_.policies().add(p);
  }
  Bytes send(const Bytes& frame) {
    const std::vector<Bytes> out = stack_.transmit(frame);
    if (out.size() != 1) throw std::logic_error("sample peer did not encrypt a frame");
    return out.front();
  }

 private:
  static xfrm::StackOptions options() {
    xfrm::StackOptions o;
    o.seed = 7;
    o.clock = [] { return uint64_t{0}; };
    return o;
  }
  xfrm::XfrmStack stack_;
};

void write(const std::string& path, const std::vector<Bytes>& frames) {
  PcapWriter w(path);
  for (size_t i = 0; i < frames.size(); ++i) w.write(frames[i], (i + 1) * kFrameSpacingNs);
  w.commit();
}

Bytes arp_request() {
  Bytes f(kPeerMac, kPeerMac + 6);
  for (int i = 0; i < 6; ++i) f[i] = 0xFF;  // broadcast
  f.insert(f.end(), kHostMac, kHostMac + 6);
  const uint8_t arp[] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  f.insert(f.end(), arp, arp + sizeof arp);
  f.insert(f.end(), kHostMac, kHostMac + 6);
  const uint8_t spa[] = {192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 198, 51, 100, 2};
  f.insert(f.end(), spa, spa + sizeof spa);
  f.resize(60, 0);
  return f;
}

}  // namespace

Bytes ip_packet(const PacketSpec& s) {
  const IpAddress src = address(s.src);
  const IpAddress dst = address(s.dst);
  if (src.family() != dst.family()) throw std::invalid_argument("addresses of two families");
  Bytes pkt;
  if (src.is_v6()) {
    pkt.assign(driver::kIpv6HeaderBytes, 0);
    pkt[0] = 0x60;
    pkt[6] = s.proto;
    pkt[7] = 64;
    std::copy_n(src.data(), 16, pkt.begin() + 8);
    std::copy_n(dst.data(), 16, pkt.begin() + 24);
  } else {
    Bytes opts = s.ipv4_options;
    while (opts.size() % 4) opts.push_back(0);
    pkt.assign(driver::kIpv4HeaderBytes, 0);
    pkt[0] = static_cast<uint8_t>(0x40 | (5 + opts.size() / 4));
    driver::store_be16(pkt, 4, s.ipv4_id);
    pkt[6] = s.dont_fragment ? 0x40 : 0;  // DF
    pkt[8] = 64;
    pkt[9] = s.proto;
    std::copy_n(src.data(), 4, pkt.begin() + 12);
    std::copy_n(dst.data(), 4, pkt.begin() + 16);
    pkt.insert(pkt.end(), opts.begin(), opts.end());
  }
  const size_t l4 = pkt.size();
  pkt.resize(l4 + l4_header_bytes(s.proto), 0);
  switch (s.proto) {
    case 6:
      driver::store_be16(pkt, l4, s.sport);
      driver::store_be16(pkt, l4 + 2, s.dport);
      driver::store_be32(pkt, l4 + 4, s.tcp_seq);
      driver::store_be16(pkt, l4 + 12, 0x5018);  // data offset 5, ACK | PSH
      driver::store_be16(pkt, l4 + 14, 0xFFFF);
      break;
    case 17:
      driver::store_be16(pkt, l4, s.sport);
      driver::store_be16(pkt, l4 + 2, s.dport);
      driver::store_be16(pkt, l4 + 4, static_cast<uint16_t>(8 + s.payload));
      break;
    case 1:
    case 58:
      pkt[l4] = s.proto == 1 ? 8 : 128;  // echo request
      driver::store_be16(pkt, l4 + 4, s.sport);
      driver::store_be16(pkt, l4 + 6, s.dport);
      break;
  }
  for (size_t i = 0; i < s.payload; ++i) pkt.push_back(static_cast<uint8_t>(i));
  if (src.is_v6()) {
    driver::store_be16(pkt, 4, static_cast<uint16_t>(pkt.size() - driver::kIpv6HeaderBytes));
  } else {
    driver::store_be16(pkt, 2, static_cast<uint16_t>(pkt.size()));
    driver::update_ipv4_checksum(pkt, 0);
  }
  const std::optional<driver::IpHeader> ip = driver::parse_ip(pkt, 0);
  if (!ip) throw std::logic_error("sample packet does not parse");
  driver::update_l4_checksum(pkt, *ip);
  return pkt;
}

Bytes ethernet_frame(const Bytes& ip, bool to_peer) {
  Bytes f(to_peer ? kPeerMac : kHostMac, (to_peer ? kPeerMac : kHostMac) + 6);
  f.insert(f.end(), to_peer ? kHostMac : kPeerMac, (to_peer ? kHostMac : kPeerMac) + 6);
  const bool v6 = !ip.empty() && ip[0] >> 4 == 6;
  f.push_back(v6 ? 0x86 : 0x08);
  f.push_back(v6 ? 0xDD : 0x00);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Bytes frame_of_size(PacketSpec spec, size_t frame_bytes, bool to_peer) {
  const size_t headers =
      driver::kEthHeaderBytes + ip_header_bytes(spec) + l4_header_bytes(spec.proto);
  if (frame_bytes < headers) throw std::invalid_argument("frame smaller than its headers");
  spec.payload = frame_bytes - headers;
  return ethernet_frame(ip_packet(spec), to_peer);
}

Bytes key_material(const char* hex) {
  const std::string h(hex);
  if (h.size() < 2 || h.compare(0, 2, "0x") != 0 || h.size() % 2) {
    throw std::invalid_argument("not a 0x key: " + h);
  }
  Bytes out;
  for (size_t i = 2; i < h.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

driver::XfrmState esp_state(const std::string& src, const std::string& dst, uint32_t spi,
                            const char* key_hex, bool tunnel) {
  driver::XfrmState x;
  x.saddr = address(src);
  x.daddr = address(dst);
  x.spi = spi;
  x.mode = tunnel ? driver::XfrmMode::kTunnel : driver::XfrmMode::kTransport;
  const driver::Status s = x.attach_aead({driver::kAeadRfc4106Gcm, key_material(key_hex), 128});
  if (!s.ok()) throw std::logic_error(s.to_string());
  return x;
}

std::vector<std::string> write_sample_pcaps(const std::string& dir) {
  std::vector<std::string> written;
  auto path = [&](const char* name) {
    written.push_back(dir + "/" + name);
    return written.back();
  };

  // host -> peer, transport.
  {
    std::vector<Bytes> frames;
    PacketSpec s;
    const std::pair<uint8_t, size_t> mix[] = {{6, 64},    {17, 128}, {1, 256},  {6, 512},
                                              {17, 1024}, {1, 1400}, {17, 1514}};
    uint16_t id = 1;
    for (const auto& [proto, size] : mix) {
      s.proto = proto;
      s.ipv4_id = id++;
      frames.push_back(frame_of_size(s, size));
    }
    s.proto = 17;
    s.ipv4_id = id++;
    s.ipv4_options = {0x94, 0x04, 0x00, 0x00};  // router alert: offload_ok says no
    frames.push_back(frame_of_size(s, 200));
    frames.push_back(arp_request());
    write(path("host_mix_v4.pcap"), frames);
  }

  // peer -> host, transport, the host's inbound state.
  const driver::XfrmState in = esp_state(kPeer, kHost, kSpiIn, kKeyIn, false);
  const driver::XfrmSelector in_sel =
      selector(std::string(kPeer) + "/32", std::string(kHost) + "/32");
  auto peer_frame = [](uint8_t proto, size_t size, uint16_t id) {
    PacketSpec s;
    s.src = kPeer;
    s.dst = kHost;
    s.proto = proto;
    s.sport = 5001;
    s.dport = 40000;
    s.ipv4_id = id;
    return frame_of_size(s, size, false);
  };
  {
    Peer peer(in, in_sel);
    std::vector<Bytes> frames;
    const std::pair<uint8_t, size_t> mix[] = {{17, 64},  {6, 200},  {1, 300},
                                              {17, 700}, {6, 1200}, {17, 1400}};
    uint16_t id = 100;
    for (const auto& [proto, size] : mix)
      frames.push_back(peer.send(peer_frame(proto, size, id++)));
    write(path("wire_esp_v4.pcap"), frames);
  }
  {
    std::vector<Bytes> frames;
    driver::XfrmState later = in;
    later.replay.oseq = 6;  // continues wire_esp_v4.pcap
    Peer peer(later, in_sel);
    Bytes bad_icv = peer.send(peer_frame(17, 300, 200));
    bad_icv.back() ^= 0x01;
    frames.push_back(bad_icv);
    Bytes spoofed = peer.send(peer_frame(17, 300, 201));
    const uint8_t meta[] = {0x8C, 0xE4, 0x11, 0x00, 0x00, 0x00, 0x00, 0x01};
    spoofed.insert(spoofed.begin() + 12, meta, meta + sizeof meta);
    frames.push_back(spoofed);
    Peer stranger(esp_state(kPeer, kHost, 0x9999, kKeyIn, false), in_sel);
    frames.push_back(stranger.send(peer_frame(17, 300, 202)));
    frames.push_back(peer_frame(17, 300, 203));  // in the clear
    Peer replayer(in, in_sel);                   // sequence number 1 again
    frames.push_back(replayer.send(peer_frame(17, 64, 100)));
    write(path("wire_bad_v4.pcap"), frames);
  }

  // host -> peer, one large TCP send.
  {
    PacketSpec s;
    s.proto = 6;
    s.payload = 6000;
    s.tcp_seq = 0x10000;
    write(path("host_lso_v4.pcap"), {ethernet_frame(ip_packet(s))});
  }

  // The IPv6 tunnel: inner IPv4 between the two networks.
  {
    std::vector<Bytes> frames;
    PacketSpec s;
    s.src = "10.1.0.1";
    s.dst = "10.2.0.1";
    for (int i = 0; i < 8; ++i) {
      s.proto = i % 2 ? 6 : 17;
      s.ipv4_id = static_cast<uint16_t>(300 + i);
      s.tcp_seq = 1000u * static_cast<uint32_t>(i);
      frames.push_back(frame_of_size(s, 100 + 150 * static_cast<size_t>(i)));
    }
    write(path("host_tunnel_v4.pcap"), frames);
  }
  {
    driver::XfrmState tin = esp_state(kPeer6, kHost6, kSpiTunnelIn, kKeyTunnelIn, true);
    tin.flag_esn = true;
    tin.replay_window = 64;
    tin.replay.oseq = kTunnelInFirstSeq;
    Peer peer(tin, selector(kPeerNet, kHostNet));
    std::vector<Bytes> frames;
    PacketSpec s;
    s.src = "10.2.0.1";
    s.dst = "10.1.0.1";
    for (int i = 0; i < 8; ++i) {
      s.proto = i % 2 ? 17 : 6;
      s.ipv4_id = static_cast<uint16_t>(400 + i);
      frames.push_back(peer.send(frame_of_size(s, 90 + 100 * static_cast<size_t>(i), false)));
    }
    write(path("wire_tunnel_esn.pcap"), frames);
  }

  // Two 1,400-byte UDP packets for the tunnel 10.1/16 -> 10.2/16: DF clear, then DF set.
  {
    std::vector<Bytes> frames;
    PacketSpec s;
    s.src = "10.1.0.1";
    s.dst = "10.2.0.1";
    for (const bool df : {false, true}) {
      s.dont_fragment = df;
      s.ipv4_id = df ? 501 : 500;
      frames.push_back(frame_of_size(s, driver::kEthHeaderBytes + 1400));
    }
    write(path("host_mtu_v4.pcap"), frames);
  }

  // peer -> host, transport, an ESN state from its start: sequence numbers 1 to 3, then the
  // peer jumps to just below 2^31 and goes over it (the high half stays 0).
  {
    driver::XfrmState esn = in;
    esn.flag_esn = true;
    esn.replay_window = 32;
    std::vector<Bytes> frames;
    uint16_t id = 600;
    Peer start(esn, in_sel);
    for (int i = 0; i < 3; ++i) frames.push_back(start.send(peer_frame(17, 200, id++)));
    esn.replay.oseq = kEsnJumpFirstSeq - 1;
    Peer later(esn, in_sel);
    for (int i = 0; i < 5; ++i) frames.push_back(later.send(peer_frame(17, 200, id++)));
    write(path("wire_esn_mid.pcap"), frames);
  }
  return written;
}

}  // namespace ipsec::tool::samples
