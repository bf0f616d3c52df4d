#include "compaction/pending_bytes.h"

#include <algorithm>
#include <array>

namespace synapsed::storage::compaction {

uint64_t EstimatePendingCompactionBytes(const LsmShape& shape,
                                        const PickerOptions& options) {
  std::array<uint64_t, kNumLevels> target{};
  for (const LevelScore& s : ScoreLevels(shape, options)) {
    target[s.level] = s.target_bytes;
  }
  const int base = BaseLevel(shape, options);
  // Where a level's excess goes: the next level at or below the base level,
  // and from above it the first non-empty level or the base level.
  auto OutputOf = [&](int level) {
    if (level >= base) return level + 1;
    int m = level + 1;
    while (m < base && shape.levels[m].empty()) ++m;
    return m;
  };
  double pending = 0;
  uint64_t carry = 0;
  if (static_cast<int>(shape.levels[0].size()) >=
      std::max(options.l0_compaction_trigger, 1)) {
    carry = shape.LevelBytes(0);
    pending += static_cast<double>(carry + shape.LevelBytes(base));
  }
  for (int level = 1; level < kNumLevels - 1; ++level) {
    const uint64_t own = shape.LevelBytes(level);
    if (own == 0 && level < base) continue;  // the carry passes through
    const uint64_t size = own + carry;
    if (size <= target[level]) {
      carry = 0;
      continue;
    }
    const uint64_t excess = size - target[level];
    const double below_per_byte =
        static_cast<double>(shape.LevelBytes(OutputOf(level))) /
        static_cast<double>(std::max<uint64_t>(size, 1));
    pending += static_cast<double>(excess) * (1.0 + below_per_byte);
    carry = excess;
  }
  return static_cast<uint64_t>(pending);
}

}  // namespace synapsed::storage::compaction
