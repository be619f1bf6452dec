// The doctest runner shared by every test suite. `main` is weak so that a program that
// reuses the harnesses outside a test (ipsec-bench) can bring its own.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

__attribute__((weak)) int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  return context.run();
}
