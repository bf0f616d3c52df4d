// The settle step: after a workload that writes, every engine writes its
// memtable out and finishes the compactions its own policy calls for, so
// that the next workload reads a quiet store and the write workload is
// billed for all the disk writes it caused (a lazy engine's deferred
// compactions included).
//
// How each engine is asked, and how "finished" is decided:
//   native (and the layers over it)  Flush (memtables to L0 tables), then
//       its "stats.json" property until every level's compaction score is
//       below 1 and the flush and compaction counts stop moving;
//   rocksdb  Flush, then its properties rocksdb.compaction-pending,
//       rocksdb.num-running-compactions and rocksdb.num-running-flushes
//       until all are 0;
//   leveldb  which has no call that writes out the memtable alone:
//       CompactRange over a one-key range past every bench key (LevelDB
//       writes the memtable out before compacting the range, and no table
//       overlaps it), then its leveldb.sstables listing until no level is
//       over LevelDB's own trigger (4 files in L0; 10 MiB in L1, ten times
//       more per level below) and the listing stops changing;
//   sqlite, memory  Flush alone (nothing runs in the background).
#ifndef SYNAPSED_BENCH_DB_BENCH_SETTLE_H_
#define SYNAPSED_BENCH_DB_BENCH_SETTLE_H_

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::bench {

// Settles `store`, opened as `engine` by OpenEngine. Returns the seconds it
// took; DeadlineExceeded if the engine is still busy after `limit`.
[[nodiscard]] absl::StatusOr<double> Settle(
    const std::string& engine, Store* store,
    std::chrono::seconds limit = std::chrono::seconds(600));

// LevelDB's compaction trigger, from its "leveldb.sstables" listing: true
// if L0 holds 4 or more tables or a level L >= 1 holds more than
// 10 MiB * 10^(L-1). Exposed for its test.
bool LevelDbWantsCompaction(const std::string& sstables);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_SETTLE_H_
