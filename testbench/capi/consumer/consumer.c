/* A program outside the project, built against the installed libipsec_sim: it creates an
 * engine, reads the vendor id and a counter, and sends one plain frame through; then a fault
 * and a register log (the library's fault injection and traces). */
#include <ipsec_sim/ipsec_sim.h>

#include <stdio.h>
#include <string.h>

static void count_line(void *user, const char *line) {
  if (strstr(line, "VENDOR_ID")) ++*(int *)user;
}

int main(void) {
  ipsec_sim_options o;
  ipsec_sim_engine *e = NULL;
  char error[256];
  uint32_t vendor = 0, faulted = 1;
  uint64_t bypass = 0;
  uint8_t frame[60], out[60];
  size_t len = 0, armed = 1;
  int logged = 0;
  ipsec_sim_resp resp = IPSEC_SIM_RESP_OKAY;
  ipsec_sim_options_init(&o);
  if (ipsec_sim_create(&o, &e, error, sizeof error) != IPSEC_SIM_OK) {
    fprintf(stderr, "consumer: %s\n", error);
    return 1;
  }
  memset(frame, 0x42, sizeof frame);
  if (ipsec_sim_reg_read(e, 0x000, &vendor, NULL) != IPSEC_SIM_OK ||
      ipsec_sim_send(e, IPSEC_SIM_HOST_TX, frame, sizeof frame, 0) != IPSEC_SIM_OK ||
      ipsec_sim_run_until_idle(e, 100000, NULL) != IPSEC_SIM_OK ||
      ipsec_sim_receive(e, IPSEC_SIM_WIRE_TX, out, sizeof out, &len, NULL) != IPSEC_SIM_OK ||
      ipsec_sim_counter_read_by_name(e, "ipsec_enc_bypass_packets", &bypass) != IPSEC_SIM_OK) {
    fprintf(stderr, "consumer: %s\n", ipsec_sim_last_error(e));
    ipsec_sim_destroy(e);
    return 1;
  }
  if (ipsec_sim_reg_log(e, NULL, count_line, &logged) != IPSEC_SIM_OK ||
      ipsec_sim_fault(e, "slverr read VENDOR_ID") != IPSEC_SIM_OK ||
      ipsec_sim_reg_read(e, 0x000, &faulted, &resp) != IPSEC_SIM_OK ||
      ipsec_sim_faults_armed(e, &armed) != IPSEC_SIM_OK || ipsec_sim_cmd_log(e, NULL, NULL, NULL) != IPSEC_SIM_OK) {
    fprintf(stderr, "consumer: %s\n", ipsec_sim_last_error(e));
    ipsec_sim_destroy(e);
    return 1;
  }
  if (resp != IPSEC_SIM_RESP_SLVERR || faulted != 0 || armed != 0 || logged != 1 || !ipsec_sim_fault_fired(e, 0)) {
    fprintf(stderr, "consumer: the fault did not fire (response %d, %zu armed, %d logged)\n", (int)resp,
            armed, logged);
    ipsec_sim_destroy(e);
    return 1;
  }
  ipsec_sim_destroy(e);
  if (vendor != 0x2C9 || len != sizeof frame || memcmp(out, frame, len) != 0 || bypass != 1) {
    fprintf(stderr, "consumer: wrong answers (vendor 0x%x, %zu bytes out, bypass %llu)\n",
            (unsigned)vendor, len, (unsigned long long)bypass);
    return 1;
  }
  printf("consumer: libipsec_sim %s works\n", ipsec_sim_version());
  return 0;
}
