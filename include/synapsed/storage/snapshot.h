// Snapshot: a read-only view of a store frozen at one point in time.
//
// GetSnapshot() returns a move-only handle (SnapshotHandle); pass the snapshot
// in ReadOptions::snapshot to read the state as of that moment. Releasing the
// handle lets the store reclaim versions only it could see. A snapshot must
// not outlive the store that made it, and is only valid with that store.
#ifndef SYNAPSED_STORAGE_SNAPSHOT_H_
#define SYNAPSED_STORAGE_SNAPSHOT_H_

#include <cstdint>
#include <memory>

namespace synapsed::storage {

class Snapshot {
 public:
  virtual ~Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The store-specific point in time (a sequence number in LSM backends).
  uint64_t sequence() const { return sequence_; }
  // The store that made this snapshot.
  const void* owner() const { return owner_; }

 protected:
  Snapshot(const void* owner, uint64_t sequence)
      : owner_(owner), sequence_(sequence) {}

 private:
  const void* owner_;
  uint64_t sequence_;
};

using SnapshotHandle = std::unique_ptr<const Snapshot>;

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_SNAPSHOT_H_
