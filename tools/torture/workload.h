// The torture workload: one writer thread's loop of random puts, deletes,
// batches, transactions (commit, rollback, retry on Aborted), snapshot reads,
// iterators, point reads, flushes, compactions and syncs, recorded in the
// oracle (torture/oracle.h) as it goes.
//
// Thread t writes only the keys it owns (k % threads == t), so it knows
// their exact current value and checks every read of them live; keys of the
// other thread are read (and locked with GetForUpdate, to cause conflicts)
// and checked to be some value a write stored.
//
// Stops when control.stop is set, after max_ops, when the oracle's trace is
// full (OK), or at the first failed operation (that status) or wrong read
// (Internal, described in stats->problems).
#ifndef SYNAPSED_TOOLS_TORTURE_WORKLOAD_H_
#define SYNAPSED_TOOLS_TORTURE_WORKLOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "synapsed/storage/storage.h"
#include "tools/torture/oracle.h"

namespace synapsed::storage::torture {

enum MixOp {
  kOpPut, kOpDelete, kOpBatch, kOpTxn, kOpSnapshot, kOpIter, kOpGet,
  kOpFlush, kOpCompact, kOpSync, kNumMixOps
};

// "put=40,del=10,..." (names: put del batch txn snapshot iter get flush
// compact sync); unnamed ops keep their default weight.
[[nodiscard]] absl::Status ParseMix(const std::string& spec, uint32_t mix[kNumMixOps]);
void DefaultMix(uint32_t mix[kNumMixOps]);
std::string MixString(const uint32_t mix[kNumMixOps]);

struct WorkloadStats {
  uint64_t ops = 0;
  uint64_t acked_writes = 0;  // key writes acknowledged
  uint64_t aborted = 0;       // transaction commits that failed with Aborted
  uint64_t reads_checked = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> problems;
  void Merge(const WorkloadStats& o);
};

struct WorkloadControl {
  std::atomic<bool>* stop = nullptr;
  uint64_t max_ops = 0;  // per thread; 0: until stopped
  // Counts ops over all threads; `trigger` runs once when it reaches trigger_at.
  std::atomic<uint64_t>* op_counter = nullptr;
  uint64_t trigger_at = 0;
  std::function<void()> trigger;
};

[[nodiscard]] absl::Status RunWorkloadThread(Store* db, Oracle* oracle, int thread,
                                             const WorkloadControl& control,
                                             WorkloadStats* stats);

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_WORKLOAD_H_
