// Inside the C API: what an `ipsec_sim_engine` handle holds, for the library's own source
// files (capi/*.cpp) and nothing else (it is not installed).
//
// An engine is a Backend (the Verilated RTL through sim::EngineSim, or the reference model)
// plus what the C API adds around it:
//   - `bus`: the RegisterBus every register function of the C API goes through
//     (ipsec_sim_reg_read/_write, the counters). It starts as the backend's own bus; a
//     decorator (fault injection, a register trace) wraps the current `bus` and installs
//     itself with push_bus(), and is removed with pop_bus(), last in first out;
//   - `frame_hooks`: called on every frame the C API moves: on the way in (ipsec_sim_send,
//     input ports) before the backend sees it, and on the way out (output ports) when the
//     frame leaves the backend, before the caller can receive it. A hook may change the
//     bytes and tuser, or return false to make the frame disappear;
//   - `faults` and `traces`: the state of those functions (their own source files), torn down
//     before the backend, so a decorator never outlives the bus it wraps;
//   - the last error message, for ipsec_sim_last_error().
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <new>
#include <stdexcept>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine_model.h"
#include "engine_sim.h"
#include "ipsec_sim/ipsec_sim.h"
#include "register_bus.h"

namespace ipsec::capi {

using Bytes = std::vector<uint8_t>;

// A frame that left the engine, as the C API hands it out.
struct Frame {
  Bytes data;
  bool tuser = false;
  uint64_t last_cycle = 0;  // the clock of its last beat (the reference model: its clock then)
};

// One engine kind behind the C API: its register bus, its clock and its four frame ports.
class Backend {
 public:
  virtual ~Backend() = default;
  // The engine's own register bus (RTL: the AXI4-Lite master, clock by clock).
  virtual driver::RegisterBus& bus() = 0;
  // A frame into an input port (IPSEC_SIM_HOST_TX or IPSEC_SIM_WIRE_RX).
  virtual void send(ipsec_sim_port port, Bytes frame, bool tuser) = 0;
  virtual void run(uint64_t clocks) = 0;
  // Until idle (ipsec_sim_run_until_idle), at most `max_clocks` (0: no limit); false when
  // the limit came first. `ran`: the clocks run. Throws std::runtime_error when stuck.
  virtual bool run_until_idle(uint64_t max_clocks, uint64_t& ran) = 0;
  // Runs clock by clock until the interrupt is high, at most `max_clocks`.
  virtual bool wait_irq(uint64_t max_clocks, uint64_t& waited) = 0;
  virtual void reset() = 0;
  // Moves every frame that has left on output port `port` into `out`, oldest first.
  virtual void drain(ipsec_sim_port port, std::deque<Frame>& out) = 0;
  // Frames sent on input port `port` not yet wholly entered.
  virtual size_t input_pending(ipsec_sim_port port) const = 0;
  virtual uint64_t cycles() const = 0;

  // The objects underneath, for functions that need more than the above; nullptr when the
  // engine is of the other kind.
  virtual sim::EngineSim* rtl() { return nullptr; }
  virtual model::EngineModel* reference() { return nullptr; }
};

// The state of a group of functions kept on the handle (fault injection, traces).
class Extension {
 public:
  virtual ~Extension() = default;
};

// Failures with a status of their own (guarded() maps them): ENOTSUP and EIO.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A frame hook: see the file comment.
using FrameHook = std::function<bool(ipsec_sim_port port, Bytes& frame, bool& tuser)>;

// Creates the backends (engine_backends.cpp). Throw std::invalid_argument /
// std::runtime_error with a message for the caller.
std::unique_ptr<Backend> make_rtl_backend(const ipsec_sim_options& options);
std::unique_ptr<Backend> make_reference_backend(const ipsec_sim_options& options);

}  // namespace ipsec::capi

struct ipsec_sim_engine {
  ipsec_sim_kind kind = IPSEC_SIM_RTL_FAST;
  std::unique_ptr<ipsec::capi::Backend> backend;

  // The register bus of the C API: the backend's, or the outermost decorator.
  ipsec::driver::RegisterBus* bus = nullptr;
  std::vector<ipsec::driver::RegisterBus*> bus_stack;  // the buses push_bus() replaced
  void push_bus(ipsec::driver::RegisterBus* decorator) {
    bus_stack.push_back(bus);
    bus = decorator;
  }
  void pop_bus() {
    bus = bus_stack.back();
    bus_stack.pop_back();
  }

  std::vector<ipsec::capi::FrameHook> frame_hooks;
  // Frames that left the backend on WIRE_TX and HOST_RX, hooks applied, not yet received.
  std::deque<ipsec::capi::Frame> received[2];

  std::string last_error;

  // Destroyed before the backend (members are destroyed in reverse order).
  std::unique_ptr<ipsec::capi::Extension> faults;
  std::unique_ptr<ipsec::capi::Extension> traces;
};

namespace ipsec::capi {

// Records the message of a failed call on `e` ("<function>: <what>") and returns `status`.
ipsec_sim_status fail(ipsec_sim_engine* e, ipsec_sim_status status, const char* function,
                      const std::string& what);

// Runs `body` (returning ipsec_sim_status) for `function`: clears the last error, checks
// that `e` is not NULL, and turns exceptions into status codes with their message
// (std::bad_alloc: ENOMEM, std::invalid_argument: EINVAL, Unsupported: ENOTSUP, IoError:
// EIO, other std::exception: `on_exception`). Every C entry point goes through it: no exception crosses into C.
template <class Body>
ipsec_sim_status guarded(ipsec_sim_engine* e, const char* function, Body&& body,
                         ipsec_sim_status on_exception = IPSEC_SIM_EINTERNAL) {
  if (!e) return IPSEC_SIM_EINVAL;  // nowhere to put a message: the code says it
  e->last_error.clear();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(e, IPSEC_SIM_ENOMEM, function, "out of memory");
  } catch (const std::invalid_argument& x) {
    return fail(e, IPSEC_SIM_EINVAL, function, x.what());
  } catch (const Unsupported& x) {
    return fail(e, IPSEC_SIM_ENOTSUP, function, x.what());
  } catch (const IoError& x) {
    return fail(e, IPSEC_SIM_EIO, function, x.what());
  } catch (const std::exception& x) {
    return fail(e, on_exception, function, x.what());
  }
}

// Pulls the frames that left the backend on `port` (an output port) through the frame
// hooks into e->received.
void collect(ipsec_sim_engine* e, ipsec_sim_port port);

}  // namespace ipsec::capi
