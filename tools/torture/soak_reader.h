// A reader thread of the soak (torture/soak_mode.cc): point reads,
// iterators and snapshots over the whole key space while the writers run,
// each result checked on its own — the oracle's exact state belongs to the
// writer threads, so a reader checks what holds whatever they do:
//   - a value read is exactly the value some write of that key stored
//     (torture/value_codec.h), never another key's or a torn one;
//   - reads without a snapshot never go back in time: a key read twice
//     holds the same write or a later one (write ids of a key only grow);
//   - an iterator yields keys in order, inside its range, each with a value
//     as above;
//   - a snapshot reads the same thing every time it is asked, however long
//     it is held (up to max_hold) and whatever flushes and compactions ran
//     meanwhile; some are held for seconds so compactions meet them.
#ifndef SYNAPSED_TOOLS_TORTURE_SOAK_READER_H_
#define SYNAPSED_TOOLS_TORTURE_SOAK_READER_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "synapsed/storage/storage.h"
#include "tools/torture/workload.h"

namespace synapsed::storage::torture {

struct SoakReaderOptions {
  uint32_t num_keys = 0;
  uint64_t seed = 0;
  std::chrono::milliseconds max_hold{5000};
};

// Runs until *stop, or the first failed read (that status) or wrong result
// (Internal, described in stats->problems). Counts reads in stats, which
// only this thread touches until it returns; `reads` (if set) gets the
// count as it goes, for whoever samples progress meanwhile.
[[nodiscard]] absl::Status RunSoakReader(Store* db, const SoakReaderOptions& options,
                                         const std::atomic<bool>* stop, WorkloadStats* stats,
                                         std::atomic<uint64_t>* reads = nullptr);

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_SOAK_READER_H_
