/*
 * An example driver in C, written from docs/registers.md and the hardware/software contract
 * alone, run against the RTL through the C API (include/ipsec_sim/ipsec_sim.h). It does what
 * the mlx5 FPGA IPsec driver does at the register level:
 *
 *   1. probe: identity (VENDOR_ID 0x2C9, PRODUCT_ID 2) and the capability words;
 *   2. SET_CAP with NO_TRAILER, since the engine offers RX_NO_TRAILER;
 *   3. ADD_SA_V2 of a TX SA and of an RX SA (the same key: the RX side of the same flow),
 *      each a 148-byte SA image written word by word into the command window, the doorbell,
 *      the interrupt, the response, RSP_POP;
 *   4. one frame each way: a plain frame with TX metadata into host TX, the ESP frame checked
 *      on wire TX; that frame looped back into wire RX, the decrypted bytes and the RX
 *      metadata checked on host RX (the loop proves TX and RX agree on key, nonce and ICV
 *      without a crypto library here);
 *   5. the 14 counters;
 *   6. DEL_SA_V2 of both SAs with their full images, then a second DEL_SA_V2 of the TX SA,
 *      which the engine refuses (SADB_ISSUE) and counts in DEL_SA_FAIL.
 *
 * Usage: c_driver [--checking] [--seed N] [--stall PERCENT] [--vcd FILE]
 * Exit status 0 when every check passed; each check prints one line.
 */
#include <ipsec_sim/ipsec_sim.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Registers (docs/registers.md) ---- */
enum {
  REG_VENDOR_ID = 0x000,
  REG_PRODUCT_ID = 0x004,
  REG_IMAGE_VERSION = 0x00C,
  REG_SHELL_VERSION = 0x010,
  REG_ENGINE_PARAMS = 0x014,
  REG_CAP_FLAGS = 0x024,
  REG_CAP_ENC_ALG = 0x02C,
  REG_CAP_SA = 0x030,
  REG_CAP_COUNTERS = 0x034,
  REG_CAP_COUNTERS_ADDR_LOW = 0x038,
  REG_CONTROL = 0x040,
  REG_CMD_DOORBELL = 0x050,
  REG_CMD_STATUS = 0x054,
  REG_RSP_POP = 0x058,
  REG_RSP_WORD0 = 0x060,
  REG_CMD_WINDOW = 0x100
};
enum {
  CAP_ESP = 1u << 2,
  CAP_RX_NO_TRAILER = 1u << 11,
  CAP_V2_COMMAND = 1u << 13,
  CONTROL_NO_TRAILER = 1u << 0,
  CMD_STATUS_OUTSTANDING_MASK = 0xF
};

/* ---- Commands and the SA image (contract section 3) ---- */
enum { OP_ADD_SA_V2 = 2, OP_DEL_SA_V2 = 3, OP_SET_CAP = 5 };
enum { SET_CAP_LEN = 32, SA_V2_LEN = 148 };
enum { SYN_SUCCESS = 0, SYN_SADB_ISSUE = 2 };
enum {
  SA_OFF_KEY_ENC = 0x04,
  SA_OFF_SIP_V4 = 0x50,
  SA_OFF_DIP_V4 = 0x60,
  SA_OFF_SALT_IV = 0x68,
  SA_OFF_SALT = 0x70,
  SA_OFF_SPI = 0x74,
  SA_OFF_HANDLE = 0x78,
  SA_OFF_ENC_MODE = 0x7E,
  SA_OFF_FLAGS = 0x81
};
enum { ENC_MODE_AES_GCM_128 = 1 };
enum { SA_FLAGS_IPV4_TX = 0x78, SA_FLAGS_IPV4_RX = 0x70 }; /* SA_VALID|SPI_EN|IP_ESP (+DIR_SX) */

/* ---- In-band metadata (contract section 5) ---- */
enum { META_ETHERTYPE = 0x8CE4, META_LEN = 8 };
enum { TX_SYN_OFFLOAD = 0x08, RX_SYN_DECRYPTED = 0x11 };

/* ---- Counters (contract section 4), indices into the 14 ---- */
enum {
  CNT_DEC_IN = 0, CNT_DEC_OUT, CNT_DEC_BYPASS, CNT_ENC_IN, CNT_ENC_OUT, CNT_ENC_BYPASS,
  CNT_DEC_DROP, CNT_DEC_AUTH_FAIL, CNT_ENC_DROP, CNT_ADD_SA_SUCCESS, CNT_ADD_SA_FAIL,
  CNT_DEL_SA_SUCCESS, CNT_DEL_SA_FAIL, CNT_CMD_DROP
};

