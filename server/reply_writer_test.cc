#include "server/reply_writer.h"

#include "gtest/gtest.h"

namespace synapsed::storage::server {
namespace {

std::string Write(int protocol, void (*fn)(ReplyWriter&)) {
  std::string out;
  ReplyWriter w(&out, protocol);
  fn(w);
  return out;
}

TEST(ReplyWriter, Resp2Shapes) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Status("OK"); }), "+OK\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Error("ERR bad\r\nthing"); }), "-ERR bad  thing\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Integer(-42); }), ":-42\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Bulk(std::string("a\0b", 3)); }),
            std::string("$3\r\na\0b\r\n", 9));
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Null(); }), "$-1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) {
              w.Map(1);
              w.Bulk("k");
              w.Integer(1);
            }),
            "*2\r\n$1\r\nk\r\n:1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Set(0); }), "*0\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Verbatim("hi"); }), "$2\r\nhi\r\n");
}

TEST(ReplyWriter, Resp3Shapes) {
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Null(); }), "_\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.NullArray(); }), "_\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Map(2); }), "%2\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Set(3); }), "~3\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("hi"); }), "=6\r\ntxt:hi\r\n");
}

}  // namespace
}  // namespace synapsed::storage::server
