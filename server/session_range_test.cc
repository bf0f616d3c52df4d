// SYNAPSED.RANGE through a Session on a memory store: each kind of bound,
// REV, the count and the reply's byte bound, argument errors, binary keys,
// and random ranges against an ordered map (docs/format/resp.md, "Ordered
// ranges"; its worked example is decoded in session_test.cc).
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backends/range_command.h"
#include "gtest/gtest.h"
#include "server/session_test_util.h"
#include "util/test_seed.h"

namespace synapsed::storage::server {
namespace {

class SessionRangeTest : public SessionTestBase {
 protected:
  void SetUp() override { Open(StorageConfig::Memory()); }
};

// The bulk-string array of `pairs` (key, value, ...), as SYNAPSED.RANGE replies.
std::string PairsReply(const std::vector<std::string>& pairs) {
  std::string out;
  ReplyWriter(&out).BulkArray(pairs);
  return out;
}

TEST_F(SessionRangeTest, BoundsOfEachKind) {
  auto c = Connect();
  Run(*c, "MSET a 1 b 2 c 3 d 4");
  const std::string all = PairsReply({"a", "1", "b", "2", "c", "3", "d", "4"});
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10"), all);
  EXPECT_EQ(Run(*c, "synapsed.range 16383 - + 4"), all);  // any slot: the whole store
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [b [c 10"), PairsReply({"b", "2", "c", "3"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (b [d 10"), PairsReply({"c", "3", "d", "4"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [b (d 10"), PairsReply({"b", "2", "c", "3"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - (b 10"), PairsReply({"a", "1"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [c + 10"), PairsReply({"c", "3", "d", "4"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [bb [cc 10"), PairsReply({"c", "3"}));  // absent bounds
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [b [b 10"), PairsReply({"b", "2"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [ + 1"), PairsReply({"a", "1"}));  // the empty key
  // Ranges that hold nothing.
  for (const char* empty : {"(b (c", "(b [b", "[b (b", "[d [a", "+ +", "- -", "+ -", "[e +"}) {
    EXPECT_EQ(Run(*c, std::string("SYNAPSED.RANGE 0 ") + empty + " 10"), "*0\r\n") << empty;
  }
  // At most `count` pairs, from the start of the walk.
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 2"), PairsReply({"a", "1", "b", "2"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (a + 1"), PairsReply({"b", "2"}));
  // REV walks from max down to min; min and max keep their places.
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10 REV"),
            PairsReply({"d", "4", "c", "3", "b", "2", "a", "1"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [b (d 10 rev"), PairsReply({"c", "3", "b", "2"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 1 Rev"), PairsReply({"d", "4"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (a (d 1 REV"), PairsReply({"c", "3"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [d [a 10 REV"), "*0\r\n");
  // Inside MULTI it is queued and reads at EXEC, with the writes before it.
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET bb 5"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (b (c 10"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "*2\r\n+OK\r\n" + PairsReply({"bb", "5"}));
}

// A page of large values stops at the reply's byte bound, short of the
// count; the client reads on after its last key (range_command.h).
TEST_F(SessionRangeTest, StopsAtTheReplyByteBound) {
  const std::string big(kRangeReplyBytes / 3 + 1, 'v');  // three of them pass the bound
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(store_->Put(k, big).ok());
  auto c = Connect();
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10"), PairsReply({"a", big, "b", big, "c", big}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (c + 10"), PairsReply({"d", big}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10 REV"), PairsReply({"d", big, "c", big, "b", big}));
}

TEST_F(SessionRangeTest, ArgumentErrors) {
  auto c = Connect();
  Run(*c, "SET a 1");
  const std::string slot = "-ERR slot out of range: expected an integer from 0 to 16383\r\n";
  for (const char* bad : {"16384", "-1", "x", "\"\"", "1.5", "+1", "\" 1\"", "99999999999"}) {
    EXPECT_EQ(Run(*c, std::string("SYNAPSED.RANGE ") + bad + " - + 10"), slot) << bad;
  }
  const std::string lex = "-ERR min or max not valid string range item\r\n";
  for (const char* bad : {"a +", "- a", "\"\" +", "- \"\"", "]a +", "{a +"}) {
    EXPECT_EQ(Run(*c, std::string("SYNAPSED.RANGE 0 ") + bad + " 10"), lex) << bad;
  }
  const std::string count = "-ERR count out of range: expected an integer from 1 to 10000\r\n";
  for (const char* bad : {"0", "-1", "10001", "x", "\"\"", "1e3"}) {
    EXPECT_EQ(Run(*c, std::string("SYNAPSED.RANGE 0 - + ") + bad), count) << bad;
  }
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10000"), PairsReply({"a", "1"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10 REVERSE"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - + 10 REV REV"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 - +"),
            "-ERR wrong number of arguments for 'synapsed.range' command\r\n");
}

TEST_F(SessionRangeTest, KeysAreBinary) {
  auto c = Connect();
  Run(*c, R"(MSET k 1 "k\x00" 2 "k\x00\x01" 3 "k\xff" 4 "\xff" 5)");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 (k + 10"),
            PairsReply({std::string("k\0", 2), "2", std::string("k\0\1", 3), "3", "k\xff", "4",
                        "\xff", "5"}));
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 0 [k [k 10"), PairsReply({"k", "1"}));
  EXPECT_EQ(Run(*c, R"(SYNAPSED.RANGE 0 [k "(k\x00\x01" 10 REV)"),
            PairsReply({std::string("k\0", 2), "2", "k", "1"}));
  EXPECT_EQ(Run(*c, R"(SYNAPSED.RANGE 0 "(k\x00" "[k\xff" 10)"),
            PairsReply({std::string("k\0\1", 3), "3", "k\xff", "4"}));
}

// Random ranges over a store of many random binary keys, against a
// std::map. Reproducible with SYNAPSED_SEED.
TEST_F(SessionRangeTest, MatchesAnOrderedMapOnManyKeys) {
  std::mt19937_64 rng(testing::TestSeed());
  auto random_key = [&] {
    std::string k(1 + rng() % 6, '\0');
    for (char& ch : k) ch = static_cast<char>("ab\0\xff"[rng() % 4]);  // a small alphabet
    return k;
  };
  auto c = Connect();
  std::map<std::string, std::string> model;
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 3000; ++i) {
    const std::string k = random_key();
    model[k] = std::to_string(i);
    mset.push_back(k);
    mset.push_back(std::to_string(i));
  }
  c->session->Execute(mset);
  c->session->FlushBatch();
  ASSERT_EQ(c->out, "+OK\r\n");
  for (int q = 0; q < 300; ++q) {
    auto bound = [&](bool is_min) -> std::string {
      switch (rng() % 5) {
        case 0: return is_min ? "-" : "+";
        case 1: return is_min ? "+" : "-";  // nothing
        case 2: return "(" + random_key();
        default: return "[" + random_key();
      }
    };
    const std::string min = bound(true), max = bound(false);
    const size_t count = 1 + rng() % (rng() % 2 ? 20 : 3000);
    const bool rev = rng() % 2;
    auto in_range = [&](const std::string& k) {
      auto above = [&](const std::string& b) {
        return b == "-" || (b[0] == '[' ? k >= b.substr(1) : b[0] == '(' && k > b.substr(1));
      };
      auto below = [&](const std::string& b) {
        return b == "+" || (b[0] == '[' ? k <= b.substr(1) : b[0] == '(' && k < b.substr(1));
      };
      return above(min) && below(max);
    };
    std::vector<std::string> want;
    auto take = [&](const auto& kv) {
      if (in_range(kv.first) && want.size() < 2 * count) {
        want.push_back(kv.first);
        want.push_back(kv.second);
      }
    };
    if (rev) {
      for (auto it = model.rbegin(); it != model.rend(); ++it) take(*it);
    } else {
      for (const auto& kv : model) take(kv);
    }
    std::vector<std::string> args = {"SYNAPSED.RANGE", "7", min, max, std::to_string(count)};
    if (rev) args.push_back("REV");
    c->out.clear();
    c->session->Execute(args);
    ASSERT_EQ(c->out, PairsReply(want)) << "query " << q << " count " << count << " rev " << rev;
  }
}

}  // namespace
}  // namespace synapsed::storage::server
