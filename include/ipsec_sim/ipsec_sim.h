/*
 * ipsec_sim.h: the C API of the inline IPsec ESP offload engine simulator.
 *
 * One engine is the whole offload engine seen from a host driver: its 32-bit AXI4-Lite
 * register port (docs/registers.md), its interrupt line and its four AXI4-Stream frame
 * ports. Five kinds of engine answer the same calls:
 *
 *   IPSEC_SIM_RTL_FAST      the Verilated RTL, fast build (X resolved the fast way);
 *   IPSEC_SIM_RTL_CHECKING  the Verilated RTL, checking build (X values random, the RTL's
 *                           assertions enabled: a failed assertion ends the process);
 *   IPSEC_SIM_REFERENCE     the transaction-level reference model (OpenSSL), which has no
 *                           clock of its own: see "Time" below.
 *   IPSEC_SIM_REFERENCE_PACKET  the same model with full packet offload (docs/packet_offload.md:
 *                           CAP_FLAGS bit 16, ADD_SA_PKT, metadata 0x0A and 0x13, per-SA
 *                           counters and events);
 *   IPSEC_SIM_RTL_PACKET    the Verilated RTL built with packet offload (PktOffload = 1; the
 *                           checking build's settings: a failed assertion ends the process).
 *
 * A driver written in C validates itself against the RTL through this header alone: it
 * writes the command window and rings the doorbell exactly as it would on the device, and
 * feeds and collects frames around it.
 *
 * Conventions
 *   - Every function that can fail returns an ipsec_sim_status: IPSEC_SIM_OK (0) or a
 *     negative code. ipsec_sim_strerror() names a code; ipsec_sim_last_error() gives the
 *     engine's message for the last call that failed on it (what was wrong, which argument).
 *   - Pointers to results may be NULL only where the function says so.
 *   - Frames are whole Ethernet frames, first byte first, without FCS. tuser is the
 *     AXI4-Stream TUSER bit on a frame's last beat: on an input port the MAC marks the frame
 *     bad; on an output port the engine marks it for the MAC to discard.
 *
 * Time
 *   The RTL kinds advance one clock at a time; register accesses take the clocks their
 *   AXI4-Lite handshakes take, and frames move while they do. The reference model computes
 *   a frame when the engine runs (ipsec_sim_run, ipsec_sim_run_until_idle) and counts
 *   plausible, not exact, clocks: one 16-byte beat per clock and direction plus a fixed
 *   latency. Its register accesses take no clocks.
 *
 * Lifetime and threads: see docs/c_api.md. In short: no global state; any number of
 * engines live side by side in one process; one engine is used by one thread at a time
 * (calls on one engine are not synchronised); different engines may run on different
 * threads at the same time; an engine may be handed from one thread to another when the
 * first is done with it.
 *
 * C11, no C++; link with libipsec_sim (shared or static): pkg-config ipsec-sim, or CMake
 * find_package(ipsec_sim) and the target ipsec_sim::ipsec_sim.
 */
#ifndef IPSEC_SIM_IPSEC_SIM_H
#define IPSEC_SIM_IPSEC_SIM_H

#include <stddef.h>
#include <stdint.h>

#if defined(IPSEC_SIM_BUILDING) && defined(__GNUC__)
#define IPSEC_SIM_API __attribute__((visibility("default")))
#else
#define IPSEC_SIM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version (the project's). */
#define IPSEC_SIM_VERSION_MAJOR 0
#define IPSEC_SIM_VERSION_MINOR 1
#define IPSEC_SIM_VERSION_PATCH 0

/* The version of the library linked, "MAJOR.MINOR.PATCH": may differ from the header's. */
IPSEC_SIM_API const char *ipsec_sim_version(void);

/* An engine: opaque; ipsec_sim_create makes one, ipsec_sim_destroy frees it. */
typedef struct ipsec_sim_engine ipsec_sim_engine;

