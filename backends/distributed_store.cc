#include "backends/distributed_store.h"

#include <optional>
#include <string>
#include <vector>

#include "backends/cluster_client.h"
#include "backends/distributed_iterator.h"
#include "backends/distributed_transaction.h"
#include "backends/hash_slot.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

// InvalidArgument unless every key is in one partition; that partition's
// first key's slot otherwise.
absl::StatusOr<uint16_t> OnePartition(const ClusterClient& client,
                                      std::span<const std::string_view> keys) {
  const uint16_t slot = KeyHashSlot(keys.front());
  const size_t p = client.PartitionOfSlot(slot);
  for (std::string_view k : keys) {
    if (const size_t q = client.PartitionOfSlot(KeyHashSlot(k)); q != p) {
      return absl::InvalidArgumentError(fmt::format(
          "CROSSSLOT: keys {:?} and {:?} are in partitions {} and {}; a batch stays in one "
          "partition (use a hash tag, e.g. {{user1}}.name, to keep keys together)",
          keys.front().substr(0, 64), k.substr(0, 64), p, q));
    }
  }
  return slot;
}

class DistributedStore final : public Store {
 public:
  explicit DistributedStore(std::unique_ptr<ClusterClient> client) : client_(std::move(client)) {}

  std::string Name() const override { return "distributed"; }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    if (options.snapshot != nullptr) return NoSnapshots();
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(RespReply r, client_->Call(KeyHashSlot(key), {"GET", key}));
    if (r.type == RespReply::Type::kNull) return absl::NotFoundError("");
    if (r.type != RespReply::Type::kBulk) return Unexpected("GET", r);
    *value->GetSelf() = std::move(r.str);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Exists(const ReadOptions& options, std::string_view key) override {
    if (options.snapshot != nullptr) return NoSnapshots();
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(RespReply r, client_->Call(KeyHashSlot(key), {"EXISTS", key}));
    if (r.type != RespReply::Type::kInteger) return Unexpected("EXISTS", r);
    return r.integer > 0;
  }

  absl::Status Put(const WriteOptions&, std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    ASSIGN_OR_RETURN(RespReply r, client_->Call(KeyHashSlot(key), {"SET", key, value}));
    return r.type == RespReply::Type::kStatus ? absl::OkStatus() : Unexpected("SET", r);
  }

  absl::Status Delete(const WriteOptions&, std::string_view key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(RespReply r, client_->Call(KeyHashSlot(key), {"DEL", key}));
    return r.type == RespReply::Type::kInteger ? absl::OkStatus() : Unexpected("DEL", r);
  }

  absl::Status Write(const WriteOptions&, const WriteBatch& batch) override {
    std::vector<ClusterClient::Command> commands = {{"MULTI"}};
    std::vector<std::string_view> keys;
    RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          commands.push_back({"SET", k, v});
          keys.push_back(k);
        },
        [&](std::string_view k) {
          commands.push_back({"DEL", k});
          keys.push_back(k);
        }));
    // (WriteBatch checked every key and value against the limits.)
    if (keys.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(uint16_t slot, OnePartition(*client_, keys));
    commands.push_back({"EXEC"});
    ASSIGN_OR_RETURN(std::vector<RespReply> replies, client_->Call(slot, commands));
    for (const RespReply& r : replies) RETURN_IF_ERROR(ReplyStatus(r, "the batch"));
    const RespReply& exec = replies.back();
    if (exec.type != RespReply::Type::kArray || exec.elements.size() != keys.size()) {
      return Unexpected("EXEC", exec);
    }
    for (const RespReply& r : exec.elements) RETURN_IF_ERROR(ReplyStatus(r, "the batch"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options, std::span<const std::string_view> keys) override {
    if (options.snapshot != nullptr) return NoSnapshots();
    if (keys.empty()) return std::vector<std::optional<std::string>>();
    for (std::string_view k : keys) RETURN_IF_ERROR(ValidateKey(k));
    ASSIGN_OR_RETURN(uint16_t slot, OnePartition(*client_, keys));
    ClusterClient::Command mget = {"MGET"};
    mget.insert(mget.end(), keys.begin(), keys.end());
    ASSIGN_OR_RETURN(RespReply r, client_->Call(slot, mget));
    if (r.type != RespReply::Type::kArray || r.elements.size() != keys.size()) {
      return Unexpected("MGET", r);
    }
    std::vector<std::optional<std::string>> values;
    for (RespReply& v : r.elements) {
      if (v.type == RespReply::Type::kNull) {
        values.push_back(std::nullopt);
      } else if (v.type == RespReply::Type::kBulk) {
        values.push_back(std::move(v.str));
      } else {
        return Unexpected("MGET", v);
      }
    }
    return values;
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    if (options.snapshot != nullptr) return NewErrorIterator(NoSnapshots());
    return NewDistributedIterator(client_.get(), range);
  }

  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    return NewDistributedTransaction(client_.get());
  }

  absl::Status Flush() override { return absl::OkStatus(); }

  absl::StatusOr<SnapshotHandle> GetSnapshot() override { return NoSnapshots(); }

  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "distributed.topology") return Store::GetProperty(name);
    const ClusterTopology t = client_->Topology();
    std::string out;
    for (size_t p = 0; p < t.partitions(); ++p) {
      const PartitionRoute& r = t.partition(p);
      std::vector<std::string> ranges;
      for (const auto& [first, last] : r.slots) ranges.push_back(fmt::format("{}-{}", first, last));
      out += fmt::format("partition {}: slots {} leader {} replicas {}\n", p,
                         fmt::join(ranges, ","), r.leader, fmt::join(r.replicas, ","));
    }
    return out;
  }

 private:
  static absl::Status NoSnapshots() {
    return absl::UnimplementedError(
        "the distributed backend has no snapshots: its partitions are separate Raft groups "
        "with no common read point");
  }

  static absl::Status Unexpected(std::string_view command, const RespReply& r) {
    RETURN_IF_ERROR(ReplyStatus(r, command));
    return absl::InternalError(
        fmt::format("{} replied {}", command, r.ToString().substr(0, 200)));
  }

  std::unique_ptr<ClusterClient> client_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenDistributedStore(const DistributedOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ClusterClient> client, ClusterClient::Connect(options));
  return std::make_unique<DistributedStore>(std::move(client));
}

}  // namespace synapsed::storage
