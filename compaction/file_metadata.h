// FileMetaData: what the engine knows of one live table, and the LSM shape
// (tables per level) that compaction policy reasons about.
//
// Levels L0..L6. L0 tables may overlap each other (each is one flushed
// memtable; newer tables have larger numbers). In L1..L6 each level is one
// sorted run: its tables do not overlap and are kept sorted by smallest key.
//
// Immutable once published (but for the reader its slot pins); shared by
// versions through shared_ptr.
#ifndef SYNAPSED_COMPACTION_FILE_METADATA_H_
#define SYNAPSED_COMPACTION_FILE_METADATA_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sstable/table_slot.h"
#include "util/internal_key.h"

namespace synapsed::storage::compaction {

inline constexpr int kNumLevels = 7;

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // internal key
  std::string largest;   // internal key
  SequenceNumber smallest_seq = 0;
  SequenceNumber largest_seq = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  // The table's open reader once a lookup has pinned it (TableCache); a
  // copy of the metadata starts without one.
  sstable::TableSlot table;
};

using FileRef = std::shared_ptr<const FileMetaData>;

// Tables per level; L1+ sorted by smallest key, L0 by number (oldest first).
struct LsmShape {
  std::array<std::vector<FileRef>, kNumLevels> levels;

  uint64_t LevelBytes(int level) const {
    uint64_t total = 0;
    for (const auto& f : levels[level]) total += f->file_size;
    return total;
  }
};

}  // namespace synapsed::storage::compaction

#endif  // SYNAPSED_COMPACTION_FILE_METADATA_H_
