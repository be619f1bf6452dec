// The C API (include/ipsec_sim/ipsec_sim.h): creation, the clock, registers, the interrupt,
// frames and counters. C++ behind extern "C"; no exception leaves (guarded()).
#include <cstdio>
#include <cstring>
#include <string>

#include "driver/contract.h"
#include "driver/generated/ipsec_regs.h"
#include "driver/register_access.h"
#include "engine_handle.h"

using ipsec::capi::Backend;
using ipsec::capi::Bytes;
using ipsec::capi::fail;
using ipsec::capi::Frame;
using ipsec::capi::guarded;
using ipsec::driver::BusStatus;

namespace ipsec::capi {

ipsec_sim_status fail(ipsec_sim_engine* e, ipsec_sim_status status, const char* function,
                      const std::string& what) {
  if (e) e->last_error = std::string(function) + ": " + what;
  return status;
}

void collect(ipsec_sim_engine* e, ipsec_sim_port port) {
  std::deque<Frame> left;
  e->backend->drain(port, left);
  std::deque<Frame>& q = e->received[port == IPSEC_SIM_WIRE_TX ? 0 : 1];
  for (Frame& f : left) {
    bool keep = true;
    for (const FrameHook& hook : e->frame_hooks) {
      if (!(keep = hook(port, f.data, f.tuser))) break;
    }
    if (keep) q.push_back(std::move(f));
  }
}

}  // namespace ipsec::capi

namespace {

using ipsec::capi::collect;

// The 14 counters in register order (docs/registers.md; contract section 4): their ethtool
// names are the driver's (driver/contract.h), their register names the generated header's
// (register_name()).
static_assert(ipsec::driver::kNumHwCounters == IPSEC_SIM_NUM_COUNTERS,
              "the C API names the contract's 14 hardware counters");
constexpr uint32_t kCounterBase = IPSEC_REGS_DEC_IN_PACKETS_OFFSET;
static_assert(IPSEC_REGS_CMD_DROP_OFFSET == kCounterBase + 8 * (IPSEC_SIM_NUM_COUNTERS - 1),
              "the 14 counters are 8 bytes apart from DEC_IN_PACKETS to CMD_DROP");

const char* counter_ethtool_name(unsigned i) { return ipsec::driver::kHwCounterNames[i]; }
std::string counter_register_name(unsigned i) {
  return ipsec::driver::register_name(kCounterBase + 8 * i);
}

bool is_input(ipsec_sim_port p) { return p == IPSEC_SIM_HOST_TX || p == IPSEC_SIM_WIRE_RX; }
bool is_output(ipsec_sim_port p) { return p == IPSEC_SIM_WIRE_TX || p == IPSEC_SIM_HOST_RX; }

const char* port_name(ipsec_sim_port p) {
  switch (p) {
    case IPSEC_SIM_HOST_TX: return "IPSEC_SIM_HOST_TX";
    case IPSEC_SIM_WIRE_RX: return "IPSEC_SIM_WIRE_RX";
    case IPSEC_SIM_WIRE_TX: return "IPSEC_SIM_WIRE_TX";
    case IPSEC_SIM_HOST_RX: return "IPSEC_SIM_HOST_RX";
  }
  return "an unknown port";
}

ipsec_sim_resp to_resp(BusStatus s) {
  switch (s) {
    case BusStatus::kOk: return IPSEC_SIM_RESP_OKAY;
    case BusStatus::kSlvErr: return IPSEC_SIM_RESP_SLVERR;
    case BusStatus::kDecErr: return IPSEC_SIM_RESP_DECERR;
  }
  return IPSEC_SIM_RESP_SLVERR;
}

// A bus response for the caller: into *resp, or, without one, EBUSRESP when not OKAY.
ipsec_sim_status answer(ipsec_sim_engine* e, const char* function, uint32_t addr, BusStatus s,
                        ipsec_sim_resp* resp) {
  const ipsec_sim_resp r = to_resp(s);
  if (resp) {
    *resp = r;
    return IPSEC_SIM_OK;
  }
  if (r == IPSEC_SIM_RESP_OKAY) return IPSEC_SIM_OK;
  char what[96];
  std::snprintf(what, sizeof what, "the engine answered %s at 0x%03x",
                r == IPSEC_SIM_RESP_DECERR ? "DECERR" : "SLVERR", static_cast<unsigned>(addr));
  return fail(e, IPSEC_SIM_EBUSRESP, function, what);
}

ipsec_sim_status check_aligned(ipsec_sim_engine* e, const char* function, uint32_t addr) {
  if (addr % 4 == 0) return IPSEC_SIM_OK;
  char what[96];
  std::snprintf(what, sizeof what, "address 0x%x is not a multiple of 4 (registers are 32-bit words)",
                static_cast<unsigned>(addr));
  return fail(e, IPSEC_SIM_EINVAL, function, what);
}

ipsec_sim_status counter_read(ipsec_sim_engine* e, const char* function, unsigned index,
                              uint64_t* value) {
  // Low word first: reading it latches the high word (docs/registers.md), so the two halves
  // are one 64-bit value, as ethtool -S gets them from the driver.
  const uint32_t addr = kCounterBase + 8 * index;
  uint32_t lo = 0, hi = 0;
  ipsec_sim_status st = answer(e, function, addr, e->bus->read32(addr, lo), nullptr);
  if (st != IPSEC_SIM_OK) return st;
  st = answer(e, function, addr + 4, e->bus->read32(addr + 4, hi), nullptr);
  if (st != IPSEC_SIM_OK) return st;
  *value = uint64_t{hi} << 32 | lo;
  return IPSEC_SIM_OK;
}

void copy_error(char* error, size_t size, const std::string& text) {
  if (!error || size == 0) return;
  std::snprintf(error, size, "%s", text.c_str());
}

}  // namespace

