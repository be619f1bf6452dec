// Fuzz target "scenario": the bytes are a scenario script (sim/tool: script_lexer.cpp,
// ip_xfrm_command.cpp, scenario.cpp). The script is lexed and checked exactly as
// `ipsec-sim run` does it; a script that passes the check runs on the reference-model engine
// (ModelEngine, no RTL: cheap), through the driver and the host xfrm stack, with the sample
// pcaps of sample_traffic.h in its data folder. Commands that would write files (`capture`)
// are left out, and `send` may name only files in that folder.
//
// Findings: a crash or sanitizer report, an exception escaping the runner, an "internal
// error" message (an exception a command did not expect), a probe of the model that fails.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "model_engine.h"
#include "sample_traffic.h"
#include "scenario.h"
#include "script_lexer.h"

namespace {

using namespace ipsec::tool;

constexpr size_t kMaxSends = 8;      // each `send` of the LSO sample is 6,000 bytes of TCP
constexpr size_t kMaxCommands = 64;  // commands run per input

std::string g_dir;
std::vector<std::string> g_samples;  // the sample pcaps written into g_dir

void fail(const std::string& m) { ipsec::fuzz::finding("scenario", m); }

// Output nobody reads: formatted (the code under test runs) and thrown away.
class NullBuf : public std::streambuf {
 protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// Whether the command may run here: no capture (it writes files), and send only by a plain
// name in the data folder (no path: nothing outside it is read, no device file blocks).
bool allowed(const std::vector<std::string>& words, size_t& sends) {
  size_t i = 0;
  while (i < words.size() && words[i] == "!") ++i;
  if (i == words.size()) return true;
  const std::string& c = words[i];
  if (c == "capture") return false;
  if (c == "send") {
    if (++sends > kMaxSends) return false;
    for (size_t k = i + 1; k < words.size(); ++k) {
      if (words[k].find('/') != std::string::npos) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ipsec-fuzz-scenario.XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  if (!mkdtemp(name.data())) fail("cannot create a temporary folder under " + templ);
  g_dir = name.data();
  g_samples = samples::write_sample_pcaps(g_dir);
  std::atexit([] {
    for (const std::string& p : g_samples) std::remove(p.c_str());
    rmdir(g_dir.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ScriptCommand> commands;
  try {
    commands = lex_script(text);
  } catch (const ScriptError& e) {
    if (e.line() < 1) fail("a lexical error without a line: " + std::string(e.what()));
    return 0;
  }
  for (const ScriptCommand& c : commands) {
    if (c.words.empty()) fail("the lexer returned a command without words at line " + std::to_string(c.line));
  }

  RunnerOptions options;
  options.data_dir = g_dir;
  options.clock = [] { return uint64_t{1'700'000'000}; };
  NullBuf null_buf;
  std::ostream out(&null_buf);
  std::ostringstream err;
  ModelEngine port;
  Scenario scenario(port, options, out, err);
  for (const ScriptCommand& c : commands) {
    if (!scenario.check(c.words).empty()) return 0;  // run_script_text stops here too
  }
  if (!scenario.start("fuzz")) fail("the model's probe failed: " + err.str());
  size_t sends = 0, run = 0;
  int line = 0;
  for (const ScriptCommand& c : commands) {
    if (run == kMaxCommands) break;
    if (!allowed(c.words, sends)) continue;
    ++run;
    line = c.line;
    if (!scenario.execute(c, "fuzz")) break;
  }
  scenario.finish("fuzz", line);
  // The runner's own count, not the words in its output: a script may quote anything, and
  // messages echo what they quote.
  if (scenario.internal_errors() != 0) fail(err.str());
  return 0;
}
