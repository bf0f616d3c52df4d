// Change subscriptions on every backend and layer stack (Store::Subscribe,
// synapsed/storage/change_stream.h): commits arrive in order, each whole,
// filtered by range, with values as reads return them (the compression and
// encryption layers decode them); a slow consumer is ended with a resume
// point; a past sequence replays on the native engine and is OutOfRange
// elsewhere.
#include <unistd.h>

#include <filesystem>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "api/change_stream_test_util.h"
#include "tests/conformance/backend_factory.h"
#include "util/status_matchers.h"

namespace synapsed::storage::testing {
namespace {

using ::testing::HasSubstr;

std::string Show(const ChangeBatch& b) {
  std::string out;
  for (const ChangeEvent& e : b.events) {
    if (!out.empty()) out += ",";
    out += e.type == ChangeType::kPut ? fmt::format("P:{}={}", e.key, e.value)
                                      : fmt::format("D:{}", e.key);
  }
  return out;
}

class SubscribeConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    if (!GetParam().missing.empty()) GTEST_SKIP() << GetParam().missing;
    if (!GetParam().subscribes) GTEST_SKIP() << "no change subscriptions";
    char tmpl[] = "/tmp/synapsed_subconf_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/db";
    ASSERT_OK_AND_ASSIGN(store_, GetParam().open(dir_));
  }
  void TearDown() override {
    store_.reset();
    if (dir_.empty()) return;
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  bool Native() const { return GetParam().name.find("native") != std::string::npos; }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(SubscribeConformance, CommitsArriveInOrderWholeFilteredAndDecoded) {
  ASSERT_OK_AND_ASSIGN(auto s, store_->Subscribe(KeyRange::Prefix("s/"), {}));
  // Long and repetitive, so that the compression layer compresses it.
  const std::string big(200, 'x');
  ASSERT_OK(store_->Put("s/a", big));
  WriteBatch batch;
  ASSERT_OK(batch.Put("s/b", "two"));
  ASSERT_OK(batch.Put("t/x", "outside"));
  ASSERT_OK(batch.Delete("s/a"));
  ASSERT_OK(store_->Write({}, batch));
  ASSERT_OK(store_->Put("t/y", "outside only"));
  std::vector<std::string> want = {"P:s/a=" + big, "P:s/b=two,D:s/a"};
  if (GetParam().transactions) {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
    // In key order too: a transaction may apply its writes sorted by key.
    ASSERT_OK(txn->Delete("s/b"));
    ASSERT_OK(txn->Put("s/c", "three"));
    ASSERT_OK(txn->Commit({}));
    want.push_back("D:s/b,P:s/c=three");
  }
  ASSERT_OK(store_->Delete("s/c"));
  want.push_back("D:s/c");

  std::vector<ChangeBatch> got = DrainChanges(*s);
  ASSERT_EQ(got.size(), want.size());
  uint64_t last = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(Show(got[i]), want[i]) << "batch " << i;
    for (const ChangeEvent& e : got[i].events) {
      EXPECT_GT(e.sequence, last);
      last = e.sequence;
    }
    EXPECT_GT(got[i].next_sequence, last);
  }
  EXPECT_EQ(s->resume_sequence(), got.back().next_sequence);
  EXPECT_THAT(s->Next(absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(SubscribeConformance, ASlowConsumerIsEndedWithWhereToResume) {
  // The first batch is always queued; the second passes a 1-byte bound.
  ASSERT_OK_AND_ASSIGN(auto s, store_->Subscribe(KeyRange::All(), {.max_queued_bytes = 1}));
  for (int i = 0; i < 5; ++i) ASSERT_OK(store_->Put(fmt::format("k{}", i), "v"));
  absl::Status end;
  std::vector<ChangeBatch> got = DrainChanges(*s, &end);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Show(got[0]), "P:k0=v");
  EXPECT_EQ(s->resume_sequence(), got[0].next_sequence);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kResourceExhausted,
                            HasSubstr(fmt::format("fell behind; resume from sequence {}",
                                                  got[0].next_sequence))));
}

TEST_P(SubscribeConformance, APastSequenceReplaysOnlyOnTheNativeEngine) {
  ASSERT_OK_AND_ASSIGN(auto s, store_->Subscribe(KeyRange::All(), {}));
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK(store_->Put("b", "2"));
  std::vector<ChangeBatch> live = DrainChanges(*s);
  ASSERT_EQ(live.size(), 2u);
  const uint64_t first = live[0].events[0].sequence;
  auto again = store_->Subscribe(KeyRange::All(), {.from_sequence = first});
  if (Native()) {
    ASSERT_OK(again.status());
    std::vector<ChangeBatch> replayed = DrainChanges(**again);
    ASSERT_EQ(replayed.size(), 2u);
    EXPECT_EQ(Show(replayed[0]), "P:a=1");
    EXPECT_EQ(replayed[1].events[0].sequence, live[1].events[0].sequence);
  } else {
    EXPECT_THAT(again.status(),
                StatusIs(absl::StatusCode::kOutOfRange,
                         HasSubstr(fmt::format("the oldest available sequence is {}",
                                               live[1].next_sequence))));
  }
  // The next sequence itself is "now" everywhere.
  ASSERT_OK_AND_ASSIGN(auto next, store_->Subscribe(KeyRange::All(),
                                                    {.from_sequence = live[1].next_sequence}));
  ASSERT_OK(store_->Put("c", "3"));
  std::vector<ChangeBatch> got = DrainChanges(*next);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Show(got[0]), "P:c=3");
}

INSTANTIATE_TEST_SUITE_P(Backends, SubscribeConformance, ::testing::ValuesIn(AllBackends()),
                         [](const ::testing::TestParamInfo<BackendFactory>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace synapsed::storage::testing
