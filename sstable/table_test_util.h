// Helpers for sstable tests only: building a table into a string from a
// sorted model, and a tiny single-mutex Cache (no eviction) standing in for
// the real block caches.
#ifndef SYNAPSED_SSTABLE_TABLE_TEST_UTIL_H_
#define SYNAPSED_SSTABLE_TABLE_TEST_UTIL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "util/internal_key.h"
#include "util/mutex.h"

namespace synapsed::storage::sstable::testing {

using Model = std::map<std::string, std::string, InternalKeyLess>;

inline absl::StatusOr<std::string> BuildTable(const TableBuilderOptions& o,
                                              const Model& model,
                                              FinishedTable* finished = nullptr) {
  std::string out;
  StringSink sink(&out);
  TableBuilder b(o, &sink);
  for (const auto& [k, v] : model) {
    if (absl::Status s = b.Add(k, v); !s.ok()) return s;
  }
  auto f = b.Finish();
  if (!f.ok()) return f.status();
  if (finished != nullptr) *finished = *f;
  return out;
}

inline absl::StatusOr<std::unique_ptr<TableReader>> OpenTable(
    const std::string& bytes, cache::Cache* cache = nullptr,
    uint64_t file_number = 7, bool verify = true, bool in_place = false) {
  TableReaderOptions ro;
  ro.verify_checksums = verify;
  return TableReader::Open(ro, std::make_unique<StringSource>(bytes, in_place),
                           bytes.size(), file_number, "test.sst", cache);
}

class TestCache final : public cache::Cache {
 public:
  // With refuse_inserts, Insert fails like a full strict-capacity cache.
  explicit TestCache(bool refuse_inserts = false)
      : refuse_inserts_(refuse_inserts) {}
  ~TestCache() override {
    for (auto& [k, e] : map_) delete e;
  }

  absl::StatusOr<cache::Handle> Insert(std::string_view key,
                                       std::unique_ptr<cache::CacheValue> value,
                                       size_t charge,
                                       cache::Priority priority) override {
    MutexLock l(&mu_);
    if (refuse_inserts_) {
      ++stats_.insert_failures;
      return absl::ResourceExhaustedError("test cache refuses");
    }
    ++stats_.inserts;
    if (priority == cache::Priority::kHigh) ++high_inserts_;
    DropLocked(std::string(key));
    auto* e = new Entry{std::move(value), charge, 2, true};  // cache + handle
    map_[std::string(key)] = e;
    usage_ += charge;
    return cache::Handle(this, e, e->value.get());
  }
  cache::Handle Lookup(std::string_view key) override {
    MutexLock l(&mu_);
    auto it = map_.find(std::string(key));
    if (it == map_.end()) {
      ++stats_.misses;
      return {};
    }
    ++stats_.hits;
    ++it->second->refs;
    return cache::Handle(this, it->second, it->second->value.get());
  }
  void Erase(std::string_view key) override {
    MutexLock l(&mu_);
    DropLocked(std::string(key));
  }
  size_t Capacity() const override { return SIZE_MAX; }
  size_t Usage() const override {
    MutexLock l(&mu_);
    return usage_;
  }
  size_t PinnedUsage() const override { return 0; }
  cache::CacheStats Stats() const override {
    MutexLock l(&mu_);
    return stats_;
  }
  std::string_view Name() const override { return "test"; }
  int high_inserts() const {
    MutexLock l(&mu_);
    return high_inserts_;
  }
  size_t size() const {
    MutexLock l(&mu_);
    return map_.size();
  }

 protected:
  void Release(void* entry) override {
    MutexLock l(&mu_);
    auto* e = static_cast<Entry*>(entry);
    if (--e->refs == 0) delete e;
  }

 private:
  struct Entry {
    std::unique_ptr<cache::CacheValue> value;
    size_t charge;
    int refs;  // the cache's own reference counts while in_cache
    bool in_cache;
  };
  void DropLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    Entry* e = it->second;
    map_.erase(it);
    usage_ -= e->charge;
    e->in_cache = false;
    if (--e->refs == 0) delete e;
  }

  const bool refuse_inserts_;
  mutable Mutex mu_;
  std::map<std::string, Entry*> map_ ABSL_GUARDED_BY(mu_);
  size_t usage_ ABSL_GUARDED_BY(mu_) = 0;
  int high_inserts_ ABSL_GUARDED_BY(mu_) = 0;
  cache::CacheStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace synapsed::storage::sstable::testing

#endif  // SYNAPSED_SSTABLE_TABLE_TEST_UTIL_H_
