// The control-plane reference model against docs/registers.md and the contract, on its own:
// what the driver tests rely on it for.
#include <doctest/doctest.h>

#include <array>
#include <utility>
#include <vector>

#include "colliding_keys.h"
#include "ctrl_model.h"
#include "driver/generated/ipsec_regs.h"

namespace model = ipsec::model;
using ipsec::driver::BusStatus;

namespace {

uint32_t read(model::CtrlModel& m, uint32_t addr) {
  uint32_t v = 0;
  REQUIRE(m.read32(addr, v) == BusStatus::kOk);
  return v;
}

void write(model::CtrlModel& m, uint32_t addr, uint32_t v) {
  REQUIRE(m.write32(addr, v) == BusStatus::kOk);
}

// A 148-byte ADD_SA_V2 image for (TX, 10.0.0.1 -> 10.0.0.2, spi) with handle `handle`.
std::vector<uint8_t> add_v2(uint32_t spi, uint32_t handle, uint8_t flags = 0x78,
                            uint8_t enc_mode = 1) {
  std::vector<uint8_t> b(148, 0);
  b[3] = 2;
  for (int i = 0; i < 16; ++i) b[0x04 + i] = b[0x14 + i] = static_cast<uint8_t>(i);
  b[0x50] = 10, b[0x53] = 1;
  b[0x60] = 10, b[0x63] = 2;
  for (int i = 0; i < 4; ++i) {
    b[0x74 + i] = static_cast<uint8_t>(spi >> (24 - 8 * i));
    b[0x78 + i] = static_cast<uint8_t>(handle >> (24 - 8 * i));
  }
  b[0x7E] = enc_mode;
  b[0x81] = flags;
  return b;
}

// Write a command into the window and ring the doorbell with `len`.
void post(model::CtrlModel& m, std::vector<uint8_t> cmd, uint32_t len) {
  cmd.resize((cmd.size() + 3) / 4 * 4, 0);
  for (size_t i = 0; i < cmd.size() / 4; ++i) {
    const uint32_t w = uint32_t{cmd[4 * i]} << 24 | uint32_t{cmd[4 * i + 1]} << 16 |
                       uint32_t{cmd[4 * i + 2]} << 8 | cmd[4 * i + 3];
    write(m, IPSEC_REGS_CMD_WINDOW_OFFSET + static_cast<uint32_t>(4 * i), w);
  }
  write(m, IPSEC_REGS_CMD_DOORBELL_OFFSET, len);
}

// Wait for the response, return {syndrome, echo}, pop it.
std::pair<uint32_t, uint32_t> response(model::CtrlModel& m) {
  for (int i = 0; i < 100 && !(read(m, IPSEC_REGS_CMD_STATUS_OFFSET) &
                               IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK);
       ++i) {
    m.wait_cycles(1);
  }
  REQUIRE((read(m, IPSEC_REGS_CMD_STATUS_OFFSET) & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK));
  const auto r = std::make_pair(read(m, IPSEC_REGS_RSP_WORD0_OFFSET),
                                read(m, IPSEC_REGS_RSP_WORD1_OFFSET));
  write(m, IPSEC_REGS_RSP_POP_OFFSET, 1);
  return r;
}

uint32_t execute(model::CtrlModel& m, const std::vector<uint8_t>& cmd) {
  post(m, cmd, static_cast<uint32_t>(cmd.size()));
  return response(m).first;
}

}  // namespace

