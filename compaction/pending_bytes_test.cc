#include "compaction/pending_bytes.h"

#include <memory>

#include "gtest/gtest.h"

namespace synapsed::storage::compaction {
namespace {

constexpr uint64_t kMB = 1ull << 20;

// Sizes are all the estimate reads; keys do not matter to it.
void AddTable(LsmShape* shape, int level, uint64_t bytes) {
  auto f = std::make_shared<FileMetaData>();
  f->number = shape->levels[level].size() + 1 + 100 * level;
  f->file_size = bytes;
  shape->levels[level].push_back(std::move(f));
}

TEST(PendingBytesTest, EmptyAndSettledShapesOweNothing) {
  PickerOptions options;
  LsmShape shape;
  EXPECT_EQ(EstimatePendingCompactionBytes(shape, options), 0u);
  // L6 1000MB, L5 at its 100MB target; L0 below the trigger.
  AddTable(&shape, 6, 1000 * kMB);
  AddTable(&shape, 5, 100 * kMB);
  AddTable(&shape, 0, kMB);
  AddTable(&shape, 0, kMB);
  EXPECT_EQ(EstimatePendingCompactionBytes(shape, options), 0u);
}

TEST(PendingBytesTest, FullL0CountsItselfAndTheBaseLevel) {
  PickerOptions options;  // trigger 4
  LsmShape shape;
  AddTable(&shape, 6, 10 * kMB);  // a small database: the base level is L6
  for (int i = 0; i < 4; ++i) AddTable(&shape, 0, kMB);
  // 4MB of L0 moved down, rewriting L6's 10MB with it; the empty levels
  // between pass it through without counting it again.
  EXPECT_EQ(EstimatePendingCompactionBytes(shape, options), 14 * kMB);
}

TEST(PendingBytesTest, ALevelOverItsTargetCountsTheExcessAndItsShareBelow) {
  PickerOptions options;
  LsmShape shape;
  AddTable(&shape, 6, 1000 * kMB);  // L5's target: 100MB
  AddTable(&shape, 5, 150 * kMB);
  // 50MB moves down; each byte of L5 meets 1000/150 bytes of L6.
  const double expected = 50.0 * kMB * (1.0 + 1000.0 / 150.0);
  EXPECT_NEAR(static_cast<double>(EstimatePendingCompactionBytes(shape, options)),
              expected, 1.0);
}

TEST(PendingBytesTest, ALevelAboveTheBaseLevelDrainsIntoTheBaseLevel) {
  PickerOptions options;
  LsmShape shape;
  AddTable(&shape, 6, 20 * kMB);  // base level L6
  AddTable(&shape, 3, 5 * kMB);   // left above it: all of it must go
  // 5MB moves to L6 (the first non-empty level below), meeting 20/5 bytes
  // there per byte.
  EXPECT_EQ(EstimatePendingCompactionBytes(shape, options),
            5 * kMB * (1 + 4));
}

TEST(PendingBytesTest, TheCarryFromAboveCanPushALevelOverItsTarget) {
  PickerOptions options;
  LsmShape shape;
  AddTable(&shape, 6, 1000 * kMB);  // L5 target 100MB, base L5
  AddTable(&shape, 5, 90 * kMB);    // within target alone
  for (int i = 0; i < 4; ++i) AddTable(&shape, 0, 5 * kMB);
  // L0: 20MB + L5's 90MB. L5 then holds 110MB: 10MB over, meeting
  // 1000/110 bytes of L6 per byte.
  const double expected =
      110.0 * kMB + 10.0 * kMB * (1.0 + 1000.0 / 110.0);
  EXPECT_NEAR(static_cast<double>(EstimatePendingCompactionBytes(shape, options)),
              expected, 1.0);
}

}  // namespace
}  // namespace synapsed::storage::compaction