extern "C" {

const char* ipsec_sim_version(void) { return "0.1.0"; }

const char* ipsec_sim_strerror(ipsec_sim_status status) {
  switch (status) {
    case IPSEC_SIM_OK: return "success";
    case IPSEC_SIM_EINVAL: return "invalid argument";
    case IPSEC_SIM_ENOMEM: return "out of memory";
    case IPSEC_SIM_ETIMEDOUT: return "clock limit reached";
    case IPSEC_SIM_EAGAIN: return "no frame waiting";
    case IPSEC_SIM_E2BIG: return "frame too long";
    case IPSEC_SIM_ENOSPC: return "buffer too small";
    case IPSEC_SIM_EIO: return "file cannot be written";
    case IPSEC_SIM_ENOTSUP: return "not supported";
    case IPSEC_SIM_EBUS: return "no bus handshake from the engine";
    case IPSEC_SIM_EBUSRESP: return "bus error response (SLVERR or DECERR)";
    case IPSEC_SIM_ESTUCK: return "the engine stopped taking frames";
    case IPSEC_SIM_ENOENT: return "no such counter";
    case IPSEC_SIM_EINTERNAL: return "internal error";
  }
  return "unknown status code";
}

const char* ipsec_sim_last_error(const ipsec_sim_engine* engine) {
  return engine ? engine->last_error.c_str() : "";
}

void ipsec_sim_options_init(ipsec_sim_options* options) {
  if (!options) return;
  *options = ipsec_sim_options{};
  options->kind = IPSEC_SIM_RTL_FAST;
  options->seed = 1;
  options->stall_percent = 0;
  options->trace_path = nullptr;
  options->trace_levels = 99;
  options->trace_from = 0;
  options->trace_to = UINT64_MAX;
}

ipsec_sim_status ipsec_sim_create(const ipsec_sim_options* options, ipsec_sim_engine** engine,
                                  char* error, size_t error_size) {
  copy_error(error, error_size, "");
  auto failed = [&](ipsec_sim_status st, const std::string& what) {
    copy_error(error, error_size, "ipsec_sim_create: " + what);
    return st;
  };
  if (!engine) return failed(IPSEC_SIM_EINVAL, "engine is NULL (where to put the new engine)");
  *engine = nullptr;
  ipsec_sim_options o;
  ipsec_sim_options_init(&o);
  if (options) o = *options;
  if (o.kind != IPSEC_SIM_RTL_FAST && o.kind != IPSEC_SIM_RTL_CHECKING &&
      o.kind != IPSEC_SIM_REFERENCE && o.kind != IPSEC_SIM_REFERENCE_PACKET &&
      o.kind != IPSEC_SIM_RTL_PACKET) {
    return failed(IPSEC_SIM_EINVAL, "kind " + std::to_string(static_cast<int>(o.kind)) +
                                        " is none of IPSEC_SIM_RTL_FAST, IPSEC_SIM_RTL_CHECKING, "
                                        "IPSEC_SIM_REFERENCE, IPSEC_SIM_REFERENCE_PACKET, "
                                        "IPSEC_SIM_RTL_PACKET");
  }
  if (o.stall_percent < 0 || o.stall_percent > 95) {
    return failed(IPSEC_SIM_EINVAL,
                  "stall_percent " + std::to_string(o.stall_percent) + " is outside 0..95");
  }
  if (o.trace_path) {
    const std::string p = o.trace_path;
    const bool vcd = p.size() > 4 && p.compare(p.size() - 4, 4, ".vcd") == 0;
    const bool fst = p.size() > 4 && p.compare(p.size() - 4, 4, ".fst") == 0;
    if (!vcd && !fst) {
      return failed(IPSEC_SIM_EINVAL, "trace_path \"" + p + "\" ends neither in .vcd nor in .fst");
    }
    if (o.trace_levels < 1) {
      return failed(IPSEC_SIM_EINVAL, "trace_levels " + std::to_string(o.trace_levels) +
                                          " is below 1 (1: the engine's ports, 99: all)");
    }
    if (o.trace_from > o.trace_to) {
      return failed(IPSEC_SIM_EINVAL, "trace_from is after trace_to: an empty clock window");
    }
  }
  try {
    auto e = std::make_unique<ipsec_sim_engine>();
    e->kind = o.kind;
    const bool reference = o.kind == IPSEC_SIM_REFERENCE || o.kind == IPSEC_SIM_REFERENCE_PACKET;
    e->backend = reference ? ipsec::capi::make_reference_backend(o)
                           : ipsec::capi::make_rtl_backend(o);
    e->bus = &e->backend->bus();
    *engine = e.release();
    return IPSEC_SIM_OK;
  } catch (const std::bad_alloc&) {
    return failed(IPSEC_SIM_ENOMEM, "out of memory");
  } catch (const ipsec::capi::Unsupported& x) {
    return failed(IPSEC_SIM_ENOTSUP, x.what());
  } catch (const ipsec::capi::IoError& x) {
    return failed(IPSEC_SIM_EIO, x.what());
  } catch (const std::exception& x) {
    return failed(IPSEC_SIM_EINTERNAL, x.what());
  }
}

void ipsec_sim_destroy(ipsec_sim_engine* engine) {
  try {
    delete engine;
  } catch (...) {
    // A destructor that throws (a waveform that cannot be closed) must not cross into C.
  }
}

ipsec_sim_kind ipsec_sim_engine_kind(const ipsec_sim_engine* engine) {
  return engine ? engine->kind : IPSEC_SIM_RTL_FAST;
}

ipsec_sim_status ipsec_sim_reset(ipsec_sim_engine* engine) {
  return guarded(engine, "ipsec_sim_reset", [&] {
    engine->backend->reset();
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_run(ipsec_sim_engine* engine, uint64_t clocks) {
  return guarded(engine, "ipsec_sim_run", [&] {
    engine->backend->run(clocks);
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_run_until_idle(ipsec_sim_engine* engine, uint64_t max_clocks,
                                          uint64_t* clocks_run) {
  if (clocks_run) *clocks_run = 0;
  return guarded(
      engine, "ipsec_sim_run_until_idle",
      [&] {
        uint64_t ran = 0;
        bool idle = false;
        try {
          idle = engine->backend->run_until_idle(max_clocks, ran);
        } catch (...) {
          if (clocks_run) *clocks_run = ran;
          throw;
        }
        if (clocks_run) *clocks_run = ran;
        if (idle) return IPSEC_SIM_OK;
        return fail(engine, IPSEC_SIM_ETIMEDOUT, "ipsec_sim_run_until_idle",
                    "not idle after " + std::to_string(max_clocks) + " clocks (limit)");
      },
      IPSEC_SIM_ESTUCK);
}

ipsec_sim_status ipsec_sim_cycles(const ipsec_sim_engine* engine, uint64_t* cycles) {
  auto* e = const_cast<ipsec_sim_engine*>(engine);  // for the last error only
  return guarded(e, "ipsec_sim_cycles", [&] {
    if (!cycles) return fail(e, IPSEC_SIM_EINVAL, "ipsec_sim_cycles", "cycles is NULL");
    *cycles = e->backend->cycles();
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_reg_read(ipsec_sim_engine* engine, uint32_t addr, uint32_t* value,
                                    ipsec_sim_resp* resp) {
  return guarded(
      engine, "ipsec_sim_reg_read",
      [&] {
        if (!value) return fail(engine, IPSEC_SIM_EINVAL, "ipsec_sim_reg_read", "value is NULL");
        const ipsec_sim_status st = check_aligned(engine, "ipsec_sim_reg_read", addr);
        if (st != IPSEC_SIM_OK) return st;
        uint32_t data = 0;
        const BusStatus bs = engine->bus->read32(addr, data);
        *value = data;
        return answer(engine, "ipsec_sim_reg_read", addr, bs, resp);
      },
      IPSEC_SIM_EBUS);
}

ipsec_sim_status ipsec_sim_reg_write(ipsec_sim_engine* engine, uint32_t addr, uint32_t value,
                                     ipsec_sim_resp* resp) {
  return guarded(
      engine, "ipsec_sim_reg_write",
      [&] {
        const ipsec_sim_status st = check_aligned(engine, "ipsec_sim_reg_write", addr);
        if (st != IPSEC_SIM_OK) return st;
        return answer(engine, "ipsec_sim_reg_write", addr, engine->bus->write32(addr, value), resp);
      },
      IPSEC_SIM_EBUS);
}

ipsec_sim_status ipsec_sim_irq(ipsec_sim_engine* engine, int* level) {
  return guarded(engine, "ipsec_sim_irq", [&] {
    if (!level) return fail(engine, IPSEC_SIM_EINVAL, "ipsec_sim_irq", "level is NULL");
    *level = engine->bus->irq() ? 1 : 0;
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_wait_irq(ipsec_sim_engine* engine, uint64_t max_clocks,
                                    uint64_t* waited) {
  if (waited) *waited = 0;
  return guarded(engine, "ipsec_sim_wait_irq", [&] {
    uint64_t n = 0;
    const bool high = engine->backend->wait_irq(max_clocks, n);
    if (waited) *waited = n;
    if (high) return IPSEC_SIM_OK;
    return fail(engine, IPSEC_SIM_ETIMEDOUT, "ipsec_sim_wait_irq",
                "no interrupt within " + std::to_string(max_clocks) + " clocks");
  });
}

ipsec_sim_status ipsec_sim_send(ipsec_sim_engine* engine, ipsec_sim_port port,
                                const uint8_t* data, size_t len, int tuser) {
  return guarded(engine, "ipsec_sim_send", [&] {
    const char* fn = "ipsec_sim_send";
    if (!is_input(port)) {
      return fail(engine, IPSEC_SIM_EINVAL, fn,
                  std::string(port_name(port)) +
                      " is not an input port (send on IPSEC_SIM_HOST_TX or IPSEC_SIM_WIRE_RX)");
    }
    if (!data) return fail(engine, IPSEC_SIM_EINVAL, fn, "data is NULL");
    if (len == 0) return fail(engine, IPSEC_SIM_EINVAL, fn, "a frame of 0 bytes (a frame has at least one)");
    if (len > IPSEC_SIM_MAX_FRAME) {
      return fail(engine, IPSEC_SIM_E2BIG, fn,
                  "frame of " + std::to_string(len) + " bytes is longer than IPSEC_SIM_MAX_FRAME (" +
                      std::to_string(IPSEC_SIM_MAX_FRAME) + ")");
    }
    Bytes frame(data, data + len);
    bool user = tuser != 0;
    for (const ipsec::capi::FrameHook& hook : engine->frame_hooks) {
      if (!hook(port, frame, user)) return IPSEC_SIM_OK;  // the hook made it disappear
    }
    engine->backend->send(port, std::move(frame), user);
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_receive(ipsec_sim_engine* engine, ipsec_sim_port port, uint8_t* buf,
                                   size_t size, size_t* len, int* tuser) {
  return guarded(engine, "ipsec_sim_receive", [&] {
    const char* fn = "ipsec_sim_receive";
    if (!is_output(port)) {
      return fail(engine, IPSEC_SIM_EINVAL, fn,
                  std::string(port_name(port)) +
                      " is not an output port (receive from IPSEC_SIM_WIRE_TX or IPSEC_SIM_HOST_RX)");
    }
    if (!len) return fail(engine, IPSEC_SIM_EINVAL, fn, "len is NULL");
    if (!buf) return fail(engine, IPSEC_SIM_EINVAL, fn, "buf is NULL");
    collect(engine, port);
    std::deque<Frame>& q = engine->received[port == IPSEC_SIM_WIRE_TX ? 0 : 1];
    if (q.empty()) {
      *len = 0;
      return fail(engine, IPSEC_SIM_EAGAIN, fn,
                  std::string("no frame waiting on ") + port_name(port) + " (run the engine)");
    }
    Frame& f = q.front();
    *len = f.data.size();
    if (f.data.size() > size) {
      return fail(engine, IPSEC_SIM_ENOSPC, fn,
                  "the frame has " + std::to_string(f.data.size()) + " bytes, the buffer " +
                      std::to_string(size));
    }
    std::memcpy(buf, f.data.data(), f.data.size());
    if (tuser) *tuser = f.tuser ? 1 : 0;
    q.pop_front();
    return IPSEC_SIM_OK;
  });
}

ipsec_sim_status ipsec_sim_pending(const ipsec_sim_engine* engine, ipsec_sim_port port,
                                   size_t* frames) {
  auto* e = const_cast<ipsec_sim_engine*>(engine);  // frames that left move to the handle's queue
  return guarded(e, "ipsec_sim_pending", [&] {
    if (!frames) return fail(e, IPSEC_SIM_EINVAL, "ipsec_sim_pending", "frames is NULL");
    if (is_input(port)) {
      *frames = e->backend->input_pending(port);
    } else if (is_output(port)) {
      collect(e, port);
      *frames = e->received[port == IPSEC_SIM_WIRE_TX ? 0 : 1].size();
    } else {
      return fail(e, IPSEC_SIM_EINVAL, "ipsec_sim_pending", std::string(port_name(port)));
    }
    return IPSEC_SIM_OK;
  });
}

const char* ipsec_sim_counter_name(unsigned index) {
  return index < IPSEC_SIM_NUM_COUNTERS ? counter_ethtool_name(index) : nullptr;
}

ipsec_sim_status ipsec_sim_counter_index(const char* name, unsigned* index) {
  if (!name || !index) return IPSEC_SIM_EINVAL;
  for (unsigned i = 0; i < IPSEC_SIM_NUM_COUNTERS; ++i) {
    if (std::strcmp(name, counter_ethtool_name(i)) == 0 || counter_register_name(i) == name) {
      *index = i;
      return IPSEC_SIM_OK;
    }
  }
  return IPSEC_SIM_ENOENT;
}

ipsec_sim_status ipsec_sim_counter_read(ipsec_sim_engine* engine, unsigned index, uint64_t* value) {
  return guarded(
      engine, "ipsec_sim_counter_read",
      [&] {
        const char* fn = "ipsec_sim_counter_read";
        if (!value) return fail(engine, IPSEC_SIM_EINVAL, fn, "value is NULL");
        if (index >= IPSEC_SIM_NUM_COUNTERS) {
          return fail(engine, IPSEC_SIM_EINVAL, fn,
                      "counter index " + std::to_string(index) + " is not below 14");
        }
        return counter_read(engine, fn, index, value);
      },
      IPSEC_SIM_EBUS);
}

ipsec_sim_status ipsec_sim_rx_overflow_drops(ipsec_sim_engine* engine, uint64_t* value) {
  return guarded(
      engine, "ipsec_sim_rx_overflow_drops",
      [&] {
        const char* fn = "ipsec_sim_rx_overflow_drops";
        if (!value) return fail(engine, IPSEC_SIM_EINVAL, fn, "value is NULL");
        static_assert(IPSEC_REGS_DEC_OVERFLOW_DROP_PACKETS_OFFSET == kCounterBase + 8 * IPSEC_SIM_NUM_COUNTERS,
                      "DEC_OVERFLOW_DROP_PACKETS follows the 14 counters");
        return counter_read(engine, fn, IPSEC_SIM_NUM_COUNTERS, value);
      },
      IPSEC_SIM_EBUS);
}

ipsec_sim_status ipsec_sim_counter_read_by_name(ipsec_sim_engine* engine, const char* name,
                                                uint64_t* value) {
  return guarded(
      engine, "ipsec_sim_counter_read_by_name",
      [&] {
        const char* fn = "ipsec_sim_counter_read_by_name";
        if (!name) return fail(engine, IPSEC_SIM_EINVAL, fn, "name is NULL");
        if (!value) return fail(engine, IPSEC_SIM_EINVAL, fn, "value is NULL");
        unsigned index = 0;
        if (ipsec_sim_counter_index(name, &index) != IPSEC_SIM_OK) {
          return fail(engine, IPSEC_SIM_ENOENT, fn,
                      "no counter named \"" + std::string(name) +
                          "\" (ethtool names such as ipsec_dec_in_packets, or register names "
                          "such as DEC_IN_PACKETS)");
        }
        return counter_read(engine, fn, index, value);
      },
      IPSEC_SIM_EBUS);
}

}  // extern "C"