TEST_CASE("model: identity, capabilities and parameters read their documented values") {
  model::CtrlModelConfig c;
  c.num_sa = 256;
  model::CtrlModel m(c);
  CHECK(read(m, IPSEC_REGS_VENDOR_ID_OFFSET) == 0x2C9);
  CHECK(read(m, IPSEC_REGS_PRODUCT_ID_OFFSET) == 2);
  CHECK(read(m, IPSEC_REGS_CAP_FLAGS_OFFSET) == 0x2BF4);
  CHECK(read(m, IPSEC_REGS_CAP_ENC_ALG_OFFSET) == 3);
  CHECK(read(m, IPSEC_REGS_CAP_SA_OFFSET) == 256);
  CHECK(read(m, IPSEC_REGS_ENGINE_PARAMS_OFFSET) == (9216u << 16 | 256));
  CHECK(read(m, IPSEC_REGS_CAP_COUNTERS_OFFSET) == 14);
  CHECK(read(m, IPSEC_REGS_CAP_COUNTERS_ADDR_LOW_OFFSET) == 0x200);
  CHECK(read(m, IPSEC_REGS_INTR_ENABLE_OFFSET) == 1);
  CHECK(read(m, IPSEC_REGS_CONTROL_OFFSET) == 0);
}

TEST_CASE("model: SLVERR for unmapped, read-only and write-only accesses, with no effect") {
  model::CtrlModel m;
  uint32_t v = 0;
  for (uint32_t addr : {0x018u, 0x01Cu, 0x04Cu, 0x05Cu, 0x080u, 0x0FCu, 0x194u, 0x1FCu, 0x278u,
                        0xFFCu, 0x019u, 0x27Au}) {
    CAPTURE(addr);
    CHECK(m.read32(addr, v) == BusStatus::kSlvErr);
    CHECK(m.write32(addr, 1) == BusStatus::kSlvErr);
  }
  for (uint32_t addr : {IPSEC_REGS_CMD_DOORBELL_OFFSET, IPSEC_REGS_RSP_POP_OFFSET,
                        IPSEC_REGS_CMD_WINDOW_OFFSET, IPSEC_REGS_CMD_WINDOW_OFFSET + 0x90}) {
    CAPTURE(addr);
    CHECK(m.read32(addr, v) == BusStatus::kSlvErr);
  }
  for (uint32_t addr : {IPSEC_REGS_VENDOR_ID_OFFSET, IPSEC_REGS_CAP_FLAGS_OFFSET,
                        IPSEC_REGS_INTR_STATUS_OFFSET, IPSEC_REGS_CMD_STATUS_OFFSET,
                        IPSEC_REGS_RSP_WORD0_OFFSET, IPSEC_REGS_DEC_IN_PACKETS_OFFSET,
                        IPSEC_REGS_CMD_DROP_HI_OFFSET}) {
    CAPTURE(addr);
    CHECK(m.write32(addr, 0xFFFFFFFF) == BusStatus::kSlvErr);
  }
  CHECK(read(m, IPSEC_REGS_VENDOR_ID_OFFSET) == 0x2C9);
  CHECK(m.doorbells() == 0);
}

TEST_CASE("model: CONTROL.NO_TRAILER is set by SET_CAP only, FWD_BAD_FRAMES is writable") {
  model::CtrlModel m;
  write(m, IPSEC_REGS_CONTROL_OFFSET, 0xFFFFFFFF);
  CHECK(read(m, IPSEC_REGS_CONTROL_OFFSET) == 2);
  std::vector<uint8_t> set_cap(32, 0);
  set_cap[3] = 5;
  set_cap[7] = 0xFF;  // asks for more than NO_TRAILER
  post(m, set_cap, 32);
  const auto r = response(m);
  CHECK(r.first == 0);
  CHECK(r.second == 1);  // only NO_TRAILER granted
  CHECK(read(m, IPSEC_REGS_CONTROL_OFFSET) == 3);
}

TEST_CASE("model: ADD, duplicate, DEL and unknown DEL with their syndromes and counters") {
  model::CtrlModel m;
  CHECK(execute(m, add_v2(0x100, 0)) == 0);
  CHECK(m.sa_count() == 1);
  CHECK(execute(m, add_v2(0x100, 0)) == 2);  // same key
  std::vector<uint8_t> del = add_v2(0x100, 0);
  del[3] = 3;
  CHECK(execute(m, del) == 0);
  CHECK(m.sa_count() == 0);
  CHECK(execute(m, del) == 2);
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == 1);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 1);
  CHECK(m.counter(model::CtrlCounter::kDelSaSuccess) == 1);
  CHECK(m.counter(model::CtrlCounter::kDelSaFail) == 1);
}