/* ---- Status codes and error strings ------------------------------------------------------ */

typedef enum ipsec_sim_status {
  IPSEC_SIM_OK = 0,
  IPSEC_SIM_EINVAL = -1,      /* a bad argument: NULL pointer, out of range, wrong port */
  IPSEC_SIM_ENOMEM = -2,      /* out of memory */
  IPSEC_SIM_ETIMEDOUT = -3,   /* the clock limit passed before the condition held */
  IPSEC_SIM_EAGAIN = -4,      /* nothing there yet: no frame waiting on that port */
  IPSEC_SIM_E2BIG = -5,       /* a frame longer than IPSEC_SIM_MAX_FRAME */
  IPSEC_SIM_ENOSPC = -6,      /* the caller's buffer is too small for the frame */
  IPSEC_SIM_EIO = -7,         /* a file (waveform) could not be written */
  IPSEC_SIM_ENOTSUP = -8,     /* not offered by this engine kind or this installation */
  IPSEC_SIM_EBUS = -9,        /* the register bus did not answer (no AXI handshake) */
  IPSEC_SIM_EBUSRESP = -10,   /* the bus answered SLVERR or DECERR where no response
                                 pointer was given to receive it */
  IPSEC_SIM_ESTUCK = -11,     /* the engine stopped taking frames in */
  IPSEC_SIM_ENOENT = -12,     /* no such counter name */
  IPSEC_SIM_EINTERNAL = -13   /* an unexpected failure inside the simulator: a defect */
} ipsec_sim_status;

/* A fixed English phrase for a status code ("invalid argument", ...); never NULL. */
IPSEC_SIM_API const char *ipsec_sim_strerror(ipsec_sim_status status);

/* The message of the last call that failed on `engine` (empty if none failed yet); it names
 * the function and what was wrong, e.g. "ipsec_sim_send: frame of 70000 bytes is longer than
 * IPSEC_SIM_MAX_FRAME (65535)". Valid until the next call on the engine. "" for NULL. */
IPSEC_SIM_API const char *ipsec_sim_last_error(const ipsec_sim_engine *engine);

/* ---- Creating an engine -------------------------------------------------------------------- */

typedef enum ipsec_sim_kind {
  IPSEC_SIM_RTL_FAST = 0,
  IPSEC_SIM_RTL_CHECKING = 1,
  IPSEC_SIM_REFERENCE = 2,
  IPSEC_SIM_REFERENCE_PACKET = 3,
  IPSEC_SIM_RTL_PACKET = 4
} ipsec_sim_kind;

typedef struct ipsec_sim_options {
  ipsec_sim_kind kind;
  /* Seeds everything random in the engine: port stalls, the checking build's X values. */
  uint64_t seed;
  /* Random valid/ready pauses on each of the four frame ports, 0..95 per cent: the frames
   * that leave are the same, only their timing changes. */
  int stall_percent;
  /* Waveform (RTL kinds only): NULL for none, else a path ending ".vcd" (Verilator's VCD
   * writer) or ".fst" (the VCD converted by GTKWave's vcd2fst, which must be on PATH, when
   * the engine is destroyed). Written only for the clocks in [trace_from, trace_to]. */
  const char *trace_path;
  /* Hierarchy depth: 1 the engine's ports, 2 its own signals, each level one deeper; 99 all. */
  int trace_levels;
  uint64_t trace_from;
  uint64_t trace_to;
} ipsec_sim_options;

/* The defaults: RTL fast, seed 1, no stalls, no waveform (trace_levels 99, trace_from 0,
 * trace_to UINT64_MAX for when a path is set). Call it first, then change what you need. */
IPSEC_SIM_API void ipsec_sim_options_init(ipsec_sim_options *options);

