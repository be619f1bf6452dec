/*
 * Fault injection and traces through the C API (include/ipsec_sim/ipsec_sim.h, sections
 * "Fault injection" and "Traces"; docs/fault_injection.md), on the RTL, seen by raw register
 * accesses as a C driver makes them. One CTest test per group:
 *   test_capi_faults strings | bus | irq | responses | rx | logs [dir]
 * RTL runs stall their ports at random (IPSEC_STALL, default 20 %) and print their seed
 * (IPSEC_SEED replays it); the register bus itself has no random delays, so the logs'
 * cycles are exact.
 */
#include "capi_check.h"

enum {
  REG_VENDOR_ID = 0x000, REG_CONTROL = 0x040, REG_INTR_ENABLE = 0x044, REG_INTR_STATUS = 0x048,
  REG_CMD_DOORBELL = 0x050, REG_CMD_STATUS = 0x054, REG_RSP_POP = 0x058, REG_RSP_WORD0 = 0x060,
  REG_RSP_WORD1 = 0x064, REG_CMD_WINDOW = 0x100
};
#define CMD_STATUS_OUTSTANDING(v) ((v) & 0xFu)
#define CMD_STATUS_RSP_VALID 0x20000u
#define INTR_RSP_READY 0x1u
#define CONTROL_FWD_BAD_FRAMES 0x2u

static ipsec_sim_engine *rtl(void) { return make_engine(IPSEC_SIM_RTL_FAST, capi_seed(), capi_stall(20)); }

static uint64_t counter(ipsec_sim_engine *e, const char *name) {
  uint64_t v = 0;
  CHECK_OK(e, ipsec_sim_counter_read_by_name(e, name, &v));
  return v;
}

static size_t armed(ipsec_sim_engine *e) {
  size_t n = 99;
  CHECK_OK(e, ipsec_sim_faults_armed(e, &n));
  return n;
}

/* The index-th fault fired starts with `prefix`. */
static int fired_starts(ipsec_sim_engine *e, size_t index, const char *prefix) {
  const char *f = ipsec_sim_fault_fired(e, index);
  if (!f || strncmp(f, prefix, strlen(prefix)) != 0) {
    fprintf(stderr, "fault %zu fired: \"%s\", wanted \"%s...\"\n", index, f ? f : "(none)", prefix);
    return 0;
  }
  return 1;
}

static uint32_t reg(ipsec_sim_engine *e, uint32_t addr) {
  uint32_t v = 0;
  CHECK_OK(e, ipsec_sim_reg_read(e, addr, &v, NULL));
  return v;
}

/* The command into the window and the doorbell rung; no waiting. */
static void ring(ipsec_sim_engine *e, const uint8_t *img, uint32_t len) {
  uint32_t i;
  for (i = 0; i < len; i += 4) CHECK_OK(e, ipsec_sim_reg_write(e, REG_CMD_WINDOW + i, be32_get(img + i), NULL));
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_CMD_DOORBELL, len, NULL));
}

/* Polls CMD_STATUS every few clocks for `clocks` clocks: whether RSP_VALID was seen. */
static int rsp_valid_within(ipsec_sim_engine *e, uint64_t clocks) {
  uint64_t start = 0, now = 0;
  CHECK_OK(e, ipsec_sim_cycles(e, &start));
  do {
    if (reg(e, REG_CMD_STATUS) & CMD_STATUS_RSP_VALID) return 1;
    CHECK_OK(e, ipsec_sim_run(e, 8));
    CHECK_OK(e, ipsec_sim_cycles(e, &now));
  } while (now - start < clocks);
  return 0;
}

static capi_sa test_sa(uint32_t spi, int tx, uint32_t handle) {
  capi_sa sa = {{0}, 0xa0a1a2a3u, 0, 0, {10, 0, 0, 1}, {10, 0, 1, 1}, 0};
  int i;
  for (i = 0; i < 16; ++i) sa.key[i] = (uint8_t)(0x10 + i);
  sa.spi = spi;
  sa.tx = tx;
  sa.handle = handle;
  return sa;
}

static void add_image(const capi_sa *sa, uint8_t img[148]) { capi_sa_image(sa, 2 /* ADD_SA_V2 */, img); }

