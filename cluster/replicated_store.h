// ReplicatedStore: one partition's replica seen as a Store — the node's
// member of the partition's Raft group (raft_node.h) and the replica's own
// store, which the group's PartitionMachine writes. What a server or an
// embedding program calls, the way it calls any backend.
//
//   - Writes (Put, Delete, Write) become one write command each, proposed
//     to the group with the configured min_replicas; they return once the
//     entry committed on a majority and this node applied it. A write is
//     durable when acknowledged (Raft's log is synced), whatever
//     WriteOptions::sync says.
//   - Reads with consistency kStrong (the default) first confirm through a
//     Raft barrier that this node still leads and has applied everything
//     committed before the read, then read the local store: linearizable.
//     kEventual reads the local store at once (any replica, possibly stale).
//     A read at a snapshot reads that snapshot and needs no barrier.
//   - Transactions begin on the leader's snapshot (after a barrier) and
//     commit as one transaction command: its conditions (the value, by
//     SHA-256, each written or GetForUpdate key had in the snapshot) are
//     checked again where the entry is applied, so first-committer-wins
//     holds on every replica alike (partition_command.h).
//   - Not the leader: writes, strong reads and transactions fail with
//     FailedPrecondition naming the leader if one is known (what a server
//     turns into -MOVED or -TRYAGAIN). Fewer reachable replicas than
//     min_replicas: Unavailable "insufficient replicas", nothing applied.
//   - Keys under kReservedPrefix are the replica's own: writing one is
//     InvalidArgument, and reads, iterators and change streams never show
//     them (reserved_keys.h).
//   - Subscribe streams the local store's changes: every replica's
//     subscribers see every applied change, leader or not.
//
// Thread-safe, like the stores it is made of. Built over a node and a
// store the caller keeps (they outlive it), or opened whole with Open,
// which owns its engine, state machine and node.
#ifndef SYNAPSED_CLUSTER_REPLICATED_STORE_H_
#define SYNAPSED_CLUSTER_REPLICATED_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "api/optimistic_transaction.h"
#include "cluster/partition_machine.h"
#include "cluster/raft_node.h"
#include "engine/options.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::cluster {

// The read consistency of synapsed/storage/config.h, which the
// distributed backend's config names too.
using ::synapsed::storage::ReadConsistency;

struct ReplicatedStoreOptions {
  // Voters that must be reachable (the leader included) for a write or a
  // transaction to be proposed; 0: no check beyond Raft's majority.
  uint32_t min_replicas = 0;
  ReadConsistency consistency = ReadConsistency::kStrong;
  // How long a write, barrier or commit may wait for the group.
  std::chrono::milliseconds timeout{5000};
};

// One replica, opened whole by ReplicatedStore::Open.
struct ReplicaOptions {
  // The replica's native engine goes in `dir`/data, its Raft log in `dir`/raft.
  std::string dir;
  // Everything but `dir` and `state_machine`, which Open sets.
  RaftNodeOptions raft;
  engine::EngineOptions engine;
  ReplicatedStoreOptions store;
};

class ReplicatedStore final : public Store, public TransactionCommitter {
 public:
  ReplicatedStore(RaftNode* node, Store* local, ReplicatedStoreOptions options);
  // Opens (or creates) the replica's engine, its partition machine over it,
  // and its Raft node, and returns the store over them, which owns them:
  // destroying it stops the node first, then closes the engine.
  static absl::StatusOr<std::unique_ptr<ReplicatedStore>> Open(const ReplicaOptions& options);
  ~ReplicatedStore() override;

  RaftNode* node() const { return node_; }
  Store* local() const { return local_; }
  // The state machine Open made; null when built over the caller's parts.
  const PartitionMachine* machine() const;

  using Storage::Delete;
  using Storage::Exists;
  using Storage::Get;
  using Storage::Put;
  using TransactionalStorage::BeginTransaction;

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override;
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status Flush() override;
  absl::StatusOr<SnapshotHandle> GetSnapshot() override;
  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override;
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override;

  std::string Name() const override;
  // "raft": this replica's Raft status as JSON; anything else is the local
  // store's.
  absl::StatusOr<std::string> GetProperty(std::string_view name) override;
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override;
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override;

  // The replica's own keys (reserved_keys.h), which clients cannot write:
  // sets `key` to `value` if it still holds `expected` (nullopt: absent)
  // when the entry is applied — Aborted "transaction conflict" if not —
  // through the group like any write. InvalidArgument for a key that is
  // not reserved.
  absl::Status CompareAndSetReserved(std::string_view key,
                                     std::optional<std::string_view> expected,
                                     std::string_view value);
  // A reserved key's value in this replica (NotFound if absent), after a
  // barrier: what the group committed before the call. Only on the leader.
  absl::StatusOr<std::string> ReadReserved(std::string_view key);

  // The transactions' commit (TransactionCommitter): one transaction
  // command with a condition per key in `check_keys`.
  absl::Status CommitTransaction(const WriteOptions& options, const WriteBatch& batch,
                                 const Snapshot& snapshot,
                                 std::span<const std::string> check_keys) override;

 private:
  // The barrier a strong read without a snapshot needs; OK otherwise.
  absl::Status ReadBarrier(const ReadOptions& options);
  // Proposes `command` and returns what applying it answered.
  absl::Status Propose(const std::string& command);

  struct Parts;  // what Open made
  ReplicatedStore(std::unique_ptr<Parts> parts, ReplicatedStoreOptions options);

  std::unique_ptr<Parts> parts_;  // null when built over the caller's parts
  RaftNode* const node_;
  Store* const local_;
  const ReplicatedStoreOptions options_;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_REPLICATED_STORE_H_
