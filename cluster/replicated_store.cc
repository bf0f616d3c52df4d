#include "cluster/replicated_store.h"

#include <filesystem>
#include <system_error>
#include <vector>

#include "cluster/partition_command.h"
#include "cluster/partition_machine.h"
#include "cluster/reserved_keys.h"
#include "engine/db.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {

// Declared in this order so that they close in the reverse one: the node
// (which calls the machine) first, the engine last.
struct ReplicatedStore::Parts {
  std::unique_ptr<Store> engine;
  std::unique_ptr<PartitionMachine> machine;
  std::unique_ptr<RaftNode> node;
};

ReplicatedStore::ReplicatedStore(RaftNode* node, Store* local, ReplicatedStoreOptions options)
    : node_(node), local_(local), options_(options) {}

ReplicatedStore::ReplicatedStore(std::unique_ptr<Parts> parts, ReplicatedStoreOptions options)
    : parts_(std::move(parts)),
      node_(parts_->node.get()),
      local_(parts_->engine.get()),
      options_(options) {}

ReplicatedStore::~ReplicatedStore() = default;

absl::StatusOr<std::unique_ptr<ReplicatedStore>> ReplicatedStore::Open(
    const ReplicaOptions& options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("ReplicaOptions: dir is required");
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return absl::UnavailableError(fmt::format("create {}: {}", options.dir, ec.message()));
  }
  auto parts = std::make_unique<Parts>();
  ASSIGN_OR_RETURN(parts->engine, engine::OpenNativeStore(options.engine, options.dir + "/data"));
  ASSIGN_OR_RETURN(parts->machine, PartitionMachine::Open(parts->engine.get()));
  RaftNodeOptions raft = options.raft;
  raft.dir = options.dir + "/raft";
  raft.state_machine = parts->machine.get();
  ASSIGN_OR_RETURN(parts->node, RaftNode::Start(raft));
  return std::unique_ptr<ReplicatedStore>(new ReplicatedStore(std::move(parts), options.store));
}

const PartitionMachine* ReplicatedStore::machine() const {
  return parts_ != nullptr ? parts_->machine.get() : nullptr;
}

absl::Status ReplicatedStore::ReadBarrier(const ReadOptions& options) {
  if (options.snapshot != nullptr || options_.consistency == ReadConsistency::kEventual) {
    return absl::OkStatus();
  }
  return node_->Barrier(options_.timeout);
}

absl::Status ReplicatedStore::Propose(const std::string& command) {
  ASSIGN_OR_RETURN(std::string result,
                   node_->Propose(command, options_.timeout, options_.min_replicas));
  return DecodeResult(result);
}

absl::Status ReplicatedStore::Get(const ReadOptions& options, std::string_view key,
                                  PinnableValue* value) {
  RETURN_IF_ERROR(ValidateKey(key));
  RETURN_IF_ERROR(CheckUserKey(key));
  RETURN_IF_ERROR(ReadBarrier(options));
  return local_->Get(options, key, value);
}

absl::Status ReplicatedStore::Put(const WriteOptions&, std::string_view key,
                                  std::string_view value) {
  WriteBatch batch;
  RETURN_IF_ERROR(batch.Put(key, value));
  return Write(WriteOptions(), batch);
}

absl::Status ReplicatedStore::Delete(const WriteOptions&, std::string_view key) {
  WriteBatch batch;
  RETURN_IF_ERROR(batch.Delete(key));
  return Write(WriteOptions(), batch);
}

absl::Status ReplicatedStore::Write(const WriteOptions&, const WriteBatch& batch) {
  RETURN_IF_ERROR(CheckUserKeys(batch));
  if (batch.Count() == 0) return absl::OkStatus();
  return Propose(EncodeWriteCommand(batch));
}

absl::Status ReplicatedStore::Flush() { return local_->Flush(); }

absl::StatusOr<SnapshotHandle> ReplicatedStore::GetSnapshot() {
  RETURN_IF_ERROR(ReadBarrier(ReadOptions()));
  return local_->GetSnapshot();
}

std::unique_ptr<Iterator> ReplicatedStore::NewIterator(const ReadOptions& options,
                                                       const KeyRange& range) {
  if (absl::Status s = ReadBarrier(options); !s.ok()) return NewErrorIterator(s);
  return HideReservedKeys(local_->NewIterator(options, range));
}

