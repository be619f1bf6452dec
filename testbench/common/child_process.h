// Running a piece of a test in a child process: a failed RTL assertion ends the process
// (Verilator's $stop), so the tests that show an assertion fires run the stimulus in a child
// and read what it printed and whether it stopped.
#pragma once

#include <functional>
#include <string>

namespace ipsec::tb {

struct ChildOutcome {
  bool stopped = false;  // the child did not exit 0: an assertion (or anything else) stopped it
  std::string out;       // its stdout and stderr together
};

// Runs `body` in a child process (fork) with its stdout and stderr captured; the child ends
// with _exit(0) when `body` returns.
ChildOutcome in_child(const std::function<void()>& body);

}  // namespace ipsec::tb
