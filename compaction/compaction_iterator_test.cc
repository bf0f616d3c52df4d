#include "compaction/compaction_iterator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compaction/vector_iterator_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::compaction {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::synapsed::storage::testing::StatusIs;
using ::synapsed::storage::testing::VectorIterator;

// "a@10:v" is a value, "a@10:DEL" a deletion marker.
std::pair<std::string, std::string> Entry(const std::string& spec) {
  const size_t at = spec.find('@');
  const size_t colon = spec.find(':', at);
  const std::string user = spec.substr(0, at);
  const SequenceNumber seq = std::stoull(spec.substr(at + 1, colon - at - 1));
  const std::string value = spec.substr(colon + 1);
  if (value == "DEL")
    return {MakeInternalKey(user, seq, ValueType::kDeletion), ""};
  return {MakeInternalKey(user, seq, ValueType::kValue), value};
}

std::string Spec(std::string_view ikey, std::string_view value) {
  ParsedInternalKey p;
  EXPECT_TRUE(ParseInternalKey(ikey, &p));
  return std::string(p.user_key) + "@" + std::to_string(p.sequence) + ":" +
         (p.type == ValueType::kDeletion ? std::string("DEL")
                                         : std::string(value));
}

std::vector<std::string> RunSpecs(const std::vector<std::string>& input,
                                  std::vector<SequenceNumber> snapshots,
                                  bool bottommost,
                                  CompactionIteratorStats* stats = nullptr) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& s : input) entries.push_back(Entry(s));
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return CompareInternalKeys(a.first, b.first) < 0;
  });
  VectorIterator it(std::move(entries));
  CompactionIterator c(&it, std::move(snapshots), bottommost);
  std::vector<std::string> out;
  for (c.SeekToFirst(); c.Valid(); c.Next())
    out.push_back(Spec(c.key(), c.value()));
  EXPECT_OK(c.status());
  if (stats) *stats = c.stats();
  return out;
}

struct Case {
  const char* name;
  std::vector<std::string> input;  // newest first within a key
  std::vector<SequenceNumber> snapshots;
  bool bottommost;
  std::vector<std::string> kept;
};

TEST(CompactionIteratorTest, Table) {
  // Columns: name; input; snapshots; bottommost; kept.
  // clang-format off
  const std::vector<Case> cases = {
      {"newest version only",
       {"a@10:v2", "a@5:v1"}, {}, false, {"a@10:v2"}},
      {"deletion kept above the bottom",
       {"a@10:DEL", "a@5:v1"}, {}, false, {"a@10:DEL"}},
      {"deletion and what it hides go at the bottom",
       {"a@10:DEL", "a@5:v1"}, {}, true, {}},
      {"lone deletion at the bottom",
       {"a@3:DEL", "b@2:v"}, {}, true, {"b@2:v"}},
      {"snapshot keeps what it sees",
       {"a@10:v2", "a@5:v1"}, {7}, false, {"a@10:v2", "a@5:v1"}},
      {"deletion hides a value a snapshot sees",
       {"a@10:DEL", "a@5:v1"}, {7}, true, {"a@10:DEL", "a@5:v1"}},
      {"one version per stripe",
       {"a@10:v3", "a@9:v2", "a@5:v1", "a@3:v0"}, {7}, false,
       {"a@10:v3", "a@5:v1"}},
      {"a snapshot sees its own sequence",
       {"a@6:v2", "a@5:v1", "a@4:v0"}, {5}, false, {"a@6:v2", "a@5:v1"}},
      {"snapshot above every version",
       {"a@6:v2", "a@5:v1"}, {100}, false, {"a@6:v2"}},
      {"chain of deletions over nothing kept",
       {"a@10:DEL", "a@6:DEL", "a@3:v"}, {7}, true, {}},
      {"chain of deletions over a kept value",
       {"a@10:DEL", "a@6:DEL", "a@3:v"}, {4, 7}, true,
       {"a@10:DEL", "a@6:DEL", "a@3:v"}},
      {"deletion in a lower stripe hides nothing kept",
       {"a@10:v", "a@6:DEL", "a@2:v"}, {7}, true, {"a@10:v"}},
      {"deletion between values in separate stripes",
       {"a@10:v", "a@6:DEL", "a@2:v"}, {3, 7}, true,
       {"a@10:v", "a@6:DEL", "a@2:v"}},
      {"deletions kept per stripe above the bottom",
       {"a@10:DEL", "a@6:DEL", "a@2:DEL"}, {3, 7}, false,
       {"a@10:DEL", "a@6:DEL", "a@2:DEL"}},
      {"snapshots need not be sorted",
       {"a@10:DEL", "a@6:DEL", "a@3:v"}, {7, 4, 7}, true,
       {"a@10:DEL", "a@6:DEL", "a@3:v"}},
      {"keys are independent",
       {"a@9:DEL", "a@8:v", "b@7:v", "b@6:v", "c@5:DEL", "d@4:v"}, {}, true,
       {"b@7:v", "d@4:v"}},
      {"held deletion then another key's value",
       {"a@9:DEL", "a@2:v", "b@7:v"}, {5}, true,
       {"a@9:DEL", "a@2:v", "b@7:v"}},
  };
  // clang-format on
  for (const Case& c : cases) {
    EXPECT_THAT(RunSpecs(c.input, c.snapshots, c.bottommost),
                ElementsAreArray(c.kept))
        << c.name;
  }
}