absl::StatusOr<std::unique_ptr<Transaction>> ReplicatedStore::BeginTransaction(
    const TransactionOptions&) {
  ASSIGN_OR_RETURN(SnapshotHandle snapshot, GetSnapshot());
  return std::unique_ptr<Transaction>(
      std::make_unique<OptimisticTransaction>(this, this, std::move(snapshot)));
}

absl::Status ReplicatedStore::CommitTransaction(const WriteOptions&, const WriteBatch& batch,
                                                const Snapshot& snapshot,
                                                std::span<const std::string> check_keys) {
  RETURN_IF_ERROR(CheckUserKeys(batch));
  ReadOptions at_snapshot;
  at_snapshot.snapshot = &snapshot;
  std::vector<PartitionCondition> conditions;
  conditions.reserve(check_keys.size());
  for (const std::string& key : check_keys) {
    RETURN_IF_ERROR(CheckUserKey(key));
    absl::StatusOr<std::string> value = local_->Get(key, at_snapshot);
    PartitionCondition c{.key = key};
    if (value.ok()) {
      ASSIGN_OR_RETURN(c.value_hash, HashValue(*value));
    } else if (!absl::IsNotFound(value.status())) {
      return value.status();
    }
    conditions.push_back(std::move(c));
  }
  // A read-only transaction with nothing to check commits trivially.
  if (conditions.empty() && batch.Count() == 0) return absl::OkStatus();
  return Propose(EncodeTransactionCommand(conditions, batch));
}

absl::Status ReplicatedStore::CompareAndSetReserved(std::string_view key,
                                                    std::optional<std::string_view> expected,
                                                    std::string_view value) {
  if (!IsReservedKey(key)) {
    return absl::InvalidArgumentError("CompareAndSetReserved: not a reserved key");
  }
  PartitionCondition c{.key = std::string(key)};
  if (expected.has_value()) {
    ASSIGN_OR_RETURN(c.value_hash, HashValue(*expected));
  }
  WriteBatch batch;
  RETURN_IF_ERROR(batch.Put(key, value));
  return Propose(EncodeTransactionCommand(std::span(&c, 1), batch));
}

absl::StatusOr<std::string> ReplicatedStore::ReadReserved(std::string_view key) {
  if (!IsReservedKey(key)) return absl::InvalidArgumentError("ReadReserved: not a reserved key");
  RETURN_IF_ERROR(node_->Barrier(options_.timeout));
  return local_->Get(key);
}

std::string ReplicatedStore::Name() const { return "replicated(" + local_->Name() + ")"; }

absl::StatusOr<std::string> ReplicatedStore::GetProperty(std::string_view name) {
  if (name != "raft") return local_->GetProperty(name);
  const RaftStatus s = node_->Status();
  nlohmann::json j = {{"id", s.id},
                      {"leader_id", s.leader_id},
                      {"leader_address", s.leader_address},
                      {"is_leader", s.is_leader},
                      {"term", s.term},
                      {"commit_index", s.commit_index},
                      {"last_applied", s.last_applied},
                      {"reachable_voters", s.reachable_voters},
                      {"rejected_connections", s.rejected_connections}};
  nlohmann::json peers = nlohmann::json::array();
  for (const RaftPeerProgress& p : s.peers) {
    peers.push_back({{"id", p.id},
                     {"address", p.address},
                     {"voter", p.voter},
                     {"match_index", p.match_index},
                     {"reachable", p.reachable}});
  }
  j["peers"] = std::move(peers);
  if (const PartitionMachine* m = machine()) j["snapshots_restored"] = m->restores();
  return j.dump();
}

absl::Status ReplicatedStore::CompactRange(std::optional<std::string_view> begin,
                                           std::optional<std::string_view> end) {
  return local_->CompactRange(begin, end);
}

absl::StatusOr<std::unique_ptr<ChangeStream>> ReplicatedStore::Subscribe(
    const KeyRange& range, const SubscribeOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ChangeStream> inner, local_->Subscribe(range, options));
  return HideReservedKeys(std::move(inner));
}

}  // namespace synapsed::storage::cluster