/* Creates an engine, out of reset, with every register at its reset value. `options` NULL:
 * the defaults. On failure *engine is NULL and, if `error` is not NULL, the reason is
 * written there (at most error_size bytes, NUL-terminated).
 * Errors: EINVAL (engine NULL, kind or stall_percent out of range, trace path without
 * ".vcd"/".fst"), ENOTSUP (trace on the reference model, FST without vcd2fst), EIO (the
 * waveform file cannot be opened), ENOMEM. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_create(const ipsec_sim_options *options,
                                                ipsec_sim_engine **engine, char *error,
                                                size_t error_size);

/* Destroys an engine: closes its waveform (converting it to FST if asked) and frees it.
 * Frames not received are lost. NULL does nothing. */
IPSEC_SIM_API void ipsec_sim_destroy(ipsec_sim_engine *engine);

/* The kind the engine was created as. */
IPSEC_SIM_API ipsec_sim_kind ipsec_sim_engine_kind(const ipsec_sim_engine *engine);

/* ---- Reset and the clock --------------------------------------------------------------------- */

/* Holds reset for 4 clocks: SAs, command queues, counters and control bits are cleared
 * (docs/registers.md, "Cleared by reset"); a frame half sent or half received is lost, as
 * on a real link; frames queued but not started, and frames already received, are kept. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_reset(ipsec_sim_engine *engine);

/* Runs `clocks` clocks: frames queued with ipsec_sim_send enter, frames leave. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_run(ipsec_sim_engine *engine, uint64_t clocks);

/* Runs until the engine is idle: every frame sent has entered and no beat has moved on any
 * port for 256 clocks in a row. Stops after `max_clocks` with ETIMEDOUT (0: no limit, but
 * ESTUCK if the engine takes and gives no beat for 100,000 clocks while frames wait). The
 * clocks run are written to *clocks_run (may be NULL), in every case. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_run_until_idle(ipsec_sim_engine *engine,
                                                        uint64_t max_clocks,
                                                        uint64_t *clocks_run);

/* Clocks since the engine was created (reset clocks not counted). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_cycles(const ipsec_sim_engine *engine, uint64_t *cycles);

/* ---- Registers ----------------------------------------------------------------------------- */

/* The AXI4-Lite response of a register access (AXI4 RRESP/BRESP encoding). */
typedef enum ipsec_sim_resp {
  IPSEC_SIM_RESP_OKAY = 0,
  IPSEC_SIM_RESP_SLVERR = 2, /* unmapped address, write to read-only, read of write-only */
  IPSEC_SIM_RESP_DECERR = 3
} ipsec_sim_resp;

/* One 32-bit read of the register at byte address `addr` (a multiple of 4). The bus
 * response goes to *resp; with resp NULL, a response other than OKAY fails with EBUSRESP.
 * On SLVERR the engine returns 0 in *value. Errors: EINVAL (value NULL, addr not aligned),
 * EBUS (no handshake within 1000 clocks: the RTL is hung), EBUSRESP. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_reg_read(ipsec_sim_engine *engine, uint32_t addr,
                                                  uint32_t *value, ipsec_sim_resp *resp);

/* One 32-bit write (all four byte strobes) of `value` at `addr`; as ipsec_sim_reg_read. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_reg_write(ipsec_sim_engine *engine, uint32_t addr,
                                                   uint32_t value, ipsec_sim_resp *resp);

/* ---- The interrupt ------------------------------------------------------------------------- */

/* The level of the engine's interrupt line now (1 asserted, 0 not) in *level. It is high while
 * INTR_STATUS has a cause set and INTR_ENABLE enables it (docs/registers.md). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_irq(ipsec_sim_engine *engine, int *level);

/* Runs clock by clock until the interrupt line is high, at most `max_clocks` clocks
 * (ETIMEDOUT then). Returns at once if it is already high. The clocks waited go to *waited
 * (may be NULL), in every case. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_wait_irq(ipsec_sim_engine *engine, uint64_t max_clocks,
                                                  uint64_t *waited);

/* ---- Frames ------------------------------------------------------------------------------- */

