// A custom backend: a Store written here (an ordered map under a mutex that
// counts its reads), plugged into StorageBuilder with WithBackend and stacked
// under the value cache layer. The second read of a key is served by the
// cache, so the backend sees it once.
//
// A Store must keep the contracts in synapsed/storage/storage.h; this one
// offers no snapshots or transactions, and says so with Unimplemented.
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "synapsed/storage/builder.h"
#include "synapsed/storage/status_macros.h"

using namespace synapsed::storage;

namespace {

// Iterates over a copy of the entries in range, taken when it was created.
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(
      std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)), pos_(entries_.size()) {}
  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override {
    pos_ = entries_.empty() ? 0 : entries_.size() - 1;
  }
  void Seek(std::string_view target) override {
    pos_ = 0;
    while (pos_ < entries_.size() && entries_[pos_].first < target) ++pos_;
  }
  void SeekForPrev(std::string_view target) override {
    Seek(target);
    if (!Valid() || entries_[pos_].first != target) Prev();
  }
  void Next() override { ++pos_; }
  void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
  std::string_view key() const override { return entries_[pos_].first; }
  std::string_view value() const override { return entries_[pos_].second; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  size_t pos_;  // == size(): not valid
};

class MapStore final : public Store {
 public:
  std::string Name() const override { return "map"; }
  int reads() const { return reads_; }

  absl::Status Get(const ReadOptions&, std::string_view key,
                   PinnableValue* value) override {
    ++reads_;
    std::lock_guard lock(mu_);
    auto it = map_.find(std::string(key));
    if (it == map_.end()) return absl::NotFoundError("");
    value->Assign(it->second);
    return absl::OkStatus();
  }
  absl::Status Put(const WriteOptions&, std::string_view key,
                   std::string_view value) override {
    SYNAPSED_RETURN_IF_ERROR(ValidateKeyValue(key, value));
    std::lock_guard lock(mu_);
    map_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }
  absl::Status Delete(const WriteOptions&, std::string_view key) override {
    SYNAPSED_RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard lock(mu_);
    map_.erase(std::string(key));
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    return absl::OkStatus();
  }  // nothing buffered
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    return absl::UnimplementedError("map store has no snapshots");
  }
  // Atomic: the batch is decoded first, then applied under one lock.
  absl::Status Write(const WriteOptions&, const WriteBatch& batch) override {
    std::vector<std::pair<std::string, std::optional<std::string>>> ops;
    SYNAPSED_RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          ops.emplace_back(k, std::string(v));
        },
        [&](std::string_view k) { ops.emplace_back(k, std::nullopt); }));
    std::lock_guard lock(mu_);
    for (auto& [k, v] : ops) {
      if (v) {
        map_[k] = std::move(*v);
      } else {
        map_.erase(k);
      }
    }
    return absl::OkStatus();
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions&,
                                        const KeyRange& range) override {
    std::vector<std::pair<std::string, std::string>> entries;
    std::lock_guard lock(mu_);
    auto it = range.start ? map_.lower_bound(*range.start) : map_.begin();
    for (; it != map_.end() && (!range.end || it->first < *range.end); ++it) {
      entries.emplace_back(it->first, it->second);
    }
    return std::make_unique<VectorIterator>(std::move(entries));
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    return absl::UnimplementedError("map store has no transactions");
  }

 private:
  std::atomic<int> reads_{0};
  std::mutex mu_;
  std::map<std::string, std::string> map_;
};

absl::Status Run() {
  MapStore* backend = nullptr;  // owned by the stack Build() returns
  CacheConfig cache;
  cache.policy = CacheConfig::Policy::kArc;
  cache.max_entries = 1000;
  SYNAPSED_ASSIGN_OR_RETURN(
      std::unique_ptr<Store> store,
      StorageBuilder(
          StorageConfig::Memory())  // the type is ignored: WithBackend wins
          .WithCache(cache)
          .WithBackend([&](const StorageConfig&)
                           -> absl::StatusOr<std::unique_ptr<Store>> {
            auto s = std::make_unique<MapStore>();
            backend = s.get();
            return s;
          })
          .Build());
  std::cout << "built the stack " << store->Name() << "\n";

  SYNAPSED_RETURN_IF_ERROR(store->Put("color", "blue"));
  SYNAPSED_RETURN_IF_ERROR(store->Put("shape", "circle"));
  std::cout << "put color = blue, shape = circle\n";
  for (int i = 1; i <= 2; ++i) {
    SYNAPSED_ASSIGN_OR_RETURN(std::string v, store->Get("color"));
    std::cout << "get color -> " << v << " (read " << i
              << "; the map store has seen " << backend->reads()
              << " read(s))\n";
  }
  if (backend->reads() != 1) {
    return absl::InternalError("the cache layer did not serve the second read");
  }
  SYNAPSED_ASSIGN_OR_RETURN(auto all, store->Scan(KeyRange::All()));
  std::cout << "scan through the cache:";
  for (const KeyValue& kv : all) std::cout << " " << kv.key << "=" << kv.value;
  std::cout << "\n";
  std::cout << "transactions: " << store->BeginTransaction().status().ToString()
            << "\n";
  return absl::OkStatus();
}

}  // namespace

int main() {
  absl::Status s = Run();
  if (!s.ok()) {
    std::cerr << "custom_backend: " << s << "\n";
    return 1;
  }
  std::cout << "custom_backend: OK\n";
  return 0;
}
