#include "compaction/merging_iterator.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "compaction/vector_iterator_test_util.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::compaction {
namespace {

using ::synapsed::storage::testing::VectorIterator;
using Entries = std::vector<std::pair<std::string, std::string>>;

// How a test spreads the entries over the children.
enum class Spread {
  kRandom,  // each entry to any child
  kRuns,    // runs of consecutive entries to one child (as a scan meets levels)
  kOne,     // every entry in one child, the others empty
};

// A random walk (seeks both ways, steps both ways, turns) over a merge of
// `children` children, checked against the whole sorted list at every step:
// the merge must be exactly the list, whichever child each entry is in.
void CheckRandomWalk(Random& rnd, int children, Spread spread) {
  Entries all;
  for (int k = 0; k < 300; ++k) {
    // One to three versions of each user key, newest first in key order.
    const int versions = 1 + static_cast<int>(rnd.Uniform(3));
    for (int v = versions; v >= 1; --v) {
      all.emplace_back(MakeInternalKey(fmt::format("k{:04}", k), 100 * k + v, ValueType::kValue),
                       fmt::format("v{}.{}", k, v));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return CompareInternalKeys(a.first, b.first) < 0; });
  std::vector<Entries> parts(children);
  int run_child = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    int c = 0;
    if (spread == Spread::kRandom) c = static_cast<int>(rnd.Uniform(children));
    if (spread == Spread::kRuns) {
      if (rnd.OneIn(12)) run_child = static_cast<int>(rnd.Uniform(children));
      c = run_child;
    }
    parts[c].push_back(all[i]);
  }
  std::vector<std::unique_ptr<InternalIterator>> its;
  for (Entries& p : parts) its.push_back(std::make_unique<VectorIterator>(std::move(p)));
  std::unique_ptr<InternalIterator> merged = NewMergingIterator(std::move(its));

  // Where the model is: an index into `all`, or -1 (invalid).
  long at = -1;
  auto seek = [&](const std::string& target) {
    at = std::lower_bound(all.begin(), all.end(), target,
                          [](const auto& e, const std::string& t) {
                            return CompareInternalKeys(e.first, t) < 0;
                          }) -
         all.begin();
    if (at == static_cast<long>(all.size())) at = -1;
  };
  for (int step = 0; step < 3000; ++step) {
    const uint32_t op = rnd.Uniform(100);
    if (op < 3) {
      merged->SeekToFirst();
      at = 0;
    } else if (op < 6) {
      merged->SeekToLast();
      at = static_cast<long>(all.size()) - 1;
    } else if (op < 12 || at < 0) {
      const std::string target = MakeInternalKey(fmt::format("k{:04}", rnd.Uniform(310)),
                                                 rnd.Uniform(40000), ValueType::kValue);
      merged->Seek(target);
      seek(target);
    } else if (op < 60) {
      merged->Next();
      at = at + 1 == static_cast<long>(all.size()) ? -1 : at + 1;
    } else {
      merged->Prev();
      at = at - 1;
    }
    ASSERT_EQ(merged->Valid(), at >= 0) << "step " << step;
    ASSERT_TRUE(merged->status().ok());
    if (at < 0) continue;
    ASSERT_EQ(merged->key(), all[at].first) << "step " << step;
    ASSERT_EQ(merged->value(), all[at].second) << "step " << step;
  }
}

TEST(MergingIteratorTest, RandomWalksMatchTheSortedWhole) {
  Random rnd(testing::TestSeed());
  for (Spread spread : {Spread::kRandom, Spread::kRuns, Spread::kOne}) {
    for (int children : {1, 2, 3, 7}) {
      SCOPED_TRACE(fmt::format("spread {} children {}", static_cast<int>(spread), children));
      ASSERT_NO_FATAL_FAILURE(CheckRandomWalk(rnd, children, spread));
    }
  }
}

// A child that fails ends the walk where it fails, even while another child
// has entries left: the merge never steps past an error.
TEST(MergingIteratorTest, AChildsErrorEndsTheWalk) {
  Entries good, bad;
  for (int k = 0; k < 10; ++k) {
    (k < 3 ? bad : good)
        .emplace_back(MakeInternalKey(fmt::format("k{}", k), 1, ValueType::kValue), "v");
  }
  std::vector<std::unique_ptr<InternalIterator>> its;
  its.push_back(std::make_unique<VectorIterator>(good));
  its.push_back(std::make_unique<VectorIterator>(bad, absl::DataLossError("block 7 is corrupt")));
  auto merged = NewMergingIterator(std::move(its));
  int seen = 0;
  for (merged->SeekToFirst(); merged->Valid(); merged->Next()) ++seen;
  EXPECT_EQ(seen, 3);  // k0..k2, then the bad child ran out with its error
  EXPECT_EQ(merged->status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace synapsed::storage::compaction
