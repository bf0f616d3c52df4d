// The main() of every test binary: GoogleTest's, plus a check that makes
// skipped cases visible. A GTEST_SKIP() passes as far as ctest can tell, so a
// machine without io_uring would skip every io_uring case and stay green.
// Here a skipped case fails the binary unless tests/expected_skips.txt, or
// the build's own list (expected_skips.build.txt in the build directory,
// written by CMakeLists.txt from the backend options), allows it: one glob
// over the full test name per line, matched without regard to case, with the
// reason after a '#'. Every skip is listed at the end either way.
#include <fnmatch.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

struct Skip {
  std::string name;
  std::string message;
};

class SkipRecorder : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override {
    const ::testing::TestResult* r = info.result();
    if (!r->Skipped()) return;
    std::string message;
    for (int i = 0; i < r->total_part_count(); ++i) {
      if (r->GetTestPartResult(i).skipped()) message = r->GetTestPartResult(i).message();
    }
    skips.push_back({std::string(info.test_suite_name()) + "." + info.name(), message});
  }
  std::vector<Skip> skips;
};

// Appends the allowed patterns in `path`: the first word of each line that
// is not blank or a comment.
void ReadAllowList(const char* path, std::vector<std::string>* globs) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    globs->push_back(line.substr(b, line.find_first_of(" \t#", b) - b));
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto* recorder = new SkipRecorder;  // owned by GoogleTest's listener list
  ::testing::UnitTest::GetInstance()->listeners().Append(recorder);
  int rc = RUN_ALL_TESTS();
  if (recorder->skips.empty()) return rc;
  std::vector<std::string> allowed;
  ReadAllowList(SYNAPSED_EXPECTED_SKIPS, &allowed);
  ReadAllowList(SYNAPSED_BUILD_EXPECTED_SKIPS, &allowed);
  int unexpected = 0;
  for (const Skip& s : recorder->skips) {
    bool ok = false;
    for (const std::string& g : allowed) {
      ok = ok || fnmatch(g.c_str(), s.name.c_str(), FNM_CASEFOLD) == 0;
    }
    unexpected += !ok;
    std::fprintf(stderr, "[skipped%s] %s: %s\n", ok ? "" : ", NOT EXPECTED", s.name.c_str(),
                 s.message.c_str());
  }
  std::fprintf(stderr, "%zu skipped, %d of them not in %s or %s\n", recorder->skips.size(),
               unexpected, SYNAPSED_EXPECTED_SKIPS, SYNAPSED_BUILD_EXPECTED_SKIPS);
  return unexpected > 0 ? 1 : rc;
}
