#include "backends/resp_reply.h"

#include <string>

#include "gtest/gtest.h"

namespace synapsed::storage {
namespace {

std::string Parse(std::string_view bytes, size_t* consumed = nullptr) {
  RespReply r;
  size_t used = 0;
  std::string error;
  switch (ParseReply(bytes, &r, &used, &error)) {
    case ParseOutcome::kIncomplete: return "incomplete";
    case ParseOutcome::kMalformed: return "malformed: " + error;
    case ParseOutcome::kDone: break;
  }
  if (consumed != nullptr) *consumed = used;
  return r.ToString();
}

TEST(RespReply, EveryRespTwoType) {
  EXPECT_EQ(Parse("+OK\r\n"), "+OK");
  EXPECT_EQ(Parse("-MOVED 12182 127.0.0.1:7002\r\n"), "-MOVED 12182 127.0.0.1:7002");
  EXPECT_EQ(Parse(":-42\r\n"), ":-42");
  EXPECT_EQ(Parse("$3\r\nbar\r\n"), "$bar");
  EXPECT_EQ(Parse("$0\r\n\r\n"), "$");
  EXPECT_EQ(Parse("$4\r\na\r\nb\r\n"), "$a\r\nb");  // a bulk may hold CRLF
  EXPECT_EQ(Parse("$-1\r\n"), "(nil)");
  EXPECT_EQ(Parse("*-1\r\n"), "(nil)");
  EXPECT_EQ(Parse("*0\r\n"), "[]");
  EXPECT_EQ(Parse("*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n"), "[:1, [$a, (nil)], +x]");
}

TEST(RespReply, OnlyTheFirstReplyIsConsumed) {
  size_t used = 0;
  EXPECT_EQ(Parse("+OK\r\n:1\r\n", &used), "+OK");
  EXPECT_EQ(used, 5u);
}

TEST(RespReply, EveryCutOfAWholeReplyIsIncomplete) {
  const std::string whole = "*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n";
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    EXPECT_EQ(Parse(whole.substr(0, cut)), "incomplete") << cut;
  }
  EXPECT_EQ(Parse(whole), "[$hello, [:7]]");
}

TEST(RespReply, MalformedBytesAreRefusedNotRead) {
  for (const char* bad : {"?x\r\n", ":12a\r\n", ":\r\n", "$-2\r\n", "$3\r\nbarXY", "*-5\r\n",
                          "$x\r\n", "\r\n", "%1\r\n"}) {
    EXPECT_EQ(Parse(bad).substr(0, 10), "malformed:") << bad;
  }
  EXPECT_EQ(Parse("$600000000\r\n"),
            "malformed: malformed reply at byte 12: a bulk of 600000000 bytes (at most 536870912)");
  EXPECT_EQ(Parse("*2000000\r\n").substr(0, 10), "malformed:");
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "*1\r\n";
  EXPECT_EQ(Parse(deep + ":1\r\n").substr(0, 10), "malformed:");
  EXPECT_EQ(Parse(std::string(70000, 'x')).substr(0, 10), "malformed:");  // no CRLF in sight
}

TEST(RespReply, CommandsAreArraysOfBulks) {
  std::string out;
  AppendCommand({"SET", "k", ""}, &out);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

}  // namespace
}  // namespace synapsed::storage
