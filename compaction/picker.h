// The leveled compaction picker: scores each level and chooses the next
// compaction's input tables. Pure policy over an LsmShape: no I/O, no locks.
// (See picker.cc's header comment for the scoring and the dynamic level
// sizing; golden tests in compaction/testdata/ pin the behaviour.)
#ifndef SYNAPSED_COMPACTION_PICKER_H_
#define SYNAPSED_COMPACTION_PICKER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compaction/file_metadata.h"

namespace synapsed::storage::compaction {

struct PickerOptions {
  // L0 is compacted when it holds this many tables (score = count / this).
  int l0_compaction_trigger = 4;
  // The smallest target a non-empty level above the last gets: levels are
  // sized from the last one up (each 1/multiplier of the one below), and the
  // base level (the one L0 compacts into) is the highest whose target is at
  // least this.
  uint64_t base_level_bytes = 64ull << 20;
  int level_multiplier = 10;
  // Output tables are cut at about this size.
  uint64_t target_file_size = 8ull << 20;
  // A compaction's inputs (both levels) stop growing past this.
  uint64_t max_compaction_bytes = 25 * (8ull << 20);
};

struct LevelScore {
  int level = 0;
  double score = 0;           // >= 1: needs compaction
  uint64_t target_bytes = 0;  // 0 for L0 and for levels that should be empty
  uint64_t actual_bytes = 0;
};

struct CompactionPick {
  int level = 0;         // inputs[0] come from here
  int output_level = 0;  // inputs[1] come from here, outputs go here
  std::vector<FileRef> inputs[2];
  // The single input overlaps nothing in output_level: move it by a
  // manifest edit alone.
  bool trivial_move = false;
  // No level below output_level holds a key in the inputs' range: deletion
  // markers that no snapshot needs can be dropped.
  bool bottommost = false;
  double score = 0;
  std::string reason;  // e.g. "L0 file count 5 >= 4", "L2 size 1.3x target"
};

// "10MB", "1.5KB": the sizes the picker's reasons and golden tests print.
std::string FormatBytes(uint64_t bytes);

// Scores of every level, highest score first (ties: upper level first).
// Tables in `busy` do not count towards a score.
std::vector<LevelScore> ScoreLevels(const LsmShape& shape,
                                    const PickerOptions& options,
                                    const std::set<uint64_t>& busy = {});

// The level L0 compacts into under dynamic level sizing (1..6).
int BaseLevel(const LsmShape& shape, const PickerOptions& options);

// The next compaction, or nullopt when every score is < 1. Tables whose
// number is in `busy` (being compacted) are never chosen, nor are picks
// that would overlap them in the output level.
std::optional<CompactionPick> PickCompaction(const LsmShape& shape,
                                             const PickerOptions& options,
                                             const std::set<uint64_t>& busy);

// L0 into the level it compacts into although L0 is under its trigger: the
// engine asks for it when reads have kept paying for probing its tables
// while no write came (engine/db_read_compaction.cc). nullopt when L0 is
// empty or the pick would touch a busy table.
std::optional<CompactionPick> PickL0ForReads(const LsmShape& shape,
                                             const PickerOptions& options,
                                             const std::set<uint64_t>& busy);

// A manual compaction of the user-key range [begin, end] (nullopt: open)
// from `level` into the next non-empty-or-base level; nullopt if `level`
// has nothing in range, or if the pick would touch a busy table. For L1..L5
// a pick covers a prefix of the range within max_compaction_bytes, so the
// engine calls it for one level until nullopt (each pick moves its inputs
// out of `level`), then for the next level, to CompactRange down to the
// last level. For the last level (6) the pick rewrites its tables in range
// in place (output_level == level, bottommost, cut cleanly, no byte limit):
// call it once.
std::optional<CompactionPick> PickRangeCompaction(
    const LsmShape& shape, const PickerOptions& options, int level,
    const std::optional<std::string>& begin, const std::optional<std::string>& end,
    const std::set<uint64_t>& busy);

}  // namespace synapsed::storage::compaction

#endif  // SYNAPSED_COMPACTION_PICKER_H_