/* ---- strings: malformed faults, the bookkeeping ---------------------------------------- */

static void test_strings(void) {
  static const struct {
    const char *fault, *says;
  } bad[] = {
      {"", "usage: fault slverr"},
      {"slverr write DOORBELL", "\"DOORBELL\" is not a register"},
      {"slverr write CMD_DOORBELL 0", "N must be 1 or more"},
      {"irq late", "usage: fault irq late CLOCKS"},
      {"irq lost ADD", "\"ADD\" is not an opcode"},
      {"response syndrome 4", "1 (ILLEGAL_REQUEST), 2 (SADB_ISSUE) or 3"},
      {"response hold 0", "CLOCKS must be 1 or more"},
      {"rx handle 0x1ffffffff", "is not a 32-bit handle"},
      {"bitflip", "unknown fault \"bitflip\""},
  };
  ipsec_sim_engine *e = rtl();
  size_t i, n = 7;
  CHECK(armed(e) == 0);
  CHECK(ipsec_sim_fault_fired(e, 0) == NULL);
  CHECK_STATUS(e, ipsec_sim_fault(e, NULL), IPSEC_SIM_EINVAL);
  CHECK_ERROR_SAYS(e, "ipsec_sim_fault", "fault is NULL");
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    CHECK_STATUS(e, ipsec_sim_fault(e, bad[i].fault), IPSEC_SIM_EINVAL);
    CHECK_ERROR_SAYS(e, "ipsec_sim_fault", bad[i].says);
  }
  CHECK(armed(e) == 0); /* nothing malformed was armed */
  CHECK_STATUS(e, ipsec_sim_faults_armed(e, NULL), IPSEC_SIM_EINVAL);
  CHECK_ERROR_SAYS(e, "ipsec_sim_faults_armed", "count is NULL");
  CHECK(ipsec_sim_faults_armed(NULL, &n) == IPSEC_SIM_EINVAL);
  CHECK(ipsec_sim_fault(NULL, "clear") == IPSEC_SIM_EINVAL);
  CHECK(ipsec_sim_fault_fired(NULL, 0) == NULL);

  /* Every form arms one fault (an RX rewrite: one per frame); "clear" disarms them all. */
  CHECK_OK(e, ipsec_sim_fault(e, "slverr read RSP_WORD0 3"));
  CHECK_OK(e, ipsec_sim_fault(e, "irq lost"));
  CHECK_OK(e, ipsec_sim_fault(e, "irq late 50 DEL_SA_V2"));
  CHECK_OK(e, ipsec_sim_fault(e, "response drop MOD_SA_V2"));
  CHECK_OK(e, ipsec_sim_fault(e, "response hold 100"));
  CHECK_OK(e, ipsec_sim_fault(e, "response handle"));
  CHECK_OK(e, ipsec_sim_fault(e, "  response   syndrome 2   set_cap "));
  CHECK_OK(e, ipsec_sim_fault(e, "rx handle 0x77 3"));
  CHECK_OK(e, ipsec_sim_fault(e, "rx syndrome 0x13"));
  CHECK(armed(e) == 11);
  CHECK_OK(e, ipsec_sim_fault(e, "clear"));
  CHECK(armed(e) == 0);
  CHECK(ipsec_sim_fault_fired(e, 0) == NULL); /* none fired */
  ipsec_sim_destroy(e);
}

/* ---- bus: SLVERR on the chosen access --------------------------------------------------- */

