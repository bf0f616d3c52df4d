// Read-triggered L0 compaction. The L0 tables under the compaction trigger
// stay where they are while writes go on (each new flush would otherwise
// rewrite the base level for a table or two). Once writes stop, every read
// still pays for probing them: a Get looks into each L0 table whose range
// holds its key, and an iterator positions every one of them. LevelDB
// charges such wasted probes to the table and compacts it when its budget
// runs out; here the charges are counted per database, and the L0 tables
// go down only when a whole window of them passed with no write, so a
// store that keeps being written is never compacted for its readers.
#include "engine/db_impl.h"

namespace synapsed::storage::engine {

void DBImpl::ChargeL0Reads(int64_t probes) {
  if (l0_read_charges_.fetch_add(probes, std::memory_order_relaxed) + probes <
      kL0ReadWindow) {
    return;
  }
  // One reader closes the window.
  if (l0_read_charges_.exchange(0, std::memory_order_relaxed) < kL0ReadWindow) return;
  const SequenceNumber now = last_sequence_.load(std::memory_order_acquire);
  if (l0_read_window_seq_.exchange(now, std::memory_order_relaxed) != now) return;
  l0_read_triggers_.fetch_add(1, std::memory_order_relaxed);
  l0_read_compaction_wanted_.store(true, std::memory_order_relaxed);
  MutexLock l(&mu_);
  bg_cv_.SignalAll();
}

}  // namespace synapsed::storage::engine
