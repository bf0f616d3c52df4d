#include "backends/memory_store.h"

#include <map>
#include <memory_resource>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "util/mutex.h"
#include "api/bounded_iterator.h"
#include "api/local_change_feed.h"
#include "api/optimistic_transaction.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

class MemoryStore;

// Passes allocations to the heap and keeps the bytes outstanding, so that the
// store can report what its map nodes hold (and a test can see that a
// reservation is used, not re-allocated). Used under the store's lock.
class CountingResource final : public std::pmr::memory_resource {
 public:
  size_t bytes() const { return bytes_; }

 private:
  void* do_allocate(size_t n, size_t align) override {
    void* p = std::pmr::new_delete_resource()->allocate(n, align);
    bytes_ += n;
    return p;
  }
  void do_deallocate(void* p, size_t n, size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, n, align);
    bytes_ -= n;
  }
  bool do_is_equal(const memory_resource& other) const noexcept override {
    return this == &other;
  }
  size_t bytes_ = 0;
};

class MemorySnapshot final : public Snapshot {
 public:
  MemorySnapshot(MemoryStore* store, uint64_t seq);
  ~MemorySnapshot() override;

 private:
  MemoryStore* store_;
};

class MemoryStore final : public Store, public TransactionCommitter {
 public:
  struct Version {
    uint64_t seq;
    std::optional<std::string> value;  // nullopt: deleted
  };
  using Map = std::pmr::map<std::string, std::vector<Version>, std::less<>>;

  // initial_capacity > 0: that many nodes are allocated from a pool and
  // given back to it before the first write, so the first that-many keys
  // take their nodes from the pool instead of the heap (std::map has no
  // reserve()). The pool keeps freed nodes for reuse until the store closes,
  // which is why a store without a reservation does not use one.
  explicit MemoryStore(const MemoryOptions& options)
      : pool_(&heap_),
        data_(options.initial_capacity > 0
                  ? static_cast<std::pmr::memory_resource*>(&pool_)
                  : &heap_) {
    if (options.initial_capacity > 0) {
      Map warm(&pool_);
      for (size_t i = 0; i < options.initial_capacity; ++i) {
        warm.try_emplace(std::to_string(i));  // short keys: no heap besides the node
      }
    }
  }

