// Default implementations and conveniences of the public interfaces.
#include "synapsed/storage/storage.h"

#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {

absl::Status ValidateKey(std::string_view key) {
  if (key.size() > kMaxKeySize) {
    return absl::InvalidArgumentError(fmt::format(
        "key of {} bytes exceeds the maximum key size of {} bytes", key.size(),
        kMaxKeySize));
  }
  return absl::OkStatus();
}

absl::Status ValidateKeyValue(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (value.size() > kMaxValueSize) {
    return absl::InvalidArgumentError(fmt::format(
        "value of {} bytes exceeds the maximum value size of {} bytes",
        value.size(), kMaxValueSize));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Storage::Exists(const ReadOptions& options,
                                     std::string_view key) {
  PinnableValue v;
  absl::Status s = Get(options, key, &v);
  if (s.ok()) return true;
  if (absl::IsNotFound(s)) return false;
  return s;
}

absl::StatusOr<std::string> Storage::Get(std::string_view key,
                                         const ReadOptions& options) {
  PinnableValue v;
  RETURN_IF_ERROR(Get(options, key, &v));
  return v.ToString();
}

absl::StatusOr<std::vector<std::optional<std::string>>>
BatchedStorage::BatchGet(const ReadOptions& options,
                         std::span<const std::string_view> keys) {
  ReadOptions ro = options;
  SnapshotHandle snap;
  if (ro.snapshot == nullptr) {
    ASSIGN_OR_RETURN(snap, GetSnapshot());
    ro.snapshot = snap.get();
  }
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  PinnableValue v;
  for (std::string_view key : keys) {
    absl::Status s = Get(ro, key, &v);
    if (s.ok()) {
      out.emplace_back(v.ToString());
    } else if (absl::IsNotFound(s)) {
      out.emplace_back(std::nullopt);
    } else {
      return s;
    }
  }
  return out;
}

absl::Status BatchedStorage::BatchPut(
    const WriteOptions& options,
    std::span<const std::pair<std::string_view, std::string_view>> kvs) {
  WriteBatch batch;
  for (const auto& [k, v] : kvs) RETURN_IF_ERROR(batch.Put(k, v));
  return Write(options, batch);
}

absl::Status BatchedStorage::BatchDelete(const WriteOptions& options,
                                         std::span<const std::string_view> keys) {
  WriteBatch batch;
  for (std::string_view k : keys) RETURN_IF_ERROR(batch.Delete(k));
  return Write(options, batch);
}

absl::StatusOr<std::vector<KeyValue>> IterableStorage::Scan(
    const KeyRange& range, size_t limit, Direction direction,
    const ReadOptions& options) {
  const bool reverse = direction == Direction::kReverse;
  std::unique_ptr<Iterator> it = NewIterator(options, range);
  std::vector<KeyValue> out;
  if (reverse) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  while (it->Valid() && (limit == 0 || out.size() < limit)) {
    out.push_back({std::string(it->key()), std::string(it->value())});
    if (reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

absl::Status Store::CompactRange(std::optional<std::string_view>,
                                 std::optional<std::string_view>) {
  return absl::UnimplementedError(
      fmt::format("the {} store cannot compact a range", Name()));
}

absl::StatusOr<std::unique_ptr<ChangeStream>> Store::Subscribe(const KeyRange&,
                                                               const SubscribeOptions&) {
  return absl::UnimplementedError(
      fmt::format("the {} store offers no change subscriptions", Name()));
}

}  // namespace synapsed::storage
