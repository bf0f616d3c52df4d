#include "backends/distributed_transaction.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/optimistic_transaction.h"
#include "backends/distributed_iterator.h"
#include "backends/hash_slot.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

// A GET reply as a value (nullopt: absent).
absl::StatusOr<std::optional<std::string>> ValueOf(const RespReply& r, std::string_view address) {
  if (r.type == RespReply::Type::kNull) return std::nullopt;
  if (r.type == RespReply::Type::kBulk) return r.str;
  RETURN_IF_ERROR(ReplyStatus(r, address));
  return absl::InternalError(fmt::format("{}: GET replied {}", address, r.ToString()));
}

class DistributedTransaction final : public Transaction {
 public:
  explicit DistributedTransaction(ClusterClient* client) : client_(client) {}
  ~DistributedTransaction() override {
    if (!finished_) (void)Rollback();
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(CheckActive());
    RETURN_IF_ERROR(ValidateKey(key));
    if (auto w = writes_.find(key); w != writes_.end()) return Found(w->second, value);
    RETURN_IF_ERROR(Bind(key));
    ASSIGN_OR_RETURN(std::vector<RespReply> r, Send({{"GET", key}}));
    ASSIGN_OR_RETURN(std::optional<std::string> v, ValueOf(r[0], connection_->address()));
    read_.try_emplace(std::string(key), v);
    return Found(v, value);
  }

  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(CheckActive());
    RETURN_IF_ERROR(ValidateKey(key));
    if (auto w = writes_.find(key); w != writes_.end()) return Found(w->second, value);
    ASSIGN_OR_RETURN(std::optional<std::string> v, Watch(key));
    return Found(v, value);
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(CheckActive());
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    RETURN_IF_ERROR(Watch(key).status());
    writes_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }

  absl::Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(CheckActive());
    RETURN_IF_ERROR(ValidateKey(key));
    RETURN_IF_ERROR(Watch(key).status());
    writes_[std::string(key)] = std::nullopt;
    return absl::OkStatus();
  }

  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    if (absl::Status s = CheckActive(); !s.ok()) return NewErrorIterator(std::move(s));
    return NewWriteSetIterator(&writes_, NewDistributedIterator(client_, range), range);
  }

  absl::Status Commit(const WriteOptions&) override {
    RETURN_IF_ERROR(CheckActive());
    finished_ = true;
    if (connection_ == nullptr) return absl::OkStatus();  // touched nothing
    if (!conflict_.ok()) {
      Unwatch();
      return conflict_;
    }
    std::vector<ClusterClient::Command> commands = {{"MULTI"}};
    for (const auto& [key, value] : writes_) {
      if (value) {
        commands.push_back({"SET", key, *value});
      } else {
        commands.push_back({"DEL", key});
      }
    }
    commands.push_back({"EXEC"});
    absl::StatusOr<std::vector<RespReply>> replies = connection_->CallAll(commands);
    if (!replies.ok()) {
      Drop();
      return absl::UnavailableError(fmt::format(
          "the transaction's outcome is unknown (it may have committed): {}",
          std::string(replies.status().message())));
    }
    const std::string address = connection_->address();
    Release();  // EXEC ended every WATCH
    for (size_t i = 0; i + 1 < replies->size(); ++i) {
      RETURN_IF_ERROR(Redirected((*replies)[i], address));
      RETURN_IF_ERROR(ReplyStatus((*replies)[i], address));
    }
    const RespReply& exec = replies->back();
    if (exec.type == RespReply::Type::kNull) {
      return absl::AbortedError(fmt::format(
          "a key this transaction wrote or read for update changed before it committed "
          "(one of: {})",
          fmt::join(watched_, ", ")));
    }
    RETURN_IF_ERROR(ReplyStatus(exec, address));
    if (exec.type != RespReply::Type::kArray || exec.elements.size() != writes_.size()) {
      return absl::InternalError(
          fmt::format("{}: EXEC replied {}", address, exec.ToString().substr(0, 200)));
    }
    for (const RespReply& r : exec.elements) RETURN_IF_ERROR(ReplyStatus(r, address));
    return absl::OkStatus();
  }

  absl::Status Rollback() override {
    RETURN_IF_ERROR(CheckActive());
    finished_ = true;
    if (connection_ != nullptr) Unwatch();
    return absl::OkStatus();
  }

 private:
  absl::Status CheckActive() const {
    if (finished_) return absl::FailedPreconditionError("the transaction has finished");
    return absl::OkStatus();
  }

  static absl::Status Found(const std::optional<std::string>& v, std::string* value) {
    if (!v) return absl::NotFoundError("");
    *value = *v;
    return absl::OkStatus();
  }

  // Takes a connection to the leader of `key`'s partition at the first
  // key; refuses a key of any other partition.
  absl::Status Bind(std::string_view key) {
    const uint16_t slot = KeyHashSlot(key);
    if (connection_ != nullptr) {
      const size_t p = client_->PartitionOfSlot(slot);
      if (p == partition_) return absl::OkStatus();
      return absl::InvalidArgumentError(fmt::format(
          "CROSSSLOT: key {:?} is in partition {}, and this transaction is on partition {}: a "
          "transaction stays in one partition (use a hash tag to keep keys together)",
          key.substr(0, 64), p, partition_));
    }
    // A keyed command first, through the client's retries, so that the
    // map names the partition's current leader.
    RETURN_IF_ERROR(client_->Call(slot, ClusterClient::Command{"EXISTS", key}).status());
    partition_ = client_->PartitionOfSlot(slot);
    ASSIGN_OR_RETURN(connection_, client_->Take(slot));
    return absl::OkStatus();
  }

  // WATCHes `key` (once) and reads it. A key read before with Get must
  // still hold what was read; if not, the commit will fail.
  absl::StatusOr<std::optional<std::string>> Watch(std::string_view key) {
    RETURN_IF_ERROR(Bind(key));
    ASSIGN_OR_RETURN(std::vector<RespReply> r, Send({{"WATCH", key}, {"GET", key}}));
    RETURN_IF_ERROR(ReplyStatus(r[0], connection_->address()));
    ASSIGN_OR_RETURN(std::optional<std::string> v, ValueOf(r[1], connection_->address()));
    watched_.insert(std::string(key));
    if (auto it = read_.find(key); it != read_.end() && it->second != v && conflict_.ok()) {
      conflict_ = absl::AbortedError(fmt::format(
          "key {:?} changed after this transaction read it", key.substr(0, 64)));
    }
    return v;
  }

  // A redirect means the leader moved since the transaction began: it
  // cannot go on there, and nothing of it was applied.
  static absl::Status Redirected(const RespReply& r, std::string_view address) {
    if (r.is_error() && (r.str.starts_with("MOVED") || r.str.starts_with("TRYAGAIN") ||
                         r.str.starts_with("CLUSTERDOWN"))) {
      return absl::UnavailableError(fmt::format(
          "{}: {} (the transaction was not applied; begin it again)", address, r.str));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<RespReply>> Send(const std::vector<ClusterClient::Command>& c) {
    absl::StatusOr<std::vector<RespReply>> replies = connection_->CallAll(c);
    if (!replies.ok()) return replies.status();
    for (const RespReply& r : *replies) RETURN_IF_ERROR(Redirected(r, connection_->address()));
    return replies;
  }

  // Back to the pool with no WATCH left on it, or closed.
  void Unwatch() {
    if (watched_.empty()) return Release();
    absl::StatusOr<RespReply> r = connection_->Call({"UNWATCH"});
    if (r.ok() && !r->is_error()) return Release();
    Drop();
  }
  void Release() { client_->Give(std::move(connection_)); }
  void Drop() { connection_.reset(); }

  ClusterClient* const client_;
  size_t partition_ = 0;
  std::unique_ptr<RespConnection> connection_;
  OptimisticTransaction::WriteSet writes_;
  // Values read with Get (nullopt: absent), as first read.
  std::map<std::string, std::optional<std::string>, std::less<>> read_;
  std::set<std::string, std::less<>> watched_;
  absl::Status conflict_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Transaction> NewDistributedTransaction(ClusterClient* client) {
  return std::make_unique<DistributedTransaction>(client);
}

}  // namespace synapsed::storage
