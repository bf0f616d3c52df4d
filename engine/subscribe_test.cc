// Change streams on the native engine (engine/db_subscribe.cc,
// engine/log_change_stream.h): live commits in order and whole, the range
// filter, resuming from a past sequence through retained logs across log
// switches and flushes, OutOfRange naming the oldest retained sequence, a
// slow consumer ended with a resume point that loses nothing, encrypted logs,
// and the seam between replay and live commits under concurrent writers.
#include <thread>

#include "api/change_stream_test_util.h"
#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/encryption_test_util.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::DrainChanges;
using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

// "seq:P:key=value" / "seq:D:key" per event, batches separated by " | ".
std::string Show(const ChangeBatch& b) {
  std::string out;
  for (const ChangeEvent& e : b.events) {
    if (!out.empty()) out += ",";
    out += e.type == ChangeType::kPut ? fmt::format("{}:P:{}={}", e.sequence, e.key, e.value)
                                      : fmt::format("{}:D:{}", e.sequence, e.key);
  }
  return out;
}

class SubscribeTest : public ::testing::TestWithParam<size_t> {
 protected:
  SubscribeTest() : fs_(env::NewMemFileSystem()) {
    options_.fs = fs_.get();
    options_.use_io_uring = false;
    options_.wal_buffer_bytes = GetParam();  // 0, or records buffered in user space
  }
  std::unique_ptr<Store> Open() {
    auto db = OpenNativeStore(options_, "/db");
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }
  void Flush(Store* db) { ASSERT_OK(AsNativeEngine(db)->FlushMemTables()); }
  void PutN(Store* db, int begin, int end) {
    for (int i = begin; i < end; ++i) ASSERT_OK(db->Put(fmt::format("k{:04}", i), "v"));
  }

  std::unique_ptr<env::FileSystem> fs_;
  EngineOptions options_;
};

TEST_P(SubscribeTest, LiveCommitsArriveInOrderWholeAndFiltered) {
  auto db = Open();
  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::Between("a", "m"), {}));
  EXPECT_THAT(s->Next(absl::ZeroDuration()), StatusIs(absl::StatusCode::kDeadlineExceeded));
  ASSERT_OK(db->Put("b", "1"));
  WriteBatch batch;
  ASSERT_OK(batch.Put("c", "2"));
  ASSERT_OK(batch.Put("x", "out of range"));
  ASSERT_OK(batch.Delete("b"));
  ASSERT_OK(db->Write({}, batch));
  ASSERT_OK(db->Put("z", "only out of range"));
  ASSERT_OK_AND_ASSIGN(auto txn, db->BeginTransaction());
  ASSERT_OK(txn->Put("d", "3"));
  ASSERT_OK(txn->Put("e", "4"));
  ASSERT_OK(txn->Commit({}));

  std::vector<ChangeBatch> got = DrainChanges(*s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(Show(got[0]), "1:P:b=1");
  EXPECT_EQ(got[0].next_sequence, 2u);
  EXPECT_EQ(Show(got[1]), "2:P:c=2,4:D:b");  // one batch, x filtered out
  EXPECT_EQ(got[1].next_sequence, 5u);
  EXPECT_EQ(Show(got[2]), "6:P:d=3,7:P:e=4");  // z (5) produced no batch
  EXPECT_EQ(s->resume_sequence(), 8u);
}

TEST_P(SubscribeTest, ResumesFromAPastSequenceAcrossLogSwitchesAndFlushes) {
  options_.log_retention_bytes = 1 << 20;
  auto db = Open();
  PutN(db.get(), 0, 10);  // sequences 1..10
  Flush(db.get());        // a new log; the first one is obsolete but retained
  PutN(db.get(), 10, 20);
  Flush(db.get());
  PutN(db.get(), 20, 25);  // in the current log

  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::All(), {.from_sequence = 5}));
  PutN(db.get(), 25, 30);  // live, after the subscription
  std::vector<ChangeBatch> got = DrainChanges(*s);
  ASSERT_EQ(got.size(), 26u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(Show(got[i]), fmt::format("{}:P:k{:04}=v", i + 5, i + 4));
  }
  // Reopening keeps the retained logs: the history is still there.
  s.reset();
  db.reset();
  db = Open();
  ASSERT_OK_AND_ASSIGN(s, db->Subscribe(KeyRange::Prefix("k000"), {.from_sequence = 1}));
  got = DrainChanges(*s);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(Show(got[9]), "10:P:k0009=v");
}

TEST_P(SubscribeTest, OlderThanTheRetainedLogsIsOutOfRangeNamingTheOldest) {
  options_.log_retention_bytes = 0;
  auto db = Open();
  PutN(db.get(), 0, 10);
  Flush(db.get());  // the log of 1..10 goes
  PutN(db.get(), 10, 12);
  EXPECT_THAT(db->Subscribe(KeyRange::All(), {.from_sequence = 3}),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("the oldest available sequence is 11")));
  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::All(), {.from_sequence = 11}));
  std::vector<ChangeBatch> got = DrainChanges(*s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Show(got[0]), "11:P:k0010=v");
  // Nothing logged at all: the oldest is the next sequence.
  s.reset();
  Flush(db.get());
  EXPECT_THAT(db->Subscribe(KeyRange::All(), {.from_sequence = 12}),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("the oldest available sequence is 13")));
}

