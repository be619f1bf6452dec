// The replay driver: a fuzz target as a plain program (any compiler, no libFuzzer). Each
// argument is a file or a folder; every regular file found (folders recursively, in name
// order) is one input, run through LLVMFuzzerTestOneInput in turn. A finding aborts the
// program (fuzz_target.h); otherwise it prints how many inputs ran and exits 0. A path that
// does not exist, or no input at all, fails the replay (exit 2): a corpus that went missing
// must not pass as an empty one.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  // First, as libFuzzer does: a target may do its work there and exit (writing its seeds).
  LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        // README.md describes a folder and hidden files are no one's input.
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name != "README.md" && name[0] != '.') inputs.push_back(e.path());
      }
    } else if (fs::is_regular_file(p, ec)) {
      inputs.push_back(p);
    } else {
      std::cerr << "replay: " << p.string() << ": no such file or folder\n";
      return 2;
    }
  }
  if (inputs.empty()) {
    std::cerr << "replay: no input in any of the " << argc - 1 << " paths given\n";
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  const auto start = std::chrono::steady_clock::now();
  for (const fs::path& p : inputs) {
    std::ifstream file(p, std::ios::binary);
    if (!file) {
      std::cerr << "replay: cannot read " << p.string() << "\n";
      return 2;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::cerr << "replay: " << p.string() << " (" << bytes.size() << " bytes)\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "replay: " << inputs.size() << " inputs, no finding, " << s << " s\n";
  return 0;
}