/* How long the driver waits for a command's interrupt, in clocks. */
#define CMD_TIMEOUT_CLOCKS 10000u
#define FRAME_MAX 2048u

static int failures = 0;

static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

static void die(ipsec_sim_engine *e, ipsec_sim_status st, const char *what) {
  fprintf(stderr, "c_driver: %s: %s (%s)\n", what, ipsec_sim_strerror(st), ipsec_sim_last_error(e));
  ipsec_sim_destroy(e);
  exit(2);
}

static uint32_t rd(ipsec_sim_engine *e, uint32_t addr) {
  uint32_t v = 0;
  ipsec_sim_resp resp;
  ipsec_sim_status st = ipsec_sim_reg_read(e, addr, &v, &resp);
  if (st != IPSEC_SIM_OK) die(e, st, "register read");
  if (resp != IPSEC_SIM_RESP_OKAY) {
    fprintf(stderr, "c_driver: read of 0x%03" PRIx32 " answered %d\n", addr, (int)resp);
    ++failures;
  }
  return v;
}

static void wr(ipsec_sim_engine *e, uint32_t addr, uint32_t value) {
  ipsec_sim_resp resp;
  ipsec_sim_status st = ipsec_sim_reg_write(e, addr, value, &resp);
  if (st != IPSEC_SIM_OK) die(e, st, "register write");
  if (resp != IPSEC_SIM_RESP_OKAY) {
    fprintf(stderr, "c_driver: write of 0x%03" PRIx32 " answered %d\n", addr, (int)resp);
    ++failures;
  }
}

static void put_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One command: the image into the window (word i = be32 of bytes 4i..4i+3), the doorbell
 * with its length, then the interrupt (INTR_STATUS.RSP_READY, enabled at reset), the
 * 8 response words and RSP_POP. Returns the syndrome; *echo gets response word 1. */
static uint32_t command(ipsec_sim_engine *e, const uint8_t *image, uint32_t len, uint32_t *echo) {
  uint32_t i;
  uint64_t waited = 0;
  uint32_t rsp[8];
  ipsec_sim_status st;
  for (i = 0; i < len; i += 4) wr(e, REG_CMD_WINDOW + i, get_be32(image + i));
  wr(e, REG_CMD_DOORBELL, len);
  st = ipsec_sim_wait_irq(e, CMD_TIMEOUT_CLOCKS, &waited);
  if (st != IPSEC_SIM_OK) die(e, st, "waiting for a command's response");
  for (i = 0; i < 8; ++i) rsp[i] = rd(e, REG_RSP_WORD0 + 4 * i);
  wr(e, REG_RSP_POP, 1);
  if (echo) *echo = rsp[1];
  return rsp[0];
}

