// PartitionMachine: the Raft state machine of one partition — its data is a
// store (the native engine on a node), its commands are writes
// (partition_command.h).
//
// Idempotent apply: the index of the last applied entry is written in the
// same batch as the entry's data, under kAppliedIndexKey, so the two reach
// the disk together. After a restart libraft replays its log from its last
// snapshot; entries at or below the stored index are skipped (and counted:
// skipped()), so nothing is applied twice.
//
// A command that is not a write (malformed bytes) is refused in its result
// and still advances the applied index: every replica refuses it alike. So
// is a transaction whose conditions do not hold (Aborted): each replica
// checks them against the same applied state, so all decide alike. A
// write the store fails to carry out (a full disk, an I/O error) cannot be
// skipped — the other replicas applied it — so the machine stops: that
// Apply and every later one return Unavailable and apply nothing, until the
// node restarts and the log replays from the stored index.
//
// Snapshots hold the applied index and every pair, in one buffer (format in
// docs/format/raft_command.md, "Partition snapshots"). That bounds a
// partition to what fits in memory twice over; sending table files instead
// is still to do. Restore replaces the store's contents atomically (one
// batch).
//
// Keys starting with kReservedPrefix are the machine's (reserved_keys.h);
// the replicated store refuses them from clients and hides them.
//
// Thread-compatible: libraft calls it from one thread; applied_index(),
// skipped() and stopped() may be read from any thread.
#ifndef SYNAPSED_CLUSTER_PARTITION_MACHINE_H_
#define SYNAPSED_CLUSTER_PARTITION_MACHINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/partition_command.h"
#include "cluster/raft_node.h"
#include "cluster/reserved_keys.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::cluster {

class PartitionMachine : public RaftStateMachine {
 public:
  // `db` outlives the machine. Reads the stored applied index (DataLoss if
  // it is not 8 bytes).
  static absl::StatusOr<std::unique_ptr<PartitionMachine>> Open(Store* db);

  std::string Apply(uint64_t index, std::string_view command) override;
  std::string Snapshot() override;
  absl::Status Restore(std::string_view snapshot) override;

  uint64_t applied_index() const { return applied_.load(); }
  uint64_t skipped() const { return skipped_.load(); }
  bool stopped() const { return stopped_.load(); }
  // Snapshots restored since the machine opened: the node's own at start,
  // or one its leader sent because the entries it lacked were trimmed.
  uint64_t restores() const { return restores_.load(); }

 private:
  explicit PartitionMachine(Store* db, uint64_t applied) : db_(db), applied_(applied) {}
  // Aborted naming the first condition that does not hold; Unavailable if
  // the store cannot be read.
  absl::Status CheckConditions(const std::vector<PartitionCondition>& conditions);

  Store* const db_;
  std::atomic<uint64_t> applied_;
  std::atomic<uint64_t> skipped_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> restores_{0};
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_PARTITION_MACHINE_H_
