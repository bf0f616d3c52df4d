#include "security/interval_set.h"

#include "gtest/gtest.h"

namespace synapsed::storage::security {
namespace {

TEST(IntervalSet, MergesOverlappingAndTouchingIntervals) {
  IntervalSet s;
  s.Add("m", "p");
  s.Add("a", "c");
  s.Add("c", "e");  // touches [a, c)
  s.Add("b", "d");  // inside
  s.Add("o", std::nullopt);
  s.Add("k", "k");  // empty: nothing
  s.Normalize();
  EXPECT_EQ(s.intervals(),
            (std::vector<Interval>{{"a", "e"}, {"m", std::nullopt}}));
}

TEST(IntervalSet, PrefixEdges) {
  IntervalSet s;
  s.AddPrefix("a/");
  s.Normalize();
  EXPECT_TRUE(s.Contains("a/"));
  EXPECT_TRUE(s.Contains("a/\xff"));
  EXPECT_FALSE(s.Contains("a0"));  // '0' is '/' + 1: the first key past a/
  EXPECT_FALSE(s.Contains("a"));
  EXPECT_TRUE(s.Covers(KeyRange::Prefix("a/")));
  EXPECT_TRUE(s.Covers(KeyRange::Between("a/", "a0")));
  EXPECT_FALSE(s.Covers(KeyRange::Between("a/", std::string("a0\0", 3))));
  EXPECT_FALSE(s.Covers(KeyRange::From("a/")));
  EXPECT_FALSE(s.Covers(KeyRange::Before("a0")));
  EXPECT_TRUE(s.Covers(KeyRange::Between("z", "a")));  // empty
}

TEST(IntervalSet, EverythingAndNothing) {
  IntervalSet all;
  all.AddPrefix("");
  all.Normalize();
  EXPECT_TRUE(all.Covers(KeyRange::All()));
  EXPECT_TRUE(all.Contains(""));
  IntervalSet none;
  none.Normalize();
  EXPECT_FALSE(none.Contains(""));
  EXPECT_FALSE(none.Covers(KeyRange::All()));
  EXPECT_TRUE(none.Covers(KeyRange::Between("b", "b")));
}

TEST(IntervalSet, OpenEndAbsorbsLaterIntervals) {
  IntervalSet s;
  s.Add("x", std::nullopt);
  s.Add("y", "z");
  s.Add("w", "x");
  s.Normalize();
  EXPECT_EQ(s.intervals(), (std::vector<Interval>{{"w", std::nullopt}}));
  EXPECT_TRUE(s.Covers(KeyRange::From("w")));
  EXPECT_FALSE(s.Covers(KeyRange::From("v")));
}

}  // namespace
}  // namespace synapsed::storage::security
