#include "cluster/partition_machine.h"

#include "absl/strings/escaping.h"
#include "cluster/partition_command.h"
#include "fmt/format.h"
#include "util/coding.h"

namespace synapsed::storage::cluster {
namespace {

std::string IndexBytes(uint64_t index) {
  std::string out;
  PutFixed64(&out, index);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PartitionMachine>> PartitionMachine::Open(Store* db) {
  auto stored = db->Get(kAppliedIndexKey);
  uint64_t applied = 0;
  if (stored.ok()) {
    if (stored->size() != 8) {
      return absl::DataLossError(fmt::format(
          "the partition's applied index is {} bytes, not 8", stored->size()));
    }
    applied = DecodeFixed64(stored->data());
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  return std::unique_ptr<PartitionMachine>(new PartitionMachine(db, applied));
}

std::string PartitionMachine::Apply(uint64_t index, std::string_view command) {
  if (stopped_) {
    return EncodeResult(absl::UnavailableError(
        "this replica stopped applying after a failed write; restart the node"));
  }
  if (index <= applied_) {
    ++skipped_;
    return EncodeResult(absl::OkStatus());
  }
  PartitionCommand decoded;
  absl::Status refused = DecodePartitionCommand(command, &decoded);
  if (refused.ok()) refused = CheckConditions(decoded.conditions);
  if (absl::IsUnavailable(refused)) {  // the store could not be read
    stopped_ = true;
    return EncodeResult(absl::UnavailableError(fmt::format(
        "checking entry {} failed, and this replica stopped applying until it restarts: {}",
        index, std::string(refused.message()))));
  }
  WriteBatch batch;
  if (refused.ok()) batch = std::move(decoded.batch);
  absl::Status s = batch.Put(kAppliedIndexKey, IndexBytes(index));
  if (s.ok()) s = db_->Write(WriteOptions(), batch);
  if (!s.ok()) {
    stopped_ = true;
    return EncodeResult(absl::UnavailableError(fmt::format(
        "applying entry {} failed, and this replica stopped applying until it restarts: {}",
        index, std::string(s.message()))));
  }
  applied_ = index;
  return EncodeResult(refused);
}

absl::Status PartitionMachine::CheckConditions(
    const std::vector<PartitionCondition>& conditions) {
  for (const PartitionCondition& c : conditions) {
    absl::StatusOr<std::string> current = db_->Get(c.key);
    if (!current.ok() && !absl::IsNotFound(current.status())) {
      return absl::UnavailableError(fmt::format("reading {}: {}",
                                                absl::CEscape(absl::string_view(c.key)),
                                                std::string(current.status().message())));
    }
    bool holds = current.ok() == c.value_hash.has_value();
    if (holds && current.ok()) {
      absl::StatusOr<ValueHash> hash = HashValue(*current);
      if (!hash.ok()) return absl::UnavailableError(hash.status().message());
      holds = *hash == *c.value_hash;
    }
    if (!holds) {
      return absl::AbortedError(fmt::format(
          "transaction conflict: key \"{}\" changed after the transaction began",
          absl::CEscape(absl::string_view(c.key))));
    }
  }
  return absl::OkStatus();
}

// snapshot := applied:fixed64 | count:varint32 | (LP(key) LP(value))*
// (the applied-index key is not among the pairs; the other reserved keys
// are, the cluster's map among them).
std::string PartitionMachine::Snapshot() {
  std::string pairs;
  uint32_t count = 0;
  auto it = db_->NewIterator(ReadOptions(), KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == kAppliedIndexKey) continue;
    PutLengthPrefixed(&pairs, it->key());
    PutLengthPrefixed(&pairs, it->value());
    ++count;
  }
  // A snapshot that cannot be read whole would lose data in a follower that
  // installs it. On a read error the machine stops and the snapshot is
  // empty, which Restore refuses.
  if (!it->status().ok()) {
    stopped_ = true;
    return std::string();
  }
  std::string out = IndexBytes(applied_);
  PutVarint32(&out, count);
  out += pairs;
  return out;
}

absl::Status PartitionMachine::Restore(std::string_view snapshot) {
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(
        fmt::format("malformed partition snapshot ({} bytes): {}", snapshot.size(), what));
  };
  if (snapshot.size() < 8) return bad("shorter than its header");
  const uint64_t applied = DecodeFixed64(snapshot.data());
  std::string_view in = snapshot.substr(8);
  uint32_t count = 0;
  if (!GetVarint32(&in, &count)) return bad("no pair count");
  WriteBatch batch;
  // Everything the store holds goes, then the snapshot's pairs come.
  auto it = db_->NewIterator(ReadOptions(), KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (absl::Status s = batch.Delete(it->key()); !s.ok()) return s;
  }
  if (!it->status().ok()) return it->status();
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view key, value;
    if (!GetLengthPrefixed(&in, &key) || !GetLengthPrefixed(&in, &value)) {
      return bad(fmt::format("pair {} of {} is truncated", i, count));
    }
    if (absl::Status s = batch.Put(key, value); !s.ok()) return s;
  }
  if (!in.empty()) return bad(fmt::format("{} bytes after the last pair", in.size()));
  if (absl::Status s = batch.Put(kAppliedIndexKey, IndexBytes(applied)); !s.ok()) return s;
  if (absl::Status s = db_->Write(WriteOptions(), batch); !s.ok()) return s;
  applied_ = applied;
  stopped_ = false;
  restores_.fetch_add(1);
  return absl::OkStatus();
}

}  // namespace synapsed::storage::cluster