static void test_bus(void) {
  ipsec_sim_engine *e = rtl();
  capi_sa sa = test_sa(0x1000, 1, 0);
  uint8_t img[148];
  uint32_t v = 1;
  ipsec_sim_resp resp = IPSEC_SIM_RESP_OKAY;

  /* The 2nd read of VENDOR_ID answers SLVERR (0 read); the 1st and 3rd are the engine's. */
  CHECK_OK(e, ipsec_sim_fault(e, "slverr read VENDOR_ID 2"));
  CHECK(armed(e) == 1);
  CHECK(reg(e, REG_VENDOR_ID) == 0x2C9);
  CHECK_OK(e, ipsec_sim_reg_read(e, REG_VENDOR_ID, &v, &resp));
  CHECK(resp == IPSEC_SIM_RESP_SLVERR);
  CHECK(v == 0);
  CHECK(armed(e) == 0);
  CHECK(fired_starts(e, 0, "SLVERR on read VENDOR_ID (0x000)"));
  CHECK(reg(e, REG_VENDOR_ID) == 0x2C9);

  /* Without a response pointer the call fails, naming the response. */
  CHECK_OK(e, ipsec_sim_fault(e, "slverr read 0x000"));
  CHECK_STATUS(e, ipsec_sim_reg_read(e, REG_VENDOR_ID, &v, NULL), IPSEC_SIM_EBUSRESP);
  CHECK_ERROR_SAYS(e, "ipsec_sim_reg_read", "SLVERR");

  /* SLVERR on the doorbell: the command never reaches the engine. */
  CHECK_OK(e, ipsec_sim_fault(e, "slverr write CMD_DOORBELL"));
  add_image(&sa, img);
  for (v = 0; v < 148; v += 4) CHECK_OK(e, ipsec_sim_reg_write(e, REG_CMD_WINDOW + v, be32_get(img + v), NULL));
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_CMD_DOORBELL, 148, &resp));
  CHECK(resp == IPSEC_SIM_RESP_SLVERR);
  CHECK(fired_starts(e, 2, "SLVERR on write CMD_DOORBELL (0x050)"));
  CHECK(ipsec_sim_fault_fired(e, 3) == NULL);
  CHECK(!rsp_valid_within(e, 2000));
  CHECK(CMD_STATUS_OUTSTANDING(reg(e, REG_CMD_STATUS)) == 0);
  CHECK(counter(e, "ipsec_add_sa_success") == 0);
  CHECK(counter(e, "ipsec_add_sa_fail") == 0);
  /* The same command again goes in. */
  CHECK(capi_add_sa(e, &sa) == 0);
  CHECK(counter(e, "ipsec_add_sa_success") == 1);
  ipsec_sim_destroy(e);
}

/* ---- irq: the interrupt lost, late --------------------------------------------------------- */

static void test_irq(void) {
  ipsec_sim_engine *e = rtl();
  capi_sa a = test_sa(0x1000, 1, 0), b = test_sa(0x1001, 1, 0), c = test_sa(0x1002, 1, 0);
  uint8_t img[148];
  int level = 7;
  CHECK(reg(e, REG_INTR_ENABLE) & INTR_RSP_READY); /* enabled out of reset */

  /* Lost: the engine's line rises (ipsec_sim_wait_irq sees the engine itself) but the caller's
   * line and INTR_STATUS stay low; CMD_STATUS shows the response waiting. */
  CHECK_OK(e, ipsec_sim_fault(e, "irq lost ADD_SA_V2"));
  add_image(&a, img);
  ring(e, img, 148);
  CHECK_OK(e, ipsec_sim_wait_irq(e, 10000, NULL));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 0);
  CHECK((reg(e, REG_INTR_STATUS) & INTR_RSP_READY) == 0);
  CHECK_OK(e, ipsec_sim_run(e, 1000));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 0);
  CHECK(reg(e, REG_CMD_STATUS) & CMD_STATUS_RSP_VALID);
  CHECK(reg(e, REG_RSP_WORD0) == 0);
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_RSP_POP, 1, NULL));
  CHECK(fired_starts(e, 0, "interrupt for the response to ADD_SA_V2 lost"));
  CHECK(armed(e) == 0);
  /* The next response raises the line again. */
  CHECK(capi_add_sa(e, &b) == 0);

  /* Late: low for 300 clocks after the engine raised it, then high. */
  CHECK_OK(e, ipsec_sim_fault(e, "irq late 300"));
  add_image(&c, img);
  ring(e, img, 148);
  CHECK_OK(e, ipsec_sim_wait_irq(e, 10000, NULL));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 0);
  CHECK_OK(e, ipsec_sim_run(e, 250));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 0);
  CHECK_OK(e, ipsec_sim_run(e, 60));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 1);
  CHECK(reg(e, REG_INTR_STATUS) & INTR_RSP_READY);
  CHECK(fired_starts(e, 1, "interrupt for the response to ADD_SA_V2 delivered 3"));
  CHECK(reg(e, REG_RSP_WORD0) == 0);
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_RSP_POP, 1, NULL));
  CHECK_OK(e, ipsec_sim_run(e, 4));
  CHECK_OK(e, ipsec_sim_irq(e, &level));
  CHECK(level == 0); /* popped: low again */
  CHECK(counter(e, "ipsec_add_sa_success") == 3);
  ipsec_sim_destroy(e);
}

