#include "device_caps.h"

#include "byte_order.h"

namespace ipsec::driver {

DeviceCaps DeviceCaps::parse(const std::array<uint8_t, kCapBytes>& raw) {
  DeviceCaps c;
  c.raw = raw;
  const uint32_t flags = load_be32(&raw[cap::kFlagsWord]);
  auto bit = [flags](unsigned n) { return ((flags >> n) & 1u) != 0; };
  c.esp = bit(cap::kBitEsp);
  c.lso = bit(cap::kBitLso);
  c.esn = bit(cap::kBitEsn);
  c.ipv6 = bit(cap::kBitIpv6);
  c.rx_no_trailer = bit(cap::kBitRxNoTrailer);
  c.udp_encap = bit(cap::kBitUdpEncap);
  c.v2_command = bit(cap::kBitV2Command);
  c.pkt_offload = bit(packet::kCapBitPktOffload);
  c.num_sa = static_cast<uint16_t>(load_be32(&raw[cap::kSaWord]));
  c.number_of_ipsec_counters = static_cast<uint16_t>(load_be32(&raw[cap::kCountersWord]));
  c.counters_addr = load_be32(&raw[cap::kCountersAddrLowWord]) |
                    uint64_t{load_be32(&raw[cap::kCountersAddrHighWord])} << 32;
  return c;
}

DeviceCaps DeviceCaps::full() {
  DeviceCaps c;
  c.esp = c.lso = c.esn = c.ipv6 = c.rx_no_trailer = c.v2_command = true;
  c.num_sa = 1024;
  c.number_of_ipsec_counters = kNumHwCounters;
  c.counters_addr = 0x200;
  return c;
}

DeviceCaps DeviceCaps::with_packet_offload(uint32_t max_replay_window) {
  DeviceCaps c = full();
  c.pkt_offload = true;
  c.pkt_max_replay_window = max_replay_window;
  return c;
}

}  // namespace ipsec::driver