typedef enum ipsec_sim_port {
  IPSEC_SIM_HOST_TX = 0, /* in:  from the NIC, frames to encrypt (with TX metadata) */
  IPSEC_SIM_WIRE_RX = 1, /* in:  from the network, frames to decrypt */
  IPSEC_SIM_WIRE_TX = 2, /* out: to the network */
  IPSEC_SIM_HOST_RX = 3  /* out: to the NIC (with RX metadata) */
} ipsec_sim_port;

/* The longest frame the API carries, bytes (the engine's own limit, ENGINE_PARAMS MaxFrame,
 * is lower: a frame above that enters and is dropped and counted, as on the device). */
#define IPSEC_SIM_MAX_FRAME 65535u

/* Queues a frame on an input port (HOST_TX or WIRE_RX); it enters as the engine runs, beat
 * by beat, behind the frames queued before it. tuser non-zero marks it bad (MAC error).
 * Errors: EINVAL (data NULL, len 0, an output port), E2BIG (len > IPSEC_SIM_MAX_FRAME). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_send(ipsec_sim_engine *engine, ipsec_sim_port port,
                                              const uint8_t *data, size_t len, int tuser);

/* Takes the oldest frame that left on an output port (WIRE_TX or HOST_RX): its bytes into
 * buf (capacity `size`), its length into *len, its tuser bit into *tuser (may be NULL).
 * Frames marked tuser are returned too: the caller decides (a MAC would discard them).
 * The reference model never marks a frame tuser: a frame it drops does not leave.
 * Errors: EINVAL (buf or len NULL, an input port), EAGAIN (no frame waiting: run the
 * engine), ENOSPC (buf too small: *len is the length needed, the frame stays queued). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_receive(ipsec_sim_engine *engine, ipsec_sim_port port,
                                                 uint8_t *buf, size_t size, size_t *len,
                                                 int *tuser);

/* The number of frames waiting: on an output port, to be received; on an input port, sent
 * but not yet (wholly) entered. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_pending(const ipsec_sim_engine *engine,
                                                 ipsec_sim_port port, size_t *frames);

/* ---- Counters ------------------------------------------------------------------------------ */

/* The engine's 14 hardware counters (contract section 4), in register order from 0x200, each
 * 64 bits at 0x200 + 8 * index. */
#define IPSEC_SIM_NUM_COUNTERS 14u

/* The ethtool name of counter `index` ("ipsec_dec_in_packets", ...), NULL if index >= 14. */
IPSEC_SIM_API const char *ipsec_sim_counter_name(unsigned index);

/* The index of the counter named `name`: its ethtool name ("ipsec_dec_in_packets") or its
 * register name ("DEC_IN_PACKETS"). Errors: EINVAL (NULL), ENOENT (no such counter). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_counter_index(const char *name, unsigned *index);

/* Reads counter `index` through the registers as the driver's ethtool path does: the low
 * word (which latches the high word), then the high word, one 64-bit value. Two register
 * reads: they take clocks on the RTL and go through the same bus as ipsec_sim_reg_read.
 * Errors: EINVAL (value NULL, index >= 14), EBUS, EBUSRESP. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_counter_read(ipsec_sim_engine *engine, unsigned index,
                                                      uint64_t *value);

/* The engine's own status counter DEC_OVERFLOW_DROP_PACKETS (0x270, after the 14; not one of
 * them, so not in ipsec_sim_counter_read or ethtool -S): wire RX frames dropped whole at the
 * RX ingress FIFO for want of room, each also in ipsec_dec_drop_packets. Read as the
 * counters are (low word, then high word). Errors: EINVAL (value NULL), EBUS, EBUSRESP. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_rx_overflow_drops(ipsec_sim_engine *engine,
                                                           uint64_t *value);

/* As ipsec_sim_counter_read, by name (see ipsec_sim_counter_index). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_counter_read_by_name(ipsec_sim_engine *engine,
                                                              const char *name, uint64_t *value);

/* ==== Fault injection ======================================================================== */
/* Faults between the caller (the driver under test) and the engine (docs/fault_injection.md):
 * they act on the register functions above (ipsec_sim_reg_read, ipsec_sim_reg_write,
 * ipsec_sim_irq, the counters) and on the frames received on HOST_RX. ipsec_sim_wait_irq
 * waits for the engine's own line, before any interrupt fault. */