/* ---- responses: dropped, held, a corrupted echo, syndromes ---------------------------------- */

static void test_responses(void) {
  ipsec_sim_engine *e = rtl();
  capi_sa rx = test_sa(0x2000, 0, 9);
  uint8_t img[148];
  uint32_t syndrome;
  uint64_t fail_before;

  /* Dropped: RSP_VALID is never seen; the engine did execute the ADD. */
  CHECK_OK(e, ipsec_sim_fault(e, "response drop"));
  add_image(&rx, img);
  ring(e, img, 148);
  CHECK(!rsp_valid_within(e, 3000));
  CHECK(CMD_STATUS_OUTSTANDING(reg(e, REG_CMD_STATUS)) == 0);
  CHECK(fired_starts(e, 0, "response to ADD_SA_V2 dropped"));
  CHECK(counter(e, "ipsec_add_sa_success") == 1);
  CHECK(capi_add_sa(e, &rx) == 2); /* the engine holds it: a duplicate */

  /* Held 500 clocks: CMD_STATUS hides it (OUTSTANDING still counts it), then shows it. */
  CHECK_OK(e, ipsec_sim_fault(e, "response hold 500 DEL_SA_V2"));
  capi_sa_image(&rx, 3 /* DEL_SA_V2 */, img);
  ring(e, img, 148);
  CHECK(!rsp_valid_within(e, 300));
  CHECK(CMD_STATUS_OUTSTANDING(reg(e, REG_CMD_STATUS)) == 1);
  CHECK(rsp_valid_within(e, 600));
  CHECK(fired_starts(e, 1, "response to DEL_SA_V2 held 5"));
  CHECK(reg(e, REG_RSP_WORD0) == 0);
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_RSP_POP, 1, NULL));

  /* A corrupted echo: RSP_WORD1 with bit 31 flipped; the ADD took effect. */
  CHECK_OK(e, ipsec_sim_fault(e, "response handle ADD_SA_V2"));
  {
    uint32_t echo = 0;
    add_image(&rx, img);
    CHECK(capi_command(e, img, 148, &echo) == 0);
    CHECK(echo == (9u | 0x80000000u));
    CHECK(fired_starts(e, 2, "response to ADD_SA_V2: handle echo 0x00000009 read as 0x80000009"));
    CHECK(capi_add_sa(e, &rx) == 2);
    capi_sa_image(&rx, 3, img);
    CHECK(capi_command(e, img, 148, &echo) == 0);
    CHECK(echo == 9);
  }

  /* Syndromes 1, 2, 3: the engine refuses (add_sa_fail), RSP_WORD0 reads the syndrome, and
   * nothing was installed: the same ADD afterwards succeeds. */
  for (syndrome = 1; syndrome <= 3; ++syndrome) {
    char fault[64];
    snprintf(fault, sizeof fault, "response syndrome %u ADD_SA_V2", (unsigned)syndrome);
    fail_before = counter(e, "ipsec_add_sa_fail");
    CHECK_OK(e, ipsec_sim_fault(e, fault));
    CHECK(capi_add_sa(e, &rx) == syndrome);
    CHECK(counter(e, "ipsec_add_sa_fail") == fail_before + 1);
    CHECK(armed(e) == 0);
    CHECK(capi_add_sa(e, &rx) == 0);
    capi_sa_image(&rx, 3, img);
    CHECK(capi_command(e, img, 148, NULL) == 0);
  }
  CHECK(fired_starts(e, 3, "ADD_SA_V2 refused by the engine, to answer syndrome 1"));
  CHECK(fired_starts(e, 4, "response to ADD_SA_V2: syndrome 0x00000001 read as 0x00000001"));
  CHECK(fired_starts(e, 8, "response to ADD_SA_V2: syndrome 0x00000001 read as 0x00000003"));
  CHECK(ipsec_sim_fault_fired(e, 9) == NULL);
  ipsec_sim_destroy(e);
}