TEST_CASE("model: malformed commands are ILLEGAL_REQUEST") {
  model::CtrlModel m;
  CHECK(execute(m, add_v2(1, 0, 0x78, 2)) == 1);       // enc_mode 2
  CHECK(execute(m, add_v2(1, 0, 0x78, 0)) == 1);       // enc_mode 0
  CHECK(execute(m, add_v2(1, 0, 0x68)) == 1);          // no SPI_EN
  CHECK(execute(m, add_v2(1, 0, 0x58)) == 1);          // no SA_VALID
  CHECK(execute(m, add_v2(1, 0, 0x38)) == 1);          // no IP_ESP
  std::vector<uint8_t> v1_esn = add_v2(1, 0, 0x79);
  v1_esn[3] = 0;
  v1_esn.resize(132);
  CHECK(execute(m, v1_esn) == 1);                      // ESN_EN in a V1 command
  std::vector<uint8_t> short_v2 = add_v2(1, 0);
  short_v2.resize(132);
  CHECK(execute(m, short_v2) == 1);                    // V2 opcode, V1 length
  std::vector<uint8_t> unknown = add_v2(1, 0);
  unknown[3] = 9;
  CHECK(execute(m, unknown) == 1);
  CHECK(m.sa_count() == 0);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 7);
  // ESN in V2 and AES-256 are fine.
  CHECK(execute(m, add_v2(1, 0, 0x7B, 3)) == 0);
}

TEST_CASE("model: a V1 ADD and its DEL") {
  model::CtrlModel m;
  std::vector<uint8_t> add = add_v2(7, 0, 0x70);
  add[3] = 0;
  add.resize(132);
  CHECK(execute(m, add) == 0);
  REQUIRE(m.sa_count() == 1);
  CHECK_FALSE(m.sas()[0].key.tx);
  std::vector<uint8_t> del = add;
  del[3] = 1;
  CHECK(execute(m, del) == 0);
  CHECK(m.sa_count() == 0);
}

TEST_CASE("model: MOD_SA_V2 updates the ESN fields of an existing SA only") {
  model::CtrlModel m;
  CHECK(execute(m, add_v2(5, 0, 0x79)) == 0);
  std::vector<uint8_t> mod = add_v2(5, 0, 0x7B);
  mod[3] = 4;
  mod[0x8F] = 9;
  CHECK(execute(m, mod) == 0);
  REQUIRE(m.sa_count() == 1);
  const model::SaEntry e = m.sas()[0];
  CHECK(e.esn_en);
  CHECK(e.esn_overlap);
  CHECK(e.esn == 9);
  CHECK(e.flags == 0x7B);
  std::vector<uint8_t> unknown = add_v2(6, 0, 0x7B);
  unknown[3] = 4;
  CHECK(execute(m, unknown) == 2);
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == 2);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 1);
}

TEST_CASE("model: a full table answers SADB_ISSUE and a freed entry is reused") {
  model::CtrlModelConfig c;
  c.num_sa = 3;
  model::CtrlModel m(c);
  for (uint32_t spi = 1; spi <= 3; ++spi) CHECK(execute(m, add_v2(spi, 0)) == 0);
  CHECK(execute(m, add_v2(4, 0)) == 2);
  std::vector<uint8_t> del = add_v2(2, 0);
  del[3] = 3;
  CHECK(execute(m, del) == 0);
  CHECK(execute(m, add_v2(4, 0)) == 0);
  CHECK(m.sa_count() == 3);
}

