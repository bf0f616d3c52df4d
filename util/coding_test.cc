#include "util/coding.h"

#include <limits>

#include "gtest/gtest.h"
#include "util/random.h"

namespace synapsed::storage {
namespace {

TEST(Coding, FixedRoundTrip) {
  std::string s;
  PutFixed32(&s, 0xdeadbeef);
  PutFixed64(&s, 0x0123456789abcdefULL);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(static_cast<unsigned char>(s[0]), 0xef);  // little-endian on disk
  std::string_view in = s;
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0xdeadbeefu);
  EXPECT_EQ(b, 0x0123456789abcdefULL);
  EXPECT_FALSE(GetFixed32(&in, &a));
}

TEST(Coding, VarintRoundTrip) {
  std::string s;
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384,
                                  std::numeric_limits<uint32_t>::max(),
                                  std::numeric_limits<uint64_t>::max()};
  Random rnd(301);
  for (int i = 0; i < 1000; ++i) values.push_back(rnd.Next64() >> rnd.Uniform(64));
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, VarintTruncatedAndOverlongAreRejected) {
  std::string s;
  PutVarint32(&s, 1u << 30);
  for (size_t n = 0; n < s.size(); ++n) {
    std::string_view in(s.data(), n);
    uint32_t v;
    EXPECT_FALSE(GetVarint32(&in, &v)) << n;
  }
  std::string overlong(11, '\xff');
  std::string_view in = overlong;
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
  uint32_t v32;
  in = overlong;
  EXPECT_FALSE(GetVarint32(&in, &v32));
}

TEST(Coding, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  PutLengthPrefixed(&s, "");
  std::string_view in = s, v;
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(v, "hello");
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(v, "");
  s = "\x05" "abc";  // claims 5, has 3
  in = s;
  EXPECT_FALSE(GetLengthPrefixed(&in, &v));
}

}  // namespace
}  // namespace synapsed::storage