TEST_P(SubscribeTest, ASlowConsumerIsEndedWithAResumePointThatLosesNothing) {
  options_.log_retention_bytes = 1 << 20;
  auto db = Open();
  // ~10 bytes an event: a 64-byte queue overflows within ten writes.
  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::All(), {.max_queued_bytes = 64}));
  PutN(db.get(), 0, 40);
  absl::Status end;
  std::vector<ChangeBatch> first = DrainChanges(*s, &end);
  ASSERT_THAT(end, StatusIs(absl::StatusCode::kResourceExhausted,
                            HasSubstr("fell behind; resume from sequence")));
  ASSERT_FALSE(first.empty());
  ASSERT_LT(first.size(), 40u);
  const uint64_t resume = s->resume_sequence();
  EXPECT_EQ(resume, first.back().next_sequence);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kResourceExhausted,
                            HasSubstr(fmt::format("resume from sequence {}", resume))));
  // Writers were not held up (all 40 acknowledged); resuming gets the rest.
  ASSERT_OK_AND_ASSIGN(s, db->Subscribe(KeyRange::All(), {.from_sequence = resume}));
  std::vector<ChangeBatch> rest = DrainChanges(*s);
  ASSERT_EQ(first.size() + rest.size(), 40u);
  EXPECT_EQ(rest.front().events.front().sequence, resume);
  EXPECT_EQ(Show(rest.back()), "40:P:k0039=v");
}

TEST_P(SubscribeTest, ReplayMeetsLiveCommitsWithoutAGapOrADuplicate) {
  options_.log_retention_bytes = 64 << 20;
  options_.write_buffer_size = 16 << 10;  // many log switches under the writers
  auto db = Open();
  PutN(db.get(), 0, 500);
  constexpr int kWriters = 2, kPerWriter = 500;
  std::vector<std::thread> writers;
  std::atomic<int> written{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        ASSERT_OK(db->Put(fmt::format("w{}/{:04}", w, i), "v"));
        written.fetch_add(1);
      }
    });
  }
  // Subscribe while the writers are busy (a fraction of their writes done).
  while (written.load() < kPerWriter / 4) std::this_thread::yield();
  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::All(), {.from_sequence = 1}));
  for (auto& t : writers) t.join();
  const uint64_t total = 500 + kWriters * kPerWriter;
  uint64_t expected = 1;
  while (expected <= total) {
    auto b = s->Next(absl::Seconds(10));
    ASSERT_TRUE(b.ok()) << b.status() << " at sequence " << expected;
    for (const ChangeEvent& e : b->events) ASSERT_EQ(e.sequence, expected++);
  }
  EXPECT_THAT(s->Next(absl::ZeroDuration()), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(SubscribeTest, CancelAndCloseEndTheStream) {
  auto db = Open();
  ASSERT_OK_AND_ASSIGN(auto a, db->Subscribe(KeyRange::All(), {}));
  ASSERT_OK_AND_ASSIGN(auto b, db->Subscribe(KeyRange::All(), {}));
  std::thread waiter([&] {
    EXPECT_THAT(a->Next(absl::Seconds(30)), StatusIs(absl::StatusCode::kCancelled));
  });
  a->Cancel();
  waiter.join();
  ASSERT_OK(db->Put("k", "v"));
  EXPECT_THAT(a->Next(absl::ZeroDuration()), StatusIs(absl::StatusCode::kCancelled));
  ASSERT_OK(b->Next(absl::Seconds(5)).status());
}

INSTANTIATE_TEST_SUITE_P(WalBuffer, SubscribeTest, ::testing::Values(0, 4096),
                         [](const auto& info) {
                           return info.param == 0 ? std::string("Unbuffered")
                                                  : std::string("Buffered");
                         });

TEST(SubscribeEncrypted, ReplaysEncryptedLogsWithTheirKeys) {
  auto fs = env::NewMemFileSystem();
  EngineOptions options;
  options.fs = fs.get();
  options.use_io_uring = false;
  options.log_retention_bytes = 1 << 20;
  options.keyring = encryption_testing::Ring({{"k1", 'a'}});
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(options, "/db"));
  ASSERT_OK(db->Put("secret/1", "plain one"));
  ASSERT_OK(AsNativeEngine(db.get())->FlushMemTables());
  ASSERT_OK(db->Delete("secret/1"));
  ASSERT_OK_AND_ASSIGN(auto s, db->Subscribe(KeyRange::All(), {.from_sequence = 1}));
  std::vector<ChangeBatch> got = DrainChanges(*s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Show(got[0]), "1:P:secret/1=plain one");
  EXPECT_EQ(Show(got[1]), "2:D:secret/1");
}

}  // namespace
}  // namespace synapsed::storage::engine