/* ---- rx: the debug bit, the handle and syndrome of host-RX metadata ------------------------- */

/* Frames for `tx`, through the engine; back on wire RX (the last one with a flipped ICV bit
 * when `corrupt_last`); what reaches host RX into out[] (up to 8). Returns how many. */
static size_t rx_round(ipsec_sim_engine *e, const capi_sa *tx, uint32_t first_sn, size_t frames,
                       int corrupt_last, uint8_t out[][1600], size_t out_len[]) {
  uint8_t f[1600];
  uint64_t rs = capi_seed() + first_sn;
  size_t i, n = 0, len;
  int tuser;
  for (i = 0; i < frames; ++i) {
    len = capi_tx_frame(tx, first_sn + (uint32_t)i, 64, 1, &rs, f);
    CHECK_OK(e, ipsec_sim_send(e, IPSEC_SIM_HOST_TX, f, len, 0));
  }
  CHECK_OK(e, ipsec_sim_run_until_idle(e, 0, NULL));
  for (i = 0; ipsec_sim_receive(e, IPSEC_SIM_WIRE_TX, f, sizeof f, &len, NULL) == IPSEC_SIM_OK; ++i) {
    if (corrupt_last && i + 1 == frames) f[len - 1] ^= 0x40;
    CHECK_OK(e, ipsec_sim_send(e, IPSEC_SIM_WIRE_RX, f, len, 0));
  }
  CHECK(i == frames);
  CHECK_OK(e, ipsec_sim_run_until_idle(e, 0, NULL));
  while (n < 8 && ipsec_sim_receive(e, IPSEC_SIM_HOST_RX, out[n], 1600, &out_len[n], &tuser) == IPSEC_SIM_OK) {
    CHECK(!tuser);
    ++n;
  }
  return n;
}

static uint8_t meta_syndrome(const uint8_t *f) { return f[12 + 2]; }
static uint32_t meta_handle(const uint8_t *f) { return be32_get(f + 12 + 4); }
static int has_meta(const uint8_t *f, size_t len) { return len > 20 && f[12] == 0x8C && f[13] == 0xE4; }

static void test_rx(void) {
  ipsec_sim_engine *e = rtl();
  const capi_sa tx = test_sa(0x3000, 1, 0);
  capi_sa rx = tx;
  uint8_t out[8][1600];
  size_t len[8], n, i;
  rx.tx = 0;
  rx.handle = 7;
  CHECK(capi_add_sa(e, &tx) == 0);
  CHECK(capi_add_sa(e, &rx) == 0);

  /* Unfaulted: decrypted (0x11), handle 7; the corrupted frame is dropped (dec_auth_fail). */
  n = rx_round(e, &tx, 1, 3, 1, out, len);
  CHECK(n == 2);
  for (i = 0; i < n; ++i) {
    CHECK(has_meta(out[i], len[i]));
    CHECK(meta_syndrome(out[i]) == 0x11);
    CHECK(meta_handle(out[i]) == 7);
  }
  CHECK(counter(e, "ipsec_dec_auth_fail_packets") == 1);

  /* The debug bit: CONTROL.FWD_BAD_FRAMES set, kept across a write of CONTROL; the corrupted
   * frame reaches the host with 0x12. */
  CHECK_OK(e, ipsec_sim_fault(e, "rx forward-bad on"));
  CHECK(fired_starts(e, 0, "CONTROL.FWD_BAD_FRAMES set"));
  CHECK(reg(e, REG_CONTROL) & CONTROL_FWD_BAD_FRAMES);
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_CONTROL, 0, NULL));
  CHECK(reg(e, REG_CONTROL) & CONTROL_FWD_BAD_FRAMES);
  n = rx_round(e, &tx, 10, 2, 1, out, len);
  CHECK(n == 2);
  if (n == 2) {
    CHECK(meta_syndrome(out[0]) == 0x11);
    CHECK(meta_syndrome(out[1]) == 0x12);
    CHECK(meta_handle(out[1]) == 7);
  }
  CHECK(counter(e, "ipsec_dec_auth_fail_packets") == 2);
  CHECK_OK(e, ipsec_sim_fault(e, "rx forward-bad off"));
  CHECK((reg(e, REG_CONTROL) & CONTROL_FWD_BAD_FRAMES) == 0);

  /* The handle of the next two records, the syndrome of the next one, rewritten. */
  CHECK_OK(e, ipsec_sim_fault(e, "rx handle 0x77 2"));
  CHECK_OK(e, ipsec_sim_fault(e, "rx syndrome 0x13"));
  CHECK(armed(e) == 3);
  n = rx_round(e, &tx, 20, 3, 0, out, len);
  CHECK(n == 3);
  if (n == 3) {
    CHECK(meta_handle(out[0]) == 0x77);
    CHECK(meta_syndrome(out[0]) == 0x13);
    CHECK(meta_handle(out[1]) == 0x77);
    CHECK(meta_syndrome(out[1]) == 0x11);
    CHECK(meta_handle(out[2]) == 7);
    CHECK(meta_syndrome(out[2]) == 0x11);
  }
  CHECK(armed(e) == 0);
  CHECK(fired_starts(e, 2, "RX metadata handle 0x00000007 rewritten to 0x00000077"));
  CHECK(fired_starts(e, 3, "RX metadata syndrome 0x11 rewritten to 0x13"));
  CHECK(counter(e, "ipsec_dec_in_packets") == 8);
  CHECK(counter(e, "ipsec_dec_out_packets") == 6); /* the rewrites are not the engine's */
  ipsec_sim_destroy(e);
}

