#include "server/resp_parser.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace synapsed::storage::server {
namespace {

using Args = std::vector<std::string>;

// Every command `input` holds, fed in one piece; stops at the first error.
std::vector<Args> ParseAll(RespParser& p, std::string_view input, std::string* error = nullptr) {
  p.Feed(input);
  std::vector<Args> out;
  Args args;
  while (true) {
    const auto r = p.Next(&args);
    if (r == RespParser::Result::kCommand) {
      out.push_back(args);
      continue;
    }
    if (r == RespParser::Result::kError && error != nullptr) *error = p.error();
    return out;
  }
}

TEST(RespParser, MultibulkAndInline) {
  RespParser p;
  const auto cmds = ParseAll(p, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\nPING\r\nset \"a b\" 'c'\n\r\n");
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0], (Args{"SET", "k", ""}));
  EXPECT_EQ(cmds[1], (Args{"PING"}));
  EXPECT_EQ(cmds[2], (Args{"set", "a b", "c"}));
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(RespParser, BinaryPayloadsAndEmptyArrays) {
  RespParser p;
  const std::string value("a\r\n\0b", 5);
  const auto cmds = ParseAll(p, "*0\r\n*-1\r\n*2\r\n$4\r\nECHO\r\n$5\r\n" + value + "\r\n");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0][1], value);
}

// Any split of the input gives the same commands: the parser resumes.
TEST(RespParser, EveryFragmentationGivesTheSameCommands) {
  const std::string input =
      "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\nECHO \"x\\x41\\n\"\r\n*1\r\n$4\r\nPING\r\n";
  RespParser whole;
  const auto expected = ParseAll(whole, input);
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(expected[1], (Args{"ECHO", "xA\n"}));
  for (size_t a = 0; a <= input.size(); ++a) {
    for (size_t b = a; b <= input.size(); b += 7) {
      RespParser p;
      auto got = ParseAll(p, input.substr(0, a));
      for (auto& c : ParseAll(p, input.substr(a, b - a))) got.push_back(c);
      for (auto& c : ParseAll(p, input.substr(b))) got.push_back(c);
      ASSERT_EQ(got, expected) << "split at " << a << ", " << b;
    }
  }
}

TEST(RespParser, OversizedBulkIsRefusedFromItsHeader) {
  RespLimits limits;
  limits.max_bulk = 100;
  RespParser p(limits);
  std::string error;
  // Only the header arrives: the refusal does not wait for the payload.
  EXPECT_TRUE(ParseAll(p, "*2\r\n$3\r\nGET\r\n$101\r\n", &error).empty());
  EXPECT_EQ(error, "Protocol error: bulk length 101 exceeds the limit of 100 bytes");
  // The parser stays in error.
  Args args;
  EXPECT_EQ(p.Next(&args), RespParser::Result::kError);
}

TEST(RespParser, KeyLimitAppliesToKeyPositionsOnly) {
  RespLimits limits;
  limits.max_key = 4;
  auto is_key = [](std::string_view name, size_t index) { return name == "SET" && index == 1; };
  RespParser ok(limits, is_key);
  EXPECT_EQ(ParseAll(ok, "*3\r\n$3\r\nSET\r\n$4\r\nkkkk\r\n$9\r\nlongvalue\r\n").size(), 1u);
  RespParser bad(limits, is_key);
  std::string error;
  EXPECT_TRUE(ParseAll(bad, "*3\r\n$3\r\nSET\r\n$5\r\n", &error).empty());
  EXPECT_EQ(error, "Protocol error: key length 5 exceeds the limit of 4 bytes");
}

TEST(RespParser, MalformedInputIsAProtocolError) {
  const std::pair<std::string, std::string> cases[] = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*2000000\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n+PING\r\n", "Protocol error: expected '$', got '+'"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$2\r\nabXY", "Protocol error: expected CRLF after a bulk string"},
      {"set \"a\n", "Protocol error: unbalanced quotes in request"},
  };
  for (const auto& [input, message] : cases) {
    RespParser p;
    std::string error;
    ParseAll(p, input, &error);
    EXPECT_EQ(error, message) << input;
  }
}

TEST(RespParser, LongLinesAreRefusedWithoutTheirEnd) {
  RespLimits limits;
  limits.max_inline = 16;
  RespParser inline_parser(limits);
  std::string error;
  ParseAll(inline_parser, std::string(17, 'a'), &error);
  EXPECT_EQ(error, "Protocol error: too big inline request");
  RespParser header(limits);
  ParseAll(header, "*" + std::string(17, '1'), &error);
  EXPECT_EQ(error, "Protocol error: too big mbulk count string");
}

TEST(RespParser, RequestSizeIsBounded) {
  RespLimits limits;
  limits.max_request = 10;
  RespParser p(limits);
  std::string error;
  ParseAll(p, "*3\r\n$3\r\nSET\r\n$4\r\nkkkk\r\n$4\r\n", &error);
  EXPECT_EQ(error, "Protocol error: request exceeds the limit of 10 bytes");
}

// The fuzz target's seeds (tests/fuzz/corpus/resp_parser/) are valid
// requests: each parses without error under the server's limits.
TEST(RespParser, FuzzSeedsAreValidRequests) {
  const std::filesystem::path dir =
      std::filesystem::path(SYNAPSED_SOURCE_DIR) / "tests/fuzz/corpus/resp_parser";
  size_t seeds = 0, commands = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    RespParser p;
    std::string error;
    const auto cmds = ParseAll(p, ss.str(), &error);
    EXPECT_EQ(error, "") << entry.path();
    commands += cmds.size();
    ++seeds;
  }
  EXPECT_GE(seeds, 5u);
  EXPECT_EQ(commands, 13u);  // seed-oversized-bulk stops before its payload
}

TEST(SplitInlineArgs, QuotesAndEscapes) {
  std::vector<std::string> out;
  ASSERT_TRUE(SplitInlineArgs(R"(  a "b\tc" 'd\'e' "\x00z" )", &out));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b\tc", "d'e", std::string("\0z", 2)}));
  out.clear();
  EXPECT_FALSE(SplitInlineArgs(R"("a"b)", &out));
  EXPECT_FALSE(SplitInlineArgs(R"('a)", &out));
}

}  // namespace
}  // namespace synapsed::storage::server
