// End-to-end tests of `synapsed disk-limit`: it runs, reports positive rates
// and leaves nothing in its directory; bad flags are refused with a message
// naming them. Timings depend on the machine and are not checked.
#include <filesystem>
#include <fstream>
#include <string>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/cli_test_util.h"

namespace synapsed::storage::tools {
namespace {

using server::testing::RunSynapsed;
using server::testing::TempDir;
using ::testing::HasSubstr;

TEST(DiskLimitCommandTest, ReportsPositiveRatesAndRemovesItsFiles) {
  const std::string root = TempDir("disk_limit_runs");
  const std::string dir = root + "/measured";
  std::filesystem::create_directories(dir);
  const std::string json = root + "/out.json";

  const auto [code, out] =
      RunSynapsed(fmt::format("disk-limit --dir {} --count 20 --size 100 --json {}", dir, json));
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("preallocated overwrite"));
  EXPECT_THAT(out, HasSubstr("append"));

  std::ifstream in(json);
  ASSERT_TRUE(in) << json;
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_GT(j.at("preallocated_overwrite_ops_per_sec").get<double>(), 0);
  EXPECT_GT(j.at("append_ops_per_sec").get<double>(), 0);
  EXPECT_EQ(j.at("count").get<int64_t>(), 20);
  EXPECT_EQ(j.at("size").get<int64_t>(), 100);
  EXPECT_EQ(j.at("dir").get<std::string>(), dir);
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "temporary files left in " << dir;
  std::filesystem::remove_all(root);
}

TEST(DiskLimitCommandTest, RefusesBadFlags) {
  const std::string dir = TempDir("disk_limit_flags");
  const std::string file = dir + "/plain_file";
  std::ofstream(file) << "x";
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {fmt::format("--dir {} --count 0", dir), "--count must be at least 1"},
      {fmt::format("--dir {} --size 0", dir), "--size must be 1 to 1048576"},
      {fmt::format("--dir {} --size 1048577", dir), "--size must be 1 to 1048576"},
      {fmt::format("--dir {}/missing", dir), "No such file or directory"},
      {fmt::format("--dir {}", file), "is not a directory"},
      {"--count 5", "--dir is required"},
  };
  for (const Case& c : cases) {
    const auto [code, out] = RunSynapsed("disk-limit " + c.args);
    EXPECT_NE(code, 0) << c.args << "\n" << out;
    EXPECT_THAT(out, HasSubstr(c.message)) << c.args;
  }
  // Nothing was created next to the plain file.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace synapsed::storage::tools