/* ---- logs: the register log and the command log, to a file and to a callback -------------- */

typedef struct lines {
  char text[32][160];
  size_t n;
} lines;

static void keep_line(void *user, const char *line) {
  lines *l = (lines *)user;
  if (l->n < 32) snprintf(l->text[l->n], sizeof l->text[0], "%.159s", line);
  ++l->n;
}

static void read_lines(const char *path, lines *l) {
  char buf[512];
  FILE *f = fopen(path, "r");
  memset(l, 0, sizeof *l);
  CHECK(f != NULL);
  if (!f) return;
  while (fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\n")] = 0;
    keep_line(l, buf);
  }
  fclose(f);
}

static int same_lines(const lines *got, const char *const *want, size_t n, const char *what) {
  size_t i;
  int ok = got->n == n;
  for (i = 0; i < n && i < got->n; ++i) ok &= strcmp(got->text[i], want[i]) == 0;
  if (!ok) {
    fprintf(stderr, "%s: got %zu lines, wanted %zu:\n", what, got->n, n);
    for (i = 0; i < got->n && i < 32; ++i) fprintf(stderr, "  got  \"%s\"\n", got->text[i]);
    for (i = 0; i < n; ++i) fprintf(stderr, "  want \"%s\"\n", want[i]);
  }
  return ok;
}