  std::string Name() const override { return "memory"; }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    RETURN_IF_ERROR(ValidateKey(key));
    ReaderMutexLock l(&mu_);
    ASSIGN_OR_RETURN(uint64_t seq, ReadSequence(options));
    auto it = data_.find(key);
    const Version* v = it == data_.end() ? nullptr : Visible(it->second, seq);
    if (v == nullptr || !v->value) return absl::NotFoundError("");
    value->Assign(*v->value);
    return absl::OkStatus();
  }

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    WriteBatch batch;
    RETURN_IF_ERROR(batch.Put(key, value));
    return Write(options, batch);
  }

  absl::Status Delete(const WriteOptions& options,
                      std::string_view key) override {
    WriteBatch batch;
    RETURN_IF_ERROR(batch.Delete(key));
    return Write(options, batch);
  }

  absl::Status Flush() override { return absl::OkStatus(); }

  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    MutexLock l(&mu_);
    snapshots_.insert(last_seq_);
    return SnapshotHandle(std::make_unique<MemorySnapshot>(this, last_seq_));
  }

  void ReleaseSnapshot(uint64_t seq) {
    MutexLock l(&mu_);
    snapshots_.erase(snapshots_.find(seq));
    if (versions_ > 2 * data_.size() + 1024) {
      for (auto it = data_.begin(); it != data_.end();) {
        it = PruneLocked(it);
      }
    }
  }

  absl::Status Write(const WriteOptions&, const WriteBatch& batch) override {
    return feed_.Commit(
        [&] {
          MutexLock l(&mu_);
          return ApplyLocked(batch);
        },
        batch);
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override;

  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    ASSIGN_OR_RETURN(SnapshotHandle snap, GetSnapshot());
    return std::unique_ptr<Transaction>(
        std::make_unique<OptimisticTransaction>(this, this, std::move(snap)));
  }

  absl::Status CommitTransaction(const WriteOptions&, const WriteBatch& batch,
                                 const Snapshot& snapshot,
                                 std::span<const std::string> check_keys) override {
    return feed_.Commit(
        [&]() -> absl::Status {
          MutexLock l(&mu_);
          for (const std::string& key : check_keys) {
            auto it = data_.find(key);
            if (it != data_.end() && it->second.back().seq > snapshot.sequence()) {
              return absl::AbortedError(fmt::format(
                  "transaction conflict: key \"{}\" was written by another writer "
                  "after this transaction began",
                  absl::CHexEscape(key.substr(0, 64))));
            }
          }
          return ApplyLocked(batch);
        },
        batch);
  }

  // This process's writes from now on (api/local_change_feed.h).
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return feed_.Subscribe(range, options);
  }

  // Versions left behind by released snapshots wait for the next write of
  // their key or a sweep at ReleaseSnapshot; this drops them in the range now.
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    MutexLock l(&mu_);
    auto it = begin ? data_.lower_bound(*begin) : data_.begin();
    while (it != data_.end() && (!end || it->first <= *end)) it = PruneLocked(it);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "stats") return Store::GetProperty(name);
    ReaderMutexLock l(&mu_);
    return fmt::format(
        "keys: {}\nversions: {}\nlast_sequence: {}\nsnapshots: {}\n"
        "node_heap_bytes: {}\n",
        data_.size(), versions_, last_seq_, snapshots_.size(), heap_.bytes());
  }

  // --- for the iterator ------------------------------------------------------
  // ABSL_LOCK_RETURNED lets the analysis see that locking mu() locks mu_.
  Mutex* mu() ABSL_LOCK_RETURNED(mu_) { return &mu_; }
  const Map& data() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return data_; }
  static const Version* Visible(const std::vector<Version>& versions,
                                uint64_t seq) {
    for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
      if (v->seq <= seq) return &*v;
    }
    return nullptr;
  }
  absl::StatusOr<uint64_t> ReadSequence(const ReadOptions& options) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    if (options.snapshot == nullptr) return last_seq_;
    if (options.snapshot->owner() != this) {
      return absl::InvalidArgumentError("snapshot belongs to another store");
    }
    return options.snapshot->sequence();
  }

 private:
  LocalChangeFeed feed_{"memory"};
  absl::Status ApplyLocked(const WriteBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (batch.Empty()) return absl::OkStatus();
    const uint64_t seq = last_seq_ + 1;
    std::set<std::string, std::less<>> touched;
    // The lambdas run inside Iterate, under this function's lock; annotated
    // so clang's analysis (which checks each lambda on its own) knows.
    auto add = [&](std::string_view key,
                   std::optional<std::string> value) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto [it, inserted] = data_.try_emplace(std::string(key));
      std::vector<Version>& vs = it->second;
      if (!vs.empty() && vs.back().seq == seq) {
        vs.back().value = std::move(value);  // same key twice in one batch
      } else {
        vs.push_back({seq, std::move(value)});
        ++versions_;
      }
      touched.emplace(key);
    };
    RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v)
            ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { add(k, std::string(v)); },
        [&](std::string_view k) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { add(k, std::nullopt); }));
    last_seq_ = seq;  // readers see the whole batch from here on
    for (const std::string& key : touched) PruneLocked(data_.find(key));
    return absl::OkStatus();
  }

  // Drops versions no reader can see; erases the key if nothing is left.
  // Returns the iterator after `it`.
  Map::iterator PruneLocked(Map::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Version>& vs = it->second;
    std::vector<Version> keep;
    for (size_t i = 0; i < vs.size(); ++i) {
      const bool newest = i + 1 == vs.size();
      // Needed if some snapshot S has vs[i].seq <= S < vs[i+1].seq.
      bool needed = newest;
      if (!newest) {
        auto s = snapshots_.lower_bound(vs[i].seq);
        needed = s != snapshots_.end() && *s < vs[i + 1].seq;
      }
      if (needed) keep.push_back(std::move(vs[i]));
    }
    // A lone deletion nobody needs to see is the same as no key at all.
    if (keep.size() == 1 && !keep[0].value &&
        (snapshots_.empty() || *snapshots_.begin() >= keep[0].seq)) {
      keep.clear();
    }
    versions_ -= vs.size() - keep.size();
    if (keep.empty()) return data_.erase(it);
    vs = std::move(keep);
    return std::next(it);
  }

  Mutex mu_;
  // Declared before data_, which allocates from them.
  CountingResource heap_;
  std::pmr::unsynchronized_pool_resource pool_ ABSL_GUARDED_BY(mu_);
  Map data_ ABSL_GUARDED_BY(mu_);
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t versions_ ABSL_GUARDED_BY(mu_) = 0;
  std::multiset<uint64_t> snapshots_ ABSL_GUARDED_BY(mu_);
};

