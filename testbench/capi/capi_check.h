/*
 * What the C API suites share (C11): checks that say what failed, the seed and stall of the
 * run (IPSEC_SEED, IPSEC_STALL), and the driver's side of the engine written from
 * docs/registers.md and the contract: SA images, commands through the mailbox, frames with
 * TX metadata. Each test program includes it once.
 */
#ifndef IPSEC_CAPI_CHECK_H
#define IPSEC_CAPI_CHECK_H

#include <ipsec_sim/ipsec_sim.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int capi_failures = 0;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
      ++capi_failures;                                                                \
    }                                                                                 \
  } while (0)

/* A call that must return `want`; on a mismatch the engine's message is printed. */
#define CHECK_STATUS(engine, call, want)                                              \
  do {                                                                                \
    ipsec_sim_status st_ = (call);                                                    \
    if (st_ != (want)) {                                                              \
      fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d (%s); last error: %s\n", \
              __FILE__, __LINE__, #call, (int)st_, ipsec_sim_strerror(st_), (int)(want), \
              ipsec_sim_strerror(want), ipsec_sim_last_error(engine));                \
      ++capi_failures;                                                                \
    }                                                                                 \
  } while (0)

#define CHECK_OK(engine, call) CHECK_STATUS(engine, call, IPSEC_SIM_OK)

/* The last error names the function and contains `part`. */
#define CHECK_ERROR_SAYS(engine, function, part)                                      \
  do {                                                                                \
    const char *msg_ = ipsec_sim_last_error(engine);                                  \
    if (strncmp(msg_, function ": ", strlen(function ": ")) != 0 || !strstr(msg_, part)) { \
      fprintf(stderr, "%s:%d: last error \"%s\" should start with \"%s: \" and say \"%s\"\n", \
              __FILE__, __LINE__, msg_, function, part);                              \
      ++capi_failures;                                                                \
    }                                                                                 \
  } while (0)

static uint64_t env_u64(const char *name, uint64_t fallback) {
  const char *v = getenv(name);
  return v && *v ? strtoull(v, NULL, 0) : fallback;
}

/* The run's seed: IPSEC_SEED or a fresh one; printed so a failure can be replayed. */
static uint64_t capi_seed(void) {
  static uint64_t seed = 0;
  if (!seed) {
    seed = env_u64("IPSEC_SEED", 0);
    if (!seed) {
      FILE *f = fopen("/dev/urandom", "rb");
      if (!f || fread(&seed, sizeof seed, 1, f) != 1) seed = 1;
      if (f) fclose(f);
      seed = seed % 1000000u + 1;
    }
    printf("seed %" PRIu64 " (IPSEC_SEED=%" PRIu64 " to replay)\n", seed, seed);
  }
  return seed;
}

/* Random port stalls of the RTL runs: IPSEC_STALL or `fallback`. */
static int capi_stall(int fallback) {
  static int printed = 0;
  const int stall = (int)env_u64("IPSEC_STALL", (uint64_t)fallback);
  if (!printed) { /* first called on the main thread, before any other starts */
    printf("stall %d%% (IPSEC_STALL)\n", stall);
    printed = 1;
  }
  return stall;
}

/* A small generator (xorshift64*), seeded per use. */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

static ipsec_sim_engine *make_engine(ipsec_sim_kind kind, uint64_t seed, int stall) {
  ipsec_sim_options o;
  ipsec_sim_engine *e = NULL;
  char error[256];
  ipsec_sim_options_init(&o);
  o.kind = kind;
  o.seed = seed;
  o.stall_percent = stall;
  if (ipsec_sim_create(&o, &e, error, sizeof error) != IPSEC_SIM_OK) {
    fprintf(stderr, "cannot create an engine: %s\n", error);
    exit(2);
  }
  return e;
}

/* ---- the driver's side (docs/registers.md; contract sections 3 and 5) ---- */

static void be32_put(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static void be16_put(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static uint32_t be32_get(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An SA: enough to build its image and frames for it. */
typedef struct capi_sa {
  uint8_t key[16];
  uint32_t salt, spi, handle;
  uint8_t sip[4], dip[4];
  int tx;
} capi_sa;

static void capi_sa_image(const capi_sa *sa, uint32_t opcode, uint8_t img[148]) {
  memset(img, 0, 148);
  be32_put(img, opcode);
  memcpy(img + 0x04, sa->key, 16);
  memcpy(img + 0x14, sa->key, 16); /* a 128-bit key is written twice */
  memcpy(img + 0x50, sa->sip, 4);
  memcpy(img + 0x60, sa->dip, 4);
  memset(img + 0x68, 0x5a, 8);
  be32_put(img + 0x70, sa->salt);
  be32_put(img + 0x74, sa->spi);
  be32_put(img + 0x78, sa->handle);
  img[0x7E] = 1;                      /* AES-GCM-128 */
  img[0x81] = sa->tx ? 0x78 : 0x70;   /* SA_VALID | SPI_EN | IP_ESP (| DIR_SX) */
}

/* One command through the mailbox; returns the syndrome (or 0xFFFFFFFF when no response
 * came within 10,000 clocks), *echo gets response word 1. */
static uint32_t capi_command(ipsec_sim_engine *e, const uint8_t *img, uint32_t len, uint32_t *echo) {
  uint32_t i, w0 = 0, w1 = 0;
  for (i = 0; i < len; i += 4) CHECK_OK(e, ipsec_sim_reg_write(e, 0x100 + i, be32_get(img + i), NULL));
  CHECK_OK(e, ipsec_sim_reg_write(e, 0x050, len, NULL));
  if (ipsec_sim_wait_irq(e, 10000, NULL) != IPSEC_SIM_OK) return 0xFFFFFFFFu;
  CHECK_OK(e, ipsec_sim_reg_read(e, 0x060, &w0, NULL));
  CHECK_OK(e, ipsec_sim_reg_read(e, 0x064, &w1, NULL));
  CHECK_OK(e, ipsec_sim_reg_write(e, 0x058, 1, NULL));
  if (echo) *echo = w1;
  return w0;
}

static uint32_t capi_add_sa(ipsec_sim_engine *e, const capi_sa *sa) {
  uint8_t img[148];
  capi_sa_image(sa, 2 /* ADD_SA_V2 */, img);
  return capi_command(e, img, 148, NULL);
}

static uint16_t capi_ip_checksum(const uint8_t *h) {
  uint32_t sum = 0;
  int i;
  for (i = 0; i < 20; i += 2) sum += (uint32_t)(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

/* A frame from the host stack for `sa` (contract sections 5 and 6): MACs, TX metadata
 * (offload, next header UDP) unless `meta` is 0, IPv4/ESP, SPI, SN, IV = SN, `payload`
 * random bytes. Returns its length. */
static size_t capi_tx_frame(const capi_sa *sa, uint32_t sn, size_t payload, int meta, uint64_t *rs,
                            uint8_t *f) {
  size_t n = 12, i, ip;
  for (i = 0; i < 12; ++i) f[i] = (uint8_t)(i < 6 ? 0x02 : 0x04);
  if (meta) {
    be16_put(f + n, 0x8CE4);
    f[n + 2] = 0x08;
    memset(f + n + 3, 0, 4);
    f[n + 7] = 17;
    n += 8;
  }
  be16_put(f + n, 0x0800);
  n += 2;
  ip = n;
  memset(f + n, 0, 20);
  f[n] = 0x45;
  be16_put(f + n + 2, (uint16_t)(20 + 16 + payload));
  f[n + 8] = 64;
  f[n + 9] = 50;
  memcpy(f + n + 12, sa->sip, 4);
  memcpy(f + n + 16, sa->dip, 4);
  be16_put(f + n + 10, capi_ip_checksum(f + ip));
  n += 20;
  be32_put(f + n, sa->spi);
  be32_put(f + n + 4, sn);
  memset(f + n + 8, 0, 4);
  be32_put(f + n + 12, sn);
  n += 16;
  for (i = 0; i < payload; ++i) f[n + i] = (uint8_t)rnd(rs);
  return n + payload;
}

#endif /* IPSEC_CAPI_CHECK_H */
