#include "cluster/linearizability.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::cluster {
namespace {

using ::testing::HasSubstr;

RegisterOp W(std::string v, uint64_t call, uint64_t answer) {
  return {RegisterOp::Kind::kWrite, std::move(v), call, answer};
}
RegisterOp R(std::optional<std::string> v, uint64_t call, uint64_t answer) {
  return {RegisterOp::Kind::kRead, std::move(v), call, answer};
}

bool Linearizable(const std::vector<RegisterOp>& h,
                  std::optional<std::string> initial = std::nullopt) {
  return CheckRegisterHistory(h, initial).linearizable;
}

TEST(Linearizability, EmptyAndSequentialHistories) {
  EXPECT_TRUE(Linearizable({}));
  EXPECT_TRUE(Linearizable({R(std::nullopt, 0, 1)}));
  EXPECT_TRUE(Linearizable({R("a", 0, 1)}, "a"));
  EXPECT_TRUE(Linearizable({W("1", 0, 10), R("1", 20, 30), W("2", 40, 50), R("2", 60, 70)}));
}

TEST(Linearizability, AStaleReadIsNot) {
  // w(2) finished before the read was called, yet the read saw 1.
  const std::vector<RegisterOp> h = {W("1", 0, 10), W("2", 20, 30), R("1", 40, 50)};
  LinearizabilityResult r = CheckRegisterHistory(h, std::nullopt);
  EXPECT_FALSE(r.linearizable);
  EXPECT_THAT(r.explanation, HasSubstr("#2 r -> '1' [40, 50]"));
}

TEST(Linearizability, AValueNoWriteStoredIsNot) {
  EXPECT_FALSE(Linearizable({W("1", 0, 10), R("9", 20, 30)}));
  EXPECT_FALSE(Linearizable({R("1", 0, 10)}));
}

TEST(Linearizability, OverlappingWritesMayLandInEitherOrder) {
  // w(1) is still running when the read is called after w(2) finished: the
  // read may see either, but not the value from before both.
  const std::vector<RegisterOp> writes = {W("1", 0, 100), W("2", 10, 90)};
  for (const char* seen : {"1", "2"}) {
    auto h = writes;
    h.push_back(R(seen, 95, 120));
    EXPECT_TRUE(Linearizable(h)) << seen;
  }
  auto h = writes;
  h.push_back(R(std::nullopt, 95, 120));
  EXPECT_FALSE(Linearizable(h));
}

TEST(Linearizability, ReadsMustNotGoBackInTime) {
  // Two reads during a long write: the first sees the new value, so the
  // second, called after the first answered, cannot see the old one.
  EXPECT_TRUE(Linearizable({W("1", 0, 5), W("2", 10, 100), R("1", 20, 30), R("2", 40, 50)}));
  EXPECT_FALSE(Linearizable({W("1", 0, 5), W("2", 10, 100), R("2", 20, 30), R("1", 40, 50)}));
}

TEST(Linearizability, AWriteWithNoAnswerMayOrMayNotHaveHappened) {
  EXPECT_TRUE(Linearizable({W("3", 5, kNoAnswer), R("3", 10, 20)}));
  EXPECT_TRUE(Linearizable({W("3", 5, kNoAnswer), R(std::nullopt, 10, 20)}));
  EXPECT_TRUE(Linearizable({W("3", 5, kNoAnswer), R(std::nullopt, 10, 20), R("3", 30, 40)}));
  // Once seen it has happened.
  EXPECT_FALSE(Linearizable({W("3", 5, kNoAnswer), R("3", 10, 20), R(std::nullopt, 30, 40)}));
  // It cannot take effect before it was called.
  EXPECT_FALSE(Linearizable({R("3", 0, 4), W("3", 5, kNoAnswer)}));
}

// Forty writes the clients never heard back from stay pending through the
// whole history. Placing each of them at every point made the search
// exponential in their number (a cluster test once ran for over ten
// minutes); each is now tried only just before a read of its value.
TEST(Linearizability, ManyWritesWithNoAnswerStayCheap) {
  std::vector<RegisterOp> h;
  for (int i = 0; i < 40; ++i) h.push_back(W(std::to_string(i), i, kNoAnswer));
  for (uint64_t k = 0; k < 200; ++k) h.push_back(R(std::nullopt, 100 + 2 * k, 101 + 2 * k));
  h.push_back(R("17", 600, 610));
  h.push_back(R("17", 620, 630));
  h.push_back(R("31", 640, 650));
  EXPECT_TRUE(Linearizable(h));
  // The absent value cannot come back once a write was seen.
  h.push_back(R(std::nullopt, 660, 670));
  EXPECT_FALSE(Linearizable(h));
}

TEST(Linearizability, AReadWithNoAnswerSaysNothing) {
  EXPECT_TRUE(Linearizable({W("1", 0, 10), R("never written", 20, kNoAnswer)}));
}

TEST(Linearizability, AnAnswerBeforeItsCallIsRefused) {
  LinearizabilityResult r = CheckRegisterHistory({{W("1", 10, 5)}}, std::nullopt);
  EXPECT_FALSE(r.linearizable);
  EXPECT_THAT(r.explanation, HasSubstr("answered before it was called"));
}

// Histories made by a real register, each operation taking effect at a
// random instant between its call and its answer, are linearizable; the
// same history with one read changed to a value no write stored is not.
TEST(Linearizability, GeneratedHistories) {
  Random rnd(testing::TestSeed());
  for (int round = 0; round < 20; ++round) {
    struct Timed {
      RegisterOp op;
      uint64_t at;  // the instant it takes effect
    };
    std::vector<Timed> ops;
    for (int i = 0; i < 150; ++i) {
      const uint64_t call = rnd.Uniform(10000);
      const uint64_t answer = call + 1 + rnd.Uniform(300);
      const uint64_t at = call + rnd.Uniform(answer - call);
      const bool write = rnd.OneIn(2);
      RegisterOp op = write ? W(std::to_string(i), call, answer) : R(std::nullopt, call, answer);
      if (write && rnd.OneIn(10)) op.answer = kNoAnswer;  // the client never heard back
      ops.push_back({op, at});
    }
    std::sort(ops.begin(), ops.end(), [](const Timed& a, const Timed& b) { return a.at < b.at; });
    std::optional<std::string> value;
    for (Timed& t : ops) {
      if (t.op.kind == RegisterOp::Kind::kWrite) value = t.op.value; else t.op.value = value;
    }
    std::vector<RegisterOp> h;
    for (const Timed& t : ops) h.push_back(t.op);
    LinearizabilityResult r = CheckRegisterHistory(h, std::nullopt);
    ASSERT_TRUE(r.linearizable) << "round " << round << ": " << r.explanation;
    for (RegisterOp& op : h) {
      if (op.kind == RegisterOp::Kind::kRead) {
        op.value = "no write stored this";
        break;
      }
    }
    EXPECT_FALSE(CheckRegisterHistory(h, std::nullopt).linearizable) << "round " << round;
  }
}

}  // namespace
}  // namespace synapsed::storage::cluster
