// Named stimulus for the driver tests: offloadable xfrm states and a driver probed against
// the control-plane reference model, with every command and response it exchanged.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ctrl_model.h"
#include "ipsec_device.h"
#include "sa_image.h"
#include "xfrm_state.h"

namespace ipsec::tb {

namespace drv = ipsec::driver;

enum class Family { kIpv4, kIpv6 };

struct StateSpec {
  drv::OffloadDirection dir = drv::OffloadDirection::kOut;
  Family family = Family::kIpv4;
  size_t key_bytes = 16;  // 16 or 32; 4 bytes of salt follow
  uint32_t spi = 0x1000;
  uint8_t host = 1;       // varies the addresses: 10.0.0.<host> -> 10.0.1.<host>
  bool esn = false;
  uint32_t replay_window = 64;
};

// Key material: key bytes 0x10, 0x11, ... then the salt 0xa0 0xa1 0xa2 0xa3.
inline drv::Bytes test_key_material(size_t key_bytes, uint8_t first = 0x10) {
  drv::Bytes k;
  for (size_t i = 0; i < key_bytes; ++i) k.push_back(static_cast<uint8_t>(first + i));
  for (uint8_t s : {0xa0, 0xa1, 0xa2, 0xa3}) k.push_back(s);
  return k;
}

inline drv::IpAddress test_address(Family f, uint8_t subnet, uint8_t host) {
  if (f == Family::kIpv4) return drv::IpAddress::v4(std::array<uint8_t, 4>{10, 0, subnet, host});
  std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
  a[7] = subnet;
  a[15] = host;
  return drv::IpAddress::v6(a);
}

// What `ip xfrm state add ... aead 'rfc4106(gcm(aes))' 0x... 128 offload dev eth0 dir ...`
// builds: an ESP AES-GCM-ICV16 transport state the device can offload.
inline drv::XfrmState offloadable_state(const StateSpec& spec = {}) {
  drv::XfrmState x;
  x.saddr = test_address(spec.family, 0, spec.host);
  x.daddr = test_address(spec.family, 1, spec.host);
  x.proto = drv::XfrmProto::kEsp;
  x.spi = spec.spi;
  x.reqid = 1;
  x.mode = drv::XfrmMode::kTransport;
  const drv::Status s = x.attach_aead({drv::kAeadRfc4106Gcm, test_key_material(spec.key_bytes),
                                       128});
  (void)s;
  x.flag_esn = spec.esn;
  x.replay_window = spec.replay_window;
  x.offload = drv::XfrmOffloadRequest{"eth0", spec.dir};
  return x;
}

inline drv::XfrmState tx_state(uint32_t spi = 0x1000) {
  StateSpec s;
  s.spi = spi;
  return offloadable_state(s);
}

inline drv::XfrmState rx_state(uint32_t spi = 0x2000) {
  StateSpec s;
  s.dir = drv::OffloadDirection::kIn;
  s.spi = spi;
  return offloadable_state(s);
}

// The seqiv salt every SA gets from constant_seq_iv().
inline constexpr std::array<uint8_t, 8> kTestSeqIv = {0x51, 0x52, 0x53, 0x54,
                                                      0x55, 0x56, 0x57, 0x58};
inline drv::SeqIvSource constant_seq_iv() {
  return [] { return kTestSeqIv; };
}

// The driver and the model it drives, probed, its traffic logged as --cmd-log lines.
struct DriverOnModel {
  explicit DriverOnModel(model::CtrlModelConfig config = {}, drv::DeviceOptions options = {})
      : model(config), device(model, with_constant_iv(std::move(options))) {
    device.set_observer([this](const drv::BusTransfer& t) {
      const std::string line = drv::format_cmd_log(t);
      timed_log.push_back(line);
      log.push_back(line.substr(0, line.find(" doorbell=")));
      if (t.kind == drv::BusTransfer::Kind::kCommand) commands.push_back(t.bytes);
    });
  }

  static drv::DeviceOptions with_constant_iv(drv::DeviceOptions o) {
    if (!o.seq_iv) o.seq_iv = constant_seq_iv();
    return o;
  }

  // Opcodes of the commands sent so far.
  std::vector<uint32_t> opcodes() const {
    std::vector<uint32_t> ops;
    for (const auto& c : commands) ops.push_back(drv::decode_sa_image(c).cmd);
    return ops;
  }

  model::CtrlModel model;
  drv::IpsecDevice device;
  std::vector<std::string> log;        // --cmd-log lines without their cycles
  std::vector<std::string> timed_log;  // --cmd-log lines as written
  std::vector<std::vector<uint8_t>> commands;
};

// The model's key for an SA the driver offloaded.
inline model::SaKey model_key(const drv::OffloadedSa& sa) {
  const drv::SaImageFields f = drv::decode_sa_image(sa.image.bytes().data(),
                                                    sa.image.bytes().size());
  model::SaKey k;
  k.tx = !sa.inbound();
  k.sip = f.sip;
  k.dip = f.dip;
  k.spi = f.spi;
  k.ipv6 = sa.attrs.ipv6;
  return k;
}

}  // namespace ipsec::tb