TEST(CompactionIteratorTest, Stats) {
  CompactionIteratorStats stats;
  RunSpecs({"a@10:DEL", "a@6:DEL", "a@3:v", "b@9:v", "b@8:v", "c@1:v"}, {7},
           true, &stats);
  EXPECT_EQ(stats.input_entries, 6u);
  EXPECT_EQ(stats.dropped_shadowed, 2u);   // a@3 (under a@6), b@8
  EXPECT_EQ(stats.dropped_deletions, 2u);  // a@10, a@6
}

TEST(CompactionIteratorTest, CorruptKeyIsDataLoss) {
  std::vector<std::pair<std::string, std::string>> entries = {Entry("a@5:v"),
                                                              {"bad", "x"}};
  VectorIterator it(std::move(entries));
  CompactionIterator c(&it, {}, false);
  c.SeekToFirst();
  ASSERT_TRUE(c.Valid());
  c.Next();
  EXPECT_FALSE(c.Valid());
  EXPECT_THAT(c.status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("corrupt")));
}

TEST(CompactionIteratorTest, InputErrorIsReported) {
  VectorIterator it({Entry("a@5:v")},
                    absl::DataLossError("t.sst: bad block at offset 7"));
  CompactionIterator c(&it, {}, false);
  c.SeekToFirst();
  ASSERT_TRUE(c.Valid());
  c.Next();
  EXPECT_FALSE(c.Valid());
  EXPECT_THAT(c.status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 7")));
}

// What the reader at `snapshot` sees of `user_key`: the newest entry with
// sequence <= snapshot (its type and value), or nullopt.
std::optional<std::string> Read(
    const std::vector<std::pair<std::string, std::string>>& entries,
    const std::string& user_key, SequenceNumber snapshot) {
  for (const auto& [k, v] : entries) {  // newest first within a key
    ParsedInternalKey p;
    EXPECT_TRUE(ParseInternalKey(k, &p));
    if (p.user_key != user_key || p.sequence > snapshot) continue;
    return p.type == ValueType::kDeletion ? std::string("<deleted>") : v;
  }
  return std::nullopt;
}

TEST(CompactionIteratorTest, RandomizedVisibilityIsPreserved) {
  Random rnd(testing::TestSeed());
  for (int round = 0; round < 3000; ++round) {
    // Distinct sequences shared out over a few keys.
    std::vector<SequenceNumber> seqs(60);
    for (size_t i = 0; i < seqs.size(); ++i) seqs[i] = i + 1;
    for (size_t i = seqs.size() - 1; i > 0; --i)
      std::swap(seqs[i], seqs[rnd.Uniform(i + 1)]);
    std::vector<std::pair<std::string, std::string>> input;
    std::vector<std::string> keys;
    const int num_keys = 1 + rnd.Uniform(5);
    size_t next_seq = 0;
    for (int k = 0; k < num_keys; ++k) {
      keys.push_back(std::string(1, static_cast<char>('a' + k)));
      const int versions = 1 + rnd.Uniform(7);
      for (int v = 0; v < versions; ++v) {
        const SequenceNumber seq = seqs[next_seq++];
        if (rnd.OneIn(3)) {
          input.emplace_back(
              MakeInternalKey(keys.back(), seq, ValueType::kDeletion), "");
        } else {
          input.emplace_back(
              MakeInternalKey(keys.back(), seq, ValueType::kValue),
              "v" + std::to_string(seq));
        }
      }
    }
    std::sort(input.begin(), input.end(), [](const auto& a, const auto& b) {
      return CompareInternalKeys(a.first, b.first) < 0;
    });
    std::vector<SequenceNumber> snapshots;
    for (int n = rnd.Uniform(5); n > 0; --n)
      snapshots.push_back(1 + rnd.Uniform(65));
    const bool bottommost = rnd.OneIn(2);

    VectorIterator it(input);
    CompactionIterator c(&it, snapshots, bottommost);
    std::vector<std::pair<std::string, std::string>> output;
    for (c.SeekToFirst(); c.Valid(); c.Next())
      output.emplace_back(c.key(), c.value());
    ASSERT_OK(c.status());
    SCOPED_TRACE("round " + std::to_string(round));

    // Output is a subsequence of the input; the counts add up.
    size_t j = 0;
    for (const auto& e : input) j += j < output.size() && e == output[j];
    ASSERT_EQ(j, output.size());
    EXPECT_EQ(c.stats().input_entries, input.size());
    EXPECT_EQ(c.stats().input_entries, output.size() +
                                           c.stats().dropped_shadowed +
                                           c.stats().dropped_deletions);

    // Every reader sees the same thing before and after. At the bottom a
    // deletion and an absent key are the same; above it the marker itself
    // must survive (it hides versions in lower levels).
    std::vector<SequenceNumber> readers = snapshots;
    readers.push_back(kMaxSequenceNumber);
    for (const auto& key : keys) {
      for (SequenceNumber s : readers) {
        std::optional<std::string> before = Read(input, key, s);
        std::optional<std::string> after = Read(output, key, s);
        if (bottommost) {
          if (before == "<deleted>") before.reset();
          if (after == "<deleted>") after.reset();
        }
        EXPECT_EQ(before, after) << "key " << key << " snapshot " << s;
      }
    }

    // Nothing droppable is kept: every output entry is what some reader
    // sees, and at the bottom a kept marker hides an older kept value.
    for (size_t i = 0; i < output.size(); ++i) {
      ParsedInternalKey p;
      ASSERT_TRUE(ParseInternalKey(output[i].first, &p));
      bool seen = false;
      for (SequenceNumber s : readers) {
        if (p.sequence > s) continue;
        // The newest output entry of the key at or below s.
        for (const auto& e : output) {
          ParsedInternalKey q;
          ASSERT_TRUE(ParseInternalKey(e.first, &q));
          if (q.user_key == p.user_key && q.sequence <= s) {
            seen |= q.sequence == p.sequence;
            break;
          }
        }
      }
      EXPECT_TRUE(seen) << Spec(output[i].first, output[i].second)
                        << " is seen by nobody";
      if (bottommost && p.type == ValueType::kDeletion) {
        bool hides_value = false;
        for (size_t k = i + 1; k < output.size(); ++k) {
          ParsedInternalKey q;
          ASSERT_TRUE(ParseInternalKey(output[k].first, &q));
          if (q.user_key != p.user_key) break;
          hides_value |= q.type == ValueType::kValue;
        }
        EXPECT_TRUE(hides_value)
            << Spec(output[i].first, "") << " hides nothing";
      }
    }
    if (snapshots.empty() && bottommost) {
      std::vector<std::pair<std::string, std::string>> expected;
      std::string last;
      for (const auto& e : input) {
        if (!last.empty() && ExtractUserKey(e.first) == last)
          continue;  // keys are non-empty
        last = std::string(ExtractUserKey(e.first));
        if (ExtractValueType(e.first) == ValueType::kValue)
          expected.push_back(e);
      }
      EXPECT_EQ(output, expected);
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::compaction