// docs/architecture.md, "The SA index". The expected values were worked out from the
// document with the RTL's own formulation (sadb_pkg.sv: XOR trees over the fold), which the
// model does not share: it multiplies polynomials.
TEST_CASE("model: the SA index hash gives the documented folds and buckets") {
  using model::IndexHalf;
  CHECK(model::index_buckets(1) == 2);
  CHECK(model::index_buckets(3) == 2);
  CHECK(model::index_buckets(8) == 2);
  CHECK(model::index_buckets(16) == 4);
  CHECK(model::index_buckets(1024) == 256);
  CHECK(model::index_buckets(1025) == 512);
  CHECK(model::index_buckets(65535) == 16384);
  // x^0 * x^32 mod P is P without its x^32 term.
  CHECK(model::index_crc(1, IndexHalf::kA) == 0x1EDC6F41u);
  CHECK(model::index_crc(1, IndexHalf::kB) == 0x741B8CD7u);

  auto v4 = [](uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    std::array<uint8_t, 16> x{};
    x[12] = a, x[13] = b, x[14] = c, x[15] = d;
    return x;
  };
  struct Vector {
    model::SaKey key;
    uint32_t fold_a, fold_b;
    uint32_t a1024, b1024, a65535, b65535, a3, b3;
  };
  model::SaKey rx4;  // RX 10.0.0.1 -> 10.0.1.1, SPI 0x1000
  rx4.sip = v4(10, 0, 0, 1);
  rx4.dip = v4(10, 0, 1, 1);
  rx4.spi = 0x1000;
  model::SaKey tx4;  // TX 192.0.2.1 -> 198.51.100.2, SPI 0x12345678
  tx4.tx = true;
  tx4.sip = v4(192, 0, 2, 1);
  tx4.dip = v4(198, 51, 100, 2);
  tx4.spi = 0x12345678;
  model::SaKey rx6;  // RX 2001:db8::1 -> 2001:db8:0:1::1, SPI 1
  rx6.ipv6 = true;
  rx6.sip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  rx6.dip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  rx6.spi = 1;
  model::SaKey tx6;  // TX 2001:db8:1:2:3:4:5:6 -> fe80::abcd:ef01, SPI 0xdeadbeef
  tx6.tx = tx6.ipv6 = true;
  tx6.sip = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6};
  tx6.dip = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0xef, 0x01};
  tx6.spi = 0xdeadbeef;
  model::SaKey tx0;  // TX, all zero: only word 9 (= 2) is left
  tx0.tx = true;
  const Vector vectors[] = {
      {rx4, 0x10001829, 0x00295850, 128, 198, 9600, 15814, 0, 0},
      {tx4, 0x63af3656, 0xc92c0049, 65, 158, 14913, 6046, 1, 0},
      {rx6, 0x78a20512, 0xdba26b7f, 22, 65, 11798, 13121, 0, 1},
      {tx6, 0x300c021c, 0x799b797f, 154, 187, 13722, 11195, 0, 1},
      {tx0, 0x40000000, 0x00004000, 253, 146, 9981, 1170, 1, 0},
  };
  for (const Vector& v : vectors) {
    CAPTURE(v.key.spi);
    CHECK(model::index_fold(v.key, IndexHalf::kA) == v.fold_a);
    CHECK(model::index_fold(v.key, IndexHalf::kB) == v.fold_b);
    CHECK(model::index_bucket(v.key, IndexHalf::kA, 1024) == v.a1024);
    CHECK(model::index_bucket(v.key, IndexHalf::kB, 1024) == v.b1024);
    CHECK(model::index_bucket(v.key, IndexHalf::kA, 65535) == v.a65535);
    CHECK(model::index_bucket(v.key, IndexHalf::kB, 65535) == v.b65535);
    CHECK(model::index_bucket(v.key, IndexHalf::kA, 3) == v.a3);
    CHECK(model::index_bucket(v.key, IndexHalf::kB, 3) == v.b3);
  }
  // An IPv4 key's address bytes 0..11 are not part of it.
  model::SaKey noisy = rx4;
  noisy.sip[0] = 0xff;
  noisy.dip[11] = 0x5a;
  CHECK(model::index_fold(noisy, IndexHalf::kA) == 0x10001829u);
  CHECK(model::index_fold(noisy, IndexHalf::kB) == 0x00295850u);
}