static void test_logs(const char *dir) {
  /* Register accesses of a SET_CAP (32 bytes, flags 1 = NO_TRAILER) and a few more; the bus
   * has no delays, so a write takes 3 clocks (the RTL's AXI4-Lite handshakes) and a read 4
   * (the register block's read mux takes two clocks). */
  static const char *const reg_golden[] = {
      "           4 R 0x000 VENDOR_ID                0x000002c9 OKAY",
      "           7 W 0x000 VENDOR_ID                0x00000001 SLVERR",
      "          10 W 0x100 CMD_WINDOW[0]            0x00000005 OKAY",
      "          13 W 0x104 CMD_WINDOW[1]            0x00000001 OKAY",
      "          16 W 0x108 CMD_WINDOW[2]            0x00000000 OKAY",
      "          19 W 0x10c CMD_WINDOW[3]            0x00000000 OKAY",
      "          22 W 0x110 CMD_WINDOW[4]            0x00000000 OKAY",
      "          25 W 0x114 CMD_WINDOW[5]            0x00000000 OKAY",
      "          28 W 0x118 CMD_WINDOW[6]            0x00000000 OKAY",
      "          31 W 0x11c CMD_WINDOW[7]            0x00000000 OKAY",
      "          34 W 0x050 CMD_DOORBELL             0x00000020 OKAY",
  };
  static const char *const cmd_golden[] = {
      "cmd SET_CAP 0000000500000001000000000000000000000000000000000000000000000000 doorbell=34",
  };
  char reg_path[512], cmd_path[512];
  lines from_file, from_fn_reg, from_fn_cmd, tail;
  ipsec_sim_engine *e = make_engine(IPSEC_SIM_RTL_FAST, 1, 0);
  uint8_t cmd[32];
  uint32_t v, w0, w1;
  uint64_t doorbell, completion;
  char rsp_line[160];
  size_t i;
  memset(&from_fn_reg, 0, sizeof from_fn_reg);
  memset(&from_fn_cmd, 0, sizeof from_fn_cmd);
  memset(&tail, 0, sizeof tail);
  snprintf(reg_path, sizeof reg_path, "%s/capi_reg.log", dir);
  snprintf(cmd_path, sizeof cmd_path, "%s/capi_cmd.log", dir);

  CHECK_OK(e, ipsec_sim_reg_log(e, reg_path, NULL, NULL));
  CHECK_OK(e, ipsec_sim_cmd_log(e, NULL, keep_line, &from_fn_cmd));
  /* The reg log is a file for this first part; a second engine gives the callback's. */
  CHECK_OK(e, ipsec_sim_reg_read(e, REG_VENDOR_ID, &v, NULL));
  {
    ipsec_sim_resp resp;
    CHECK_OK(e, ipsec_sim_reg_write(e, REG_VENDOR_ID, 1, &resp)); /* read-only: SLVERR */
    CHECK(resp == IPSEC_SIM_RESP_SLVERR);
  }
  memset(cmd, 0, sizeof cmd);
  be32_put(cmd, 5);
  be32_put(cmd + 4, 1);
  ring(e, cmd, 32);
  CHECK_OK(e, ipsec_sim_reg_log(e, NULL, NULL, NULL)); /* off: the file is complete */
  read_lines(reg_path, &from_file);
  CHECK(same_lines(&from_file, reg_golden, sizeof reg_golden / sizeof reg_golden[0], "reg log file"));
  CHECK(same_lines(&from_fn_cmd, cmd_golden, 1, "cmd log callback"));

  /* The response: RSP_WORD0, RSP_WORD1 and the pop, logged by a callback now, and the
   * command log's "rsp" line with the doorbell's and the pop's cycles. */
  CHECK_OK(e, ipsec_sim_reg_log(e, NULL, keep_line, &tail));
  CHECK_OK(e, ipsec_sim_wait_irq(e, 10000, NULL));
  w0 = reg(e, REG_RSP_WORD0);
  w1 = reg(e, REG_RSP_WORD1);
  CHECK_OK(e, ipsec_sim_reg_write(e, REG_RSP_POP, 1, NULL));
  CHECK(w0 == 0);
  CHECK(w1 == 1); /* SET_CAP echoes the flags granted */
  CHECK(tail.n == 3);
  if (tail.n == 3) {
    unsigned long long c0 = 0, c1 = 0, c2 = 0;
    CHECK(sscanf(tail.text[0], "%llu", &c0) == 1 && sscanf(tail.text[1], "%llu", &c1) == 1 &&
          sscanf(tail.text[2], "%llu", &c2) == 1);
    CHECK(c0 > 34 && c1 == c0 + 4 && c2 == c1 + 3);  /* a read 4 clocks, a write 3 */
    CHECK(strstr(tail.text[0], " R 0x060 RSP_WORD0                0x00000000 OKAY") != NULL);
    CHECK(strstr(tail.text[1], " R 0x064 RSP_WORD1                0x00000001 OKAY") != NULL);
    CHECK(strstr(tail.text[2], " W 0x058 RSP_POP                  0x00000001 OKAY") != NULL);
    doorbell = 34;
    completion = c2;
    snprintf(rsp_line, sizeof rsp_line, "rsp 0000000000000001 doorbell=%llu completion=%llu",
             (unsigned long long)doorbell, (unsigned long long)completion);
    CHECK(from_fn_cmd.n == 2);
    CHECK(from_fn_cmd.n == 2 && strcmp(from_fn_cmd.text[1], rsp_line) == 0);
  }

  /* A fault met on an access is named after " # "; the command log to a file. */
  CHECK_OK(e, ipsec_sim_cmd_log(e, cmd_path, NULL, NULL));
  tail.n = 0;
  CHECK_OK(e, ipsec_sim_fault(e, "response syndrome 2 SET_CAP"));
  CHECK(capi_command(e, cmd, 32, NULL) == 2);
  CHECK(tail.n == 12);
  if (tail.n == 12) {
    CHECK(strstr(tail.text[8], " W 0x050 CMD_DOORBELL             0x00000020 OKAY "
                               "# SET_CAP refused by the engine, to answer syndrome 2") != NULL);
    CHECK(strstr(tail.text[9], " R 0x060 RSP_WORD0                0x00000002 OKAY "
                               "# response to SET_CAP: syndrome 0x00000001 read as 0x00000002") != NULL);
  }
  CHECK_OK(e, ipsec_sim_cmd_log(e, NULL, NULL, NULL));
  read_lines(cmd_path, &from_file);
  CHECK(from_file.n == 2);
  if (from_file.n == 2) {
    CHECK(strncmp(from_file.text[0], "cmd SET_CAP 00000005", 20) == 0);
    CHECK(strncmp(from_file.text[1], "rsp 00000002", 12) == 0);
    CHECK(strstr(from_file.text[1], " doorbell=") && strstr(from_file.text[1], " completion="));
  }
  /* Cycles only grow along the register log. */
  {
    unsigned long long prev = 0, c;
    for (i = 0; i < tail.n && i < 32; ++i) {
      CHECK(sscanf(tail.text[i], "%llu", &c) == 1);
      CHECK(c > prev);
      prev = c;
    }
  }
  /* A path that cannot be written: EIO, saying which. */
  {
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no-such-dir/reg.log", dir);
    CHECK_STATUS(e, ipsec_sim_reg_log(e, bad, NULL, NULL), IPSEC_SIM_EIO);
    CHECK_ERROR_SAYS(e, "ipsec_sim_reg_log", "no-such-dir/reg.log");
    CHECK_STATUS(e, ipsec_sim_cmd_log(e, bad, NULL, NULL), IPSEC_SIM_EIO);
    CHECK_ERROR_SAYS(e, "ipsec_sim_cmd_log", "cannot write");
  }
  ipsec_sim_destroy(e);

  /* The same first accesses on a fresh engine, logged by a callback: the same lines. */
  e = make_engine(IPSEC_SIM_RTL_FAST, 1, 0);
  CHECK_OK(e, ipsec_sim_reg_log(e, NULL, keep_line, &from_fn_reg));
  CHECK_OK(e, ipsec_sim_reg_read(e, REG_VENDOR_ID, &v, NULL));
  CHECK_STATUS(e, ipsec_sim_reg_write(e, REG_VENDOR_ID, 1, NULL), IPSEC_SIM_EBUSRESP);
  ring(e, cmd, 32);
  CHECK(same_lines(&from_fn_reg, reg_golden, sizeof reg_golden / sizeof reg_golden[0], "reg log callback"));
  ipsec_sim_destroy(e);
  remove(reg_path);
  remove(cmd_path);
}

int main(int argc, char **argv) {
  const char *group = argc > 1 ? argv[1] : "";
  if (strcmp(group, "strings") == 0) {
    test_strings();
  } else if (strcmp(group, "bus") == 0) {
    test_bus();
  } else if (strcmp(group, "irq") == 0) {
    test_irq();
  } else if (strcmp(group, "responses") == 0) {
    test_responses();
  } else if (strcmp(group, "rx") == 0) {
    test_rx();
  } else if (strcmp(group, "logs") == 0) {
    test_logs(argc > 2 ? argv[2] : ".");
  } else {
    fprintf(stderr, "usage: test_capi_faults strings|bus|irq|responses|rx|logs [dir]\n");
    return 2;
  }
  printf("%s: %s\n", group, capi_failures ? "FAILED" : "passed");
  return capi_failures ? 1 : 0;
}
