// The C API's fault injection and traces (include/ipsec_sim/ipsec_sim.h, sections "Fault
// injection" and "Traces"; docs/fault_injection.md). Both are RegisterBus decorators pushed
// on the engine's bus (engine_handle.h), always in the same order whichever is asked for
// first: the fault injector over the backend's bus, the trace over the injector, so the
// traces show what the caller saw. The injector's RX metadata rewrites are a frame hook on
// HOST_RX.
#include <cerrno>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "byte_order.h"
#include "command_queue.h"
#include "driver/generated/ipsec_regs.h"
#include "engine_handle.h"
#include "fault_injector.h"
#include "reg_trace.h"

namespace ipsec::capi {
namespace {

struct Faults final : Extension {
  explicit Faults(driver::RegisterBus& bus) : injector(bus) {}
  sim::FaultInjector injector;
};

// Where one log's lines go: a file or a callback.
struct LineSink {
  std::unique_ptr<std::ofstream> file;
  ipsec_sim_line_fn fn = nullptr;
  void* user = nullptr;
  bool on() const { return file || fn; }
  void put(const std::string& line) {
    if (file) *file << line << '\n';
    else if (fn) fn(user, line.c_str());
  }
};

// The command log rebuilt from register accesses: the window's words as written, a command
// at its doorbell, a response at its pop (the driver's own --cmd-log format,
// driver::format_cmd_log).
class CommandLog {
 public:
  explicit CommandLog(LineSink& sink) : sink_(sink) {}
  void see(const sim::RegAccess& a) {
    if (a.status != driver::BusStatus::kOk) return;
    const uint32_t window_end = IPSEC_REGS_CMD_WINDOW_OFFSET + IPSEC_REGS_CMD_WINDOW_BYTES;
    if (a.write && a.addr >= IPSEC_REGS_CMD_WINDOW_OFFSET && a.addr < window_end) {
      driver::store_be32(&window_[a.addr - IPSEC_REGS_CMD_WINDOW_OFFSET], a.value);
    } else if (a.write && a.addr == IPSEC_REGS_CMD_DOORBELL_OFFSET) {
      const size_t len = std::min<size_t>(a.value & IPSEC_REGS_CMD_DOORBELL_LEN_MASK, window_.size());
      driver::BusTransfer t;
      t.kind = driver::BusTransfer::Kind::kCommand;
      t.bytes.assign(window_.begin(), window_.begin() + static_cast<long>(len));
      t.doorbell_cycle = a.cycle;
      doorbells_.push_back(a.cycle);
      window_.fill(0);  // the engine clears its window on the doorbell
      if (sink_.on()) sink_.put(driver::format_cmd_log(t));
    } else if (!a.write && a.addr == IPSEC_REGS_RSP_WORD0_OFFSET) {
      words_[0] = a.value;
    } else if (!a.write && a.addr == IPSEC_REGS_RSP_WORD1_OFFSET) {
      words_[1] = a.value;
    } else if (a.write && a.addr == IPSEC_REGS_RSP_POP_OFFSET && (a.value & IPSEC_REGS_RSP_POP_POP_MASK)) {
      driver::BusTransfer t;
      t.kind = driver::BusTransfer::Kind::kResponse;
      t.bytes.resize(8);
      driver::store_be32(&t.bytes[0], words_[0]);
      driver::store_be32(&t.bytes[4], words_[1]);
      if (!doorbells_.empty()) {
        t.doorbell_cycle = doorbells_.front();
        doorbells_.pop_front();
      }
      t.completion_cycle = a.cycle;
      words_[0] = words_[1] = 0;
      if (sink_.on()) sink_.put(driver::format_cmd_log(t));
    }
  }