TEST_CASE("model: 16 SAs fill one bucket pair, the 17th ADD is refused, a DEL makes room") {
  using model::IndexHalf;
  model::CtrlModel m;  // 1,024 SAs: 256 buckets of 8 per half
  // add_v2's SAs: TX 10.0.0.1 -> 10.0.0.2.
  model::SaKey key;
  key.tx = true;
  key.sip[12] = 10, key.sip[15] = 1;
  key.dip[12] = 10, key.dip[15] = 2;
  key.spi = 0x1000;
  const ipsec::tb::BucketPair pair = ipsec::tb::bucket_pair(key, 1024);
  const std::vector<uint32_t> spis = ipsec::tb::spis_in_pair(key, 1024, pair, 18, 0x1000);
  REQUIRE(spis[0] == 0x1000);
  for (size_t i = 0; i < 16; ++i) {
    CAPTURE(i);
    CHECK(execute(m, add_v2(spis[i], 0x100 + static_cast<uint32_t>(i))) == 0);
    key.spi = spis[i];
    // d-left: a tie goes to half A, so the two buckets fill in turn.
    const auto place = m.sa_index().place_of(key);
    REQUIRE(place);
    CHECK(place->half == (i % 2 == 0 ? IndexHalf::kA : IndexHalf::kB));
  }
  CHECK(m.sa_index().load(IndexHalf::kA, pair.a) == 8);
  CHECK(m.sa_index().load(IndexHalf::kB, pair.b) == 8);
  post(m, add_v2(spis[16], 0x777), 148);
  CHECK(response(m) == std::make_pair(2u, 0x777u));  // SADB_ISSUE, the handle echoed
  CHECK(m.sa_count() == 16);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 1);
  key.spi = spis[16];
  CHECK(m.find_sa(key) == nullptr);

  // A key sharing only bucket A still fits: it goes to its own bucket in half B.
  model::SaKey other = key;
  uint32_t spi = 0x1000;
  for (;; ++spi) {
    other.spi = spi;
    const auto p = ipsec::tb::bucket_pair(other, 1024);
    if (p.a == pair.a && p.b != pair.b) break;
  }
  CHECK(execute(m, add_v2(spi, 0x900)) == 0);
  CHECK(m.sa_index().place_of(other)->half == IndexHalf::kB);

  // Deleting an SA of half B frees a slot there for the refused key.
  std::vector<uint8_t> del = add_v2(spis[5], 0x105);
  del[3] = 3;
  CHECK(execute(m, del) == 0);
  CHECK(execute(m, add_v2(spis[16], 0x777)) == 0);
  CHECK(m.sa_index().place_of(key)->half == IndexHalf::kB);
  CHECK(execute(m, add_v2(spis[17], 0x778)) == 2);  // full again
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == 18);
  CHECK(m.counter(model::CtrlCounter::kAddSaFail) == 2);
  CHECK(m.counter(model::CtrlCounter::kDelSaSuccess) == 1);
}

