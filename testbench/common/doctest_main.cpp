// The doctest runner shared by every test suite. `main` is weak so that a program that
// reuses the harnesses outside a test (ipsec-bench) can bring its own.
//
// Nothing passes silently: doctest returns success when its filters match no test case (a
// CTest entry whose name no longer matches, a name doctest's filter syntax misreads) and for
// a test case that checked nothing. Both fail here, saying why.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct RunRecord {
  bool finished = false;          // test_run_end was reached
  unsigned cases_run = 0;         // test cases that passed the filters
  std::vector<std::string> silent;  // test cases that made no assertion
};

RunRecord& run_record() {
  static RunRecord record;
  return record;
}

// A listener beside the reporter: it only records.
struct NothingSilent : doctest::IReporter {
  explicit NothingSilent(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override {
    run_record().finished = true;
    run_record().cases_run = s.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData& d) override { current_ = d.m_name; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& s) override {
    if (s.numAssertsCurrentTest == 0) run_record().silent.push_back(current_);
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  std::string current_;
};

}  // namespace

REGISTER_LISTENER("nothing_silent", 1, NothingSilent);

__attribute__((weak)) int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  // Listing test cases, --help, --version: no run to judge.
  if (context.shouldExit() || !run_record().finished) return rc;
  int verdict = rc;
  if (run_record().cases_run == 0) {
    std::fprintf(stderr, "FAIL: no test case matched the filters, so nothing was tested\n");
    verdict = 1;
  }
  for (const std::string& name : run_record().silent) {
    std::fprintf(stderr, "FAIL: test case \"%s\" made no assertion\n", name.c_str());
    verdict = 1;
  }
  return verdict;
}