 private:
  LineSink& sink_;
  std::array<uint8_t, IPSEC_REGS_CMD_WINDOW_BYTES> window_{};
  std::deque<uint64_t> doorbells_;
  uint32_t words_[2] = {0, 0};
};

struct Traces final : Extension {
  explicit Traces(driver::RegisterBus& bus)
      : commands(cmd_sink), trace(bus, [this](const sim::RegAccess& a) {
          if (reg_sink.on()) reg_sink.put(sim::format_reg_access(a));
          commands.see(a);
        }) {}
  LineSink reg_sink, cmd_sink;
  CommandLog commands;
  sim::RegTrace trace;
};

Faults& faults_of(ipsec_sim_engine* e) {
  if (!e->faults) {
    // Under any trace: the injector goes on the backend's bus, the trace is rebuilt on top.
    std::unique_ptr<Extension> traces = std::move(e->traces);
    if (traces) e->pop_bus();
    auto f = std::make_unique<Faults>(*e->bus);
    e->push_bus(&f->injector);
    e->frame_hooks.push_back([inj = &f->injector](ipsec_sim_port port, Bytes& frame, bool&) {
      if (port == IPSEC_SIM_HOST_RX) inj->filter_host_rx(frame);
      return true;
    });
    e->faults = std::move(f);
    if (traces) {
      auto* t = static_cast<Traces*>(traces.get());
      auto rebuilt = std::make_unique<Traces>(*e->bus);
      rebuilt->reg_sink = std::move(t->reg_sink);
      rebuilt->cmd_sink = std::move(t->cmd_sink);
      e->push_bus(&rebuilt->trace);
      e->traces = std::move(rebuilt);
    }
  }
  auto& f = *static_cast<Faults*>(e->faults.get());
  if (e->traces) {
    auto* t = &static_cast<Traces*>(e->traces.get())->trace;
    f.injector.set_observer([t](const std::string& what) { t->annotate(what); });
  }
  return f;
}

Traces& traces_of(ipsec_sim_engine* e) {
  faults_of(e);  // the injector first: the trace sits over it
  if (!e->traces) {
    auto t = std::make_unique<Traces>(*e->bus);
    e->push_bus(&t->trace);
    e->traces = std::move(t);
    faults_of(e);  // the observer that annotates the trace
  }
  return *static_cast<Traces*>(e->traces.get());
}

ipsec_sim_status set_sink(ipsec_sim_engine* e, LineSink& sink, const char* function,
                          const char* path, ipsec_sim_line_fn fn, void* user) {
  LineSink s;
  if (path) {
    s.file = std::make_unique<std::ofstream>(path, std::ios::trunc);
    if (!*s.file) return fail(e, IPSEC_SIM_EIO, function, std::string("cannot write ") + path);
  } else {
    s.fn = fn;
    s.user = user;
  }
  sink = std::move(s);
  return IPSEC_SIM_OK;
}

}  // namespace
}  // namespace ipsec::capi

using ipsec::capi::fail;
using ipsec::capi::guarded;

extern "C" {

IPSEC_SIM_API ipsec_sim_status ipsec_sim_fault(ipsec_sim_engine* engine, const char* fault) {
  return guarded(engine, "ipsec_sim_fault", [&] {
    if (!fault) return fail(engine, IPSEC_SIM_EINVAL, "ipsec_sim_fault", "fault is NULL");
    std::vector<std::string> words{"fault"};
    std::istringstream in(fault);
    for (std::string w; in >> w;) words.push_back(w);
    const std::string syntax = ipsec::sim::check_fault_command(words);
    if (!syntax.empty()) return fail(engine, IPSEC_SIM_EINVAL, "ipsec_sim_fault", syntax);
    const std::string e = ipsec::sim::apply_fault_command(ipsec::capi::faults_of(engine).injector, words);
    if (!e.empty()) return fail(engine, IPSEC_SIM_EBUSRESP, "ipsec_sim_fault", e);
    return IPSEC_SIM_OK;
  });
}

IPSEC_SIM_API ipsec_sim_status ipsec_sim_faults_armed(const ipsec_sim_engine* engine, size_t* count) {
  auto* e = const_cast<ipsec_sim_engine*>(engine);
  return guarded(e, "ipsec_sim_faults_armed", [&] {
    if (!count) return fail(e, IPSEC_SIM_EINVAL, "ipsec_sim_faults_armed", "count is NULL");
    *count = e->faults ? static_cast<ipsec::capi::Faults*>(e->faults.get())->injector.armed() : 0;
    return IPSEC_SIM_OK;
  });
}

IPSEC_SIM_API const char* ipsec_sim_fault_fired(const ipsec_sim_engine* engine, size_t index) {
  if (!engine || !engine->faults) return nullptr;
  const auto& fired = static_cast<ipsec::capi::Faults*>(engine->faults.get())->injector.fired();
  return index < fired.size() ? fired[index].c_str() : nullptr;
}

IPSEC_SIM_API ipsec_sim_status ipsec_sim_reg_log(ipsec_sim_engine* engine, const char* path,
                                                 ipsec_sim_line_fn fn, void* user) {
  return guarded(engine, "ipsec_sim_reg_log", [&] {
    auto& t = ipsec::capi::traces_of(engine);
    return ipsec::capi::set_sink(engine, t.reg_sink, "ipsec_sim_reg_log", path, fn, user);
  });
}

IPSEC_SIM_API ipsec_sim_status ipsec_sim_cmd_log(ipsec_sim_engine* engine, const char* path,
                                                 ipsec_sim_line_fn fn, void* user) {
  return guarded(engine, "ipsec_sim_cmd_log", [&] {
    auto& t = ipsec::capi::traces_of(engine);
    return ipsec::capi::set_sink(engine, t.cmd_sink, "ipsec_sim_cmd_log", path, fn, user);
  });
}

}  // extern "C"