TEST_CASE("model: 8 commands queue, the 9th is dropped and counted, responses come in order") {
  model::CtrlModel m;
  m.hold_commands(true);
  for (uint32_t i = 0; i < 8; ++i) {
    CHECK((read(m, IPSEC_REGS_CMD_STATUS_OFFSET) & IPSEC_REGS_CMD_STATUS_FULL_MASK) == 0);
    post(m, add_v2(0x100 + i, 0x1000 + i), 148);
  }
  const uint32_t status = read(m, IPSEC_REGS_CMD_STATUS_OFFSET);
  CHECK((status & IPSEC_REGS_CMD_STATUS_FULL_MASK));
  CHECK((status & IPSEC_REGS_CMD_STATUS_OUTSTANDING_MASK) == 8);
  post(m, add_v2(0x200, 0x2000), 148);  // dropped
  CHECK(m.counter(model::CtrlCounter::kCmdDrop) == 1);
  CHECK_FALSE(m.irq());
  m.hold_commands(false);
  m.wait_cycles(100);
  CHECK(m.irq());
  CHECK(((read(m, IPSEC_REGS_CMD_STATUS_OFFSET) & IPSEC_REGS_CMD_STATUS_RSP_LEVEL_MASK) >>
         IPSEC_REGS_CMD_STATUS_RSP_LEVEL_SHIFT) == 8);
  for (uint32_t i = 0; i < 8; ++i) {
    const auto r = response(m);
    CHECK(r.first == 0);
    CHECK(r.second == 0x1000 + i);
  }
  CHECK_FALSE(m.irq());
  CHECK(read(m, IPSEC_REGS_INTR_STATUS_OFFSET) == 0);
  CHECK(read(m, IPSEC_REGS_CMD_STATUS_OFFSET) == 0);
  CHECK(read(m, IPSEC_REGS_RSP_WORD1_OFFSET) == 0);  // nothing waiting reads 0
  CHECK(m.sa_count() == 8);
  write(m, IPSEC_REGS_RSP_POP_OFFSET, 1);  // pop with nothing waiting: no effect
  CHECK(m.outstanding() == 0);
}

TEST_CASE("model: a command takes exec_cycles clocks and the interrupt follows INTR_ENABLE") {
  model::CtrlModelConfig c;
  c.exec_cycles = 5;
  model::CtrlModel m(c);
  post(m, add_v2(1, 0), 148);
  m.wait_cycles(4);
  CHECK_FALSE(m.irq());
  m.wait_cycles(1);
  CHECK(m.irq());
  write(m, IPSEC_REGS_INTR_ENABLE_OFFSET, 0);
  CHECK_FALSE(m.irq());
  CHECK(read(m, IPSEC_REGS_INTR_STATUS_OFFSET) == 1);  // the cause stays
}

TEST_CASE("model: reading a counter's low word latches its high word") {
  model::CtrlModel m;
  m.set_counter(model::CtrlCounter::kDecOutPackets, 0x1FFFFFFFFull);
  CHECK(read(m, IPSEC_REGS_DEC_OUT_PACKETS_OFFSET) == 0xFFFFFFFF);
  m.count(model::CtrlCounter::kDecOutPackets);  // now 0x2_0000_0000
  CHECK(read(m, IPSEC_REGS_DEC_OUT_PACKETS_HI_OFFSET) == 1);  // the latched value
  CHECK(read(m, IPSEC_REGS_DEC_OUT_PACKETS_OFFSET) == 0);
  CHECK(read(m, IPSEC_REGS_DEC_OUT_PACKETS_HI_OFFSET) == 2);
}

TEST_CASE("model: reset clears SAs, counters, queues and control") {
  model::CtrlModel m;
  CHECK(execute(m, add_v2(1, 0)) == 0);
  m.count(model::CtrlCounter::kEncOutPackets, 5);
  write(m, IPSEC_REGS_CONTROL_OFFSET, 2);
  post(m, add_v2(2, 0), 148);
  m.reset();
  CHECK(m.sa_count() == 0);
  CHECK(m.counter(model::CtrlCounter::kEncOutPackets) == 0);
  CHECK(m.counter(model::CtrlCounter::kAddSaSuccess) == 0);
  CHECK(read(m, IPSEC_REGS_CONTROL_OFFSET) == 0);
  CHECK(m.outstanding() == 0);
}

TEST_CASE("model: the doorbell takes the image out of the window") {
  model::CtrlModel m;
  CHECK(execute(m, add_v2(1, 0)) == 0);
  // Ringing again without writing the window sends 148 zero bytes: opcode ADD_SA with the
  // wrong length, not a copy of the SA.
  write(m, IPSEC_REGS_CMD_DOORBELL_OFFSET, 148);
  CHECK(response(m).first == 1);
  CHECK(m.sa_count() == 1);
}