/* Arms one fault, in the words of the scenario command `fault` without the word itself:
 *   "slverr read|write REGISTER [N]"   the N-th access (from now) answers SLVERR, not done
 *   "irq lost [OPCODE]"                 the interrupt of the next (OPCODE's) response is lost
 *   "irq late CLOCKS [OPCODE]"          ... rises CLOCKS clocks late
 *   "response drop [OPCODE]"            the response is popped before the caller sees it
 *   "response hold CLOCKS [OPCODE]"     the response stays unseen CLOCKS clocks after it came
 *   "response handle [OPCODE]"          its echoed handle reads with bit 31 flipped
 *   "response syndrome 1|2|3 [OPCODE]"  the engine refuses the command; this syndrome
 *   "rx forward-bad on|off"             CONTROL.FWD_BAD_FRAMES (RX 0x12/0x17 to the host)
 *   "rx handle HANDLE [FRAMES]"         the SA handle of the next FRAMES RX metadata records
 *   "rx syndrome SYNDROME [FRAMES]"     their syndrome
 *   "clear"                             disarms what has not fired
 * REGISTER: a name of docs/registers.md ("CMD_DOORBELL", "CMD_WINDOW[3]") or an address;
 * OPCODE: ADD_SA, DEL_SA, ADD_SA_V2, DEL_SA_V2, MOD_SA_V2, SET_CAP.
 * Errors: EINVAL (NULL, malformed: ipsec_sim_last_error says what), EBUSRESP (rx
 * forward-bad: the bus refused CONTROL). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_fault(ipsec_sim_engine *engine, const char *fault);

/* Faults armed and not yet fired (an RX rewrite counts its frames still to go). */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_faults_armed(const ipsec_sim_engine *engine,
                                                      size_t *count);

/* What the index-th fault to fire did, oldest first ("SLVERR on write CMD_DOORBELL
 * (0x050)"); NULL past the last. Valid until the next call on the engine. */
IPSEC_SIM_API const char *ipsec_sim_fault_fired(const ipsec_sim_engine *engine, size_t index);

/* ==== Traces ================================================================================= */
/* One line per event, without the newline, to a file or to a callback. */
typedef void (*ipsec_sim_line_fn)(void *user, const char *line);

/* The register log (ipsec-sim --reg-log): one line per register access made through this
 * API, as the caller saw it (after faults), "CYCLE R|W ADDRESS NAME VALUE RESPONSE" and the
 * fault it met after " # " (docs/fault_injection.md). `path` non-NULL: written to that file
 * (created or truncated; closed when the engine is destroyed or the log turned off); else
 * `fn` (with `user`) gets each line; both NULL: off. Errors: EIO (the file), EINVAL. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_reg_log(ipsec_sim_engine *engine, const char *path,
                                                 ipsec_sim_line_fn fn, void *user);

/* The command log (ipsec-sim --cmd-log), rebuilt from the register accesses: a command when
 * its doorbell is written ("cmd ADD_SA_V2 <hex of every byte> doorbell=CYCLE"), a response
 * when it is popped ("rsp <hex of RSP_WORD0 and RSP_WORD1 as read> doorbell=CYCLE
 * completion=CYCLE"). Arguments and errors as ipsec_sim_reg_log. */
IPSEC_SIM_API ipsec_sim_status ipsec_sim_cmd_log(ipsec_sim_engine *engine, const char *path,
                                                 ipsec_sim_line_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* IPSEC_SIM_IPSEC_SIM_H */