MemorySnapshot::MemorySnapshot(MemoryStore* store, uint64_t seq)
    : Snapshot(store, seq), store_(store) {}
MemorySnapshot::~MemorySnapshot() { store_->ReleaseSnapshot(sequence()); }

// Walks the map at a pinned sequence, re-finding its place by key on every
// step (under the shared lock), so concurrent writers never invalidate it.
class MemoryIterator final : public Iterator {
 public:
  MemoryIterator(MemoryStore* store, SnapshotHandle own, uint64_t seq)
      : store_(store), own_(std::move(own)), seq_(seq) {}

  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    ReaderMutexLock l(store_->mu());
    ForwardFrom(store_->data().begin());
  }
  void SeekToLast() override {
    ReaderMutexLock l(store_->mu());
    BackwardFrom(store_->data().end());
  }
  void Seek(std::string_view target) override {
    ReaderMutexLock l(store_->mu());
    ForwardFrom(store_->data().lower_bound(target));
  }
  void SeekForPrev(std::string_view target) override {
    ReaderMutexLock l(store_->mu());
    BackwardFrom(store_->data().upper_bound(target));
  }
  void Next() override {
    ReaderMutexLock l(store_->mu());
    ForwardFrom(store_->data().upper_bound(key_));
  }
  void Prev() override {
    ReaderMutexLock l(store_->mu());
    BackwardFrom(store_->data().lower_bound(key_));
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  using It = MemoryStore::Map::const_iterator;

  bool Load(It it) {
    const auto* v = MemoryStore::Visible(it->second, seq_);
    if (v == nullptr || !v->value) return false;
    key_ = it->first;
    value_ = *v->value;
    return true;
  }
  void ForwardFrom(It it) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (; it != store_->data().end(); ++it) {
      if (Load(it)) {
        valid_ = true;
        return;
      }
    }
    valid_ = false;
  }
  // Positions on the last visible key before `it`.
  void BackwardFrom(It it) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    while (it != store_->data().begin()) {
      --it;
      if (Load(it)) {
        valid_ = true;
        return;
      }
    }
    valid_ = false;
  }

  MemoryStore* store_;
  SnapshotHandle own_;  // pins the versions this iterator reads
  uint64_t seq_;
  bool valid_ = false;
  std::string key_, value_;
};

std::unique_ptr<Iterator> MemoryStore::NewIterator(const ReadOptions& options,
                                                   const KeyRange& range) {
  SnapshotHandle own;
  uint64_t seq;
  if (options.snapshot != nullptr) {
    if (options.snapshot->owner() != this) {
      return NewErrorIterator(
          absl::InvalidArgumentError("snapshot belongs to another store"));
    }
    seq = options.snapshot->sequence();
  } else {
    auto snap = GetSnapshot();
    if (!snap.ok()) return NewErrorIterator(snap.status());
    own = std::move(*snap);
    seq = own->sequence();
  }
  return NewBoundedIterator(
      std::make_unique<MemoryIterator>(this, std::move(own), seq), range);
}

}  // namespace

std::unique_ptr<Store> NewMemoryStore(const MemoryOptions& options) {
  return std::make_unique<MemoryStore>(options);
}

}  // namespace synapsed::storage