/* The SA image of contract section 3: AES-GCM-128, IPv4. */
static void sa_image(uint8_t img[SA_V2_LEN], uint32_t opcode, int tx, uint32_t handle) {
  static const uint8_t key[16] = {0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda,
                                  0x90, 0x6a, 0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34};
  static const uint8_t sip[4] = {192, 168, 1, 1}, dip[4] = {192, 168, 1, 2};
  static const uint8_t salt_iv[8] = {0xa5, 0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  memset(img, 0, SA_V2_LEN);
  put_be32(img, opcode);
  memcpy(img + SA_OFF_KEY_ENC, key, 16);
  memcpy(img + SA_OFF_KEY_ENC + 16, key, 16); /* a 128-bit key is written twice */
  memcpy(img + SA_OFF_SIP_V4, sip, 4);
  memcpy(img + SA_OFF_DIP_V4, dip, 4);
  memcpy(img + SA_OFF_SALT_IV, salt_iv, 8);
  put_be32(img + SA_OFF_SALT, 0x2e443b68u);
  put_be32(img + SA_OFF_SPI, 0x00001000u);
  put_be32(img + SA_OFF_HANDLE, handle); /* TX SAs use 0 */
  img[SA_OFF_ENC_MODE] = ENC_MODE_AES_GCM_128;
  img[SA_OFF_FLAGS] = tx ? SA_FLAGS_IPV4_TX : SA_FLAGS_IPV4_RX;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len) {
  uint32_t sum = 0;
  size_t i;
  for (i = 0; i < len; i += 2) sum += get_be16(h + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

/* The frame the host stack and the driver hand the NIC (contract sections 5 and 6): MACs,
 * TX metadata (offload, next header UDP), IPv4 with protocol ESP, the ESP header (SPI, SN),
 * the IV (the 64-bit SN, big-endian), the plaintext (a UDP datagram); no trailer: the engine
 * builds it. Returns the length; *plain_off is where the plaintext starts. */
static size_t tx_frame(uint8_t *f, size_t *plain_off, size_t *plain_len) {
  static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  size_t n = 0, i, ip, udp_len = 8 + 40;
  memcpy(f, macs, 12);
  n = 12;
  put_be16(f + n, META_ETHERTYPE);
  f[n + 2] = TX_SYN_OFFLOAD;
  put_be16(f + n + 3, 0); /* mss_inv: no LSO */
  put_be16(f + n + 5, 0); /* seq: no LSO */
  f[n + 7] = 17;          /* esp_next_proto: UDP */
  n += META_LEN;
  put_be16(f + n, 0x0800);
  n += 2;
  ip = n;
  f[n] = 0x45;
  f[n + 1] = 0;
  put_be16(f + n + 2, (uint16_t)(20 + 8 + 8 + udp_len)); /* without the trailer */
  put_be16(f + n + 4, 0x1234);
  put_be16(f + n + 6, 0x4000);
  f[n + 8] = 64;
  f[n + 9] = 50; /* ESP */
  put_be16(f + n + 10, 0);
  f[n + 12] = 192, f[n + 13] = 168, f[n + 14] = 1, f[n + 15] = 1;
  f[n + 16] = 192, f[n + 17] = 168, f[n + 18] = 1, f[n + 19] = 2;
  put_be16(f + n + 10, ip_checksum(f + ip, 20));
  n += 20;
  put_be32(f + n, 0x00001000u); /* SPI */
  put_be32(f + n + 4, 1);       /* SN */
  n += 8;
  memset(f + n, 0, 8); /* IV: the 64-bit sequence number, big-endian */
  f[n + 7] = 1;
  n += 8;
  *plain_off = n;
  put_be16(f + n, 4500);
  put_be16(f + n + 2, 4500);
  put_be16(f + n + 4, (uint16_t)udp_len);
  put_be16(f + n + 6, 0);
  for (i = 8; i < udp_len; ++i) f[n + i] = (uint8_t)('a' + i % 26);
  n += udp_len;
  *plain_len = udp_len;
  return n;
}

static size_t receive(ipsec_sim_engine *e, ipsec_sim_port port, uint8_t *buf, int *tuser) {
  size_t len = 0;
  ipsec_sim_status st = ipsec_sim_receive(e, port, buf, FRAME_MAX, &len, tuser);
  if (st != IPSEC_SIM_OK) die(e, st, "receiving a frame");
  return len;
}

int main(int argc, char **argv) {
  ipsec_sim_options o;
  ipsec_sim_engine *e = NULL;
  char error[256];
  ipsec_sim_status st;
  uint8_t img_tx[SA_V2_LEN], img_rx[SA_V2_LEN], setcap[SET_CAP_LEN];
  uint8_t tx[FRAME_MAX], wire[FRAME_MAX], host[FRAME_MAX];
  size_t tx_len, wire_len, host_len, plain_off, plain_len, esp_off, pad;
  uint32_t syn, echo, caps, v;
  uint64_t c[IPSEC_SIM_NUM_COUNTERS];
  unsigned i;
  int tuser = 0, a;
  char what[160];

  ipsec_sim_options_init(&o);
  for (a = 1; a < argc; ++a) {
    if (strcmp(argv[a], "--checking") == 0) {
      o.kind = IPSEC_SIM_RTL_CHECKING;
    } else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
      o.seed = strtoull(argv[++a], NULL, 0);
    } else if (strcmp(argv[a], "--stall") == 0 && a + 1 < argc) {
      o.stall_percent = atoi(argv[++a]);
    } else if (strcmp(argv[a], "--vcd") == 0 && a + 1 < argc) {
      o.trace_path = argv[++a];
    } else {
      fprintf(stderr, "usage: c_driver [--checking] [--seed N] [--stall PERCENT] [--vcd FILE]\n");
      return 2;
    }
  }
  printf("c_driver: seed %" PRIu64 ", stall %d%%, %s RTL\n", o.seed, o.stall_percent,
         o.kind == IPSEC_SIM_RTL_CHECKING ? "checking" : "fast");
  st = ipsec_sim_create(&o, &e, error, sizeof error);
  if (st != IPSEC_SIM_OK) {
    fprintf(stderr, "c_driver: %s\n", error);
    return 2;
  }

  /* 1. Probe (contract section 2). */
  check(rd(e, REG_VENDOR_ID) == 0x2C9, "VENDOR_ID is Mellanox's 0x2C9");
  check(rd(e, REG_PRODUCT_ID) == 2, "PRODUCT_ID is 2, the IPsec sandbox unit");
  printf("     image version 0x%08" PRIx32 ", shell version 0x%08" PRIx32 "\n",
         rd(e, REG_IMAGE_VERSION), rd(e, REG_SHELL_VERSION));
  v = rd(e, REG_ENGINE_PARAMS);
  printf("     %" PRIu32 " SAs, frames up to %" PRIu32 " bytes\n", v & 0xFFFF, v >> 16);
  check((rd(e, REG_CAP_SA) & 0xFFFF) == (v & 0xFFFF), "CAP_SA.NUM_SA equals ENGINE_PARAMS.NUM_SA");
  caps = rd(e, REG_CAP_FLAGS);
  check((caps & CAP_ESP) != 0, "CAP_FLAGS offers ESP");
  check((caps & CAP_V2_COMMAND) != 0, "CAP_FLAGS offers V2 commands (148-byte SA images)");
  check((rd(e, REG_CAP_ENC_ALG) & 1) != 0, "CAP_ENC_ALG offers AES-GCM-128");
  check((rd(e, REG_CAP_COUNTERS) & 0xFFFF) == 14, "14 hardware counters");
  check(rd(e, REG_CAP_COUNTERS_ADDR_LOW) == 0x200, "counters at 0x200");

  /* 2. SET_CAP: NO_TRAILER when offered (contract section 3); the response echoes the
   * flags granted and CONTROL.NO_TRAILER shows the mode in force. */
  if (caps & CAP_RX_NO_TRAILER) {
    memset(setcap, 0, sizeof setcap);
    put_be32(setcap, OP_SET_CAP);
    put_be32(setcap + 4, 1); /* flags bit 0: NO_TRAILER */
    syn = command(e, setcap, SET_CAP_LEN, &echo);
    check(syn == SYN_SUCCESS && echo == 1, "SET_CAP NO_TRAILER granted");
    check((rd(e, REG_CONTROL) & CONTROL_NO_TRAILER) != 0, "CONTROL.NO_TRAILER is set");
  }

  /* 3. The two SAs. */
  sa_image(img_tx, OP_ADD_SA_V2, 1, 0);
  syn = command(e, img_tx, SA_V2_LEN, &echo);
  check(syn == SYN_SUCCESS && echo == 0, "ADD_SA_V2 of the TX SA: success, handle 0 echoed");
  sa_image(img_rx, OP_ADD_SA_V2, 0, 1);
  syn = command(e, img_rx, SA_V2_LEN, &echo);
  check(syn == SYN_SUCCESS && echo == 1, "ADD_SA_V2 of the RX SA: success, handle 1 echoed");
  check((rd(e, REG_CMD_STATUS) & CMD_STATUS_OUTSTANDING_MASK) == 0, "no command outstanding");

  /* 4a. TX: the engine strips the metadata, pads to 4 bytes, adds the trailer and the
   * ICV, fixes the IPv4 total length and checksum (contract section 6). */
  tx_len = tx_frame(tx, &plain_off, &plain_len);
  st = ipsec_sim_send(e, IPSEC_SIM_HOST_TX, tx, tx_len, 0);
  if (st != IPSEC_SIM_OK) die(e, st, "sending on host TX");
  st = ipsec_sim_run_until_idle(e, 100000, NULL);
  if (st != IPSEC_SIM_OK) die(e, st, "running the TX frame");
  wire_len = receive(e, IPSEC_SIM_WIRE_TX, wire, &tuser);
  esp_off = 14 + 20;
  pad = (4 - (plain_len + 2) % 4) % 4;
  snprintf(what, sizeof what, "wire TX: %zu bytes = %zu - 8 (metadata) + %zu (pad) + 2 + 16 (ICV)",
           wire_len, tx_len, pad);
  check(!tuser && wire_len == tx_len - META_LEN + pad + 2 + 16, what);
  check(memcmp(wire, tx, 12) == 0 && get_be16(wire + 12) == 0x0800, "wire TX: MACs kept, metadata gone");
  check(get_be16(wire + 14 + 2) == wire_len - 14, "wire TX: IPv4 total length covers trailer and ICV");
  check(ip_checksum(wire + 14, 20) == 0, "wire TX: IPv4 header checksum valid");
  check(memcmp(wire + esp_off, tx + META_LEN + esp_off, 16) == 0, "wire TX: SPI, SN and IV unchanged");
  check(memcmp(wire + esp_off + 16, tx + plain_off, plain_len) != 0, "wire TX: the payload is encrypted");

  /* 4b. RX: the ESP frame back from the network; no-trailer mode: trailer and ICV removed,
   * metadata {0x8CE4, DECRYPTED, next header, handle} after the MACs (contract section 7). */
  st = ipsec_sim_send(e, IPSEC_SIM_WIRE_RX, wire, wire_len, 0);
  if (st != IPSEC_SIM_OK) die(e, st, "sending on wire RX");
  st = ipsec_sim_run_until_idle(e, 100000, NULL);
  if (st != IPSEC_SIM_OK) die(e, st, "running the RX frame");
  host_len = receive(e, IPSEC_SIM_HOST_RX, host, &tuser);
  check(!tuser && host_len == tx_len, "host RX: as long as the frame sent (metadata in, trailer and ICV out)");
  check(memcmp(host, tx, 12) == 0 && get_be16(host + 12) == META_ETHERTYPE, "host RX: RX metadata after the MACs");
  check(host[14] == RX_SYN_DECRYPTED, "host RX: syndrome 0x11 DECRYPTED");
  check(host[15] == 17, "host RX: next header UDP");
  check(get_be32(host + 16) == 1, "host RX: sa_handle 1, the RX SA's");
  check(get_be16(host + 20) == 0x0800, "host RX: the original EtherType follows");
  check(memcmp(host + META_LEN + esp_off, tx + META_LEN + esp_off, 16) == 0, "host RX: SPI, SN and IV kept");
  check(memcmp(host + plain_off, tx + plain_off, plain_len) == 0, "host RX: the decrypted bytes are the plaintext sent");

  /* 5. Counters, 64-bit reads through the registers (contract section 4). */
  for (i = 0; i < IPSEC_SIM_NUM_COUNTERS; ++i) {
    st = ipsec_sim_counter_read(e, i, &c[i]);
    if (st != IPSEC_SIM_OK) die(e, st, "reading a counter");
    printf("     %-28s %" PRIu64 "\n", ipsec_sim_counter_name(i), c[i]);
  }
  check(c[CNT_ENC_IN] == 1 && c[CNT_ENC_OUT] == 1 && c[CNT_ENC_BYPASS] == 0 && c[CNT_ENC_DROP] == 0,
        "counters: one frame encrypted");
  check(c[CNT_DEC_IN] == 1 && c[CNT_DEC_OUT] == 1 && c[CNT_DEC_BYPASS] == 0 && c[CNT_DEC_DROP] == 0 &&
            c[CNT_DEC_AUTH_FAIL] == 0,
        "counters: one frame decrypted and authenticated");
  check(c[CNT_ADD_SA_SUCCESS] == 2 && c[CNT_ADD_SA_FAIL] == 0 && c[CNT_CMD_DROP] == 0,
        "counters: two SAs added");

  /* 6. DEL_SA_V2 sends the full stored image with the DEL opcode (contract section 3); a
   * second delete of the same SA finds nothing: SADB_ISSUE (the driver's -EEXIST). */
  put_be32(img_tx, OP_DEL_SA_V2);
  put_be32(img_rx, OP_DEL_SA_V2);
  check(command(e, img_tx, SA_V2_LEN, &echo) == SYN_SUCCESS, "DEL_SA_V2 of the TX SA: success");
  check(command(e, img_rx, SA_V2_LEN, &echo) == SYN_SUCCESS && echo == 1, "DEL_SA_V2 of the RX SA: success");
  check(command(e, img_tx, SA_V2_LEN, &echo) == SYN_SADB_ISSUE, "a second DEL_SA_V2 of the TX SA: SADB_ISSUE");
  st = ipsec_sim_counter_read_by_name(e, "ipsec_del_sa_success", &c[CNT_DEL_SA_SUCCESS]);
  if (st == IPSEC_SIM_OK) st = ipsec_sim_counter_read_by_name(e, "ipsec_del_sa_fail", &c[CNT_DEL_SA_FAIL]);
  if (st != IPSEC_SIM_OK) die(e, st, "reading a counter");
  check(c[CNT_DEL_SA_SUCCESS] == 2 && c[CNT_DEL_SA_FAIL] == 1, "counters: two deletes, one failed");

  ipsec_sim_destroy(e);
  printf("c_driver: %s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
