#include "backends/leveldb_store.h"

#include <atomic>
#include <utility>

#include "api/bounded_iterator.h"
#include "api/local_change_feed.h"
#include "fmt/format.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
std::string_view ToView(const leveldb::Slice& s) { return {s.data(), s.size()}; }

absl::Status FromLevel(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = fmt::format("leveldb {}: {}", what, s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError()) {
    // LevelDB reports a LOCK file held by another open as an IOError.
    if (s.ToString().find("lock") != std::string::npos) {
      return absl::FailedPreconditionError(msg);
    }
    return absl::UnavailableError(msg);
  }
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsNotSupportedError()) return absl::UnimplementedError(msg);
  return absl::InternalError(msg);
}

class LevelSnapshot final : public Snapshot {
 public:
  // LevelDB does not expose a snapshot's sequence; number them instead.
  LevelSnapshot(const void* owner, uint64_t id, leveldb::DB* db,
                const leveldb::Snapshot* snap)
      : Snapshot(owner, id), db_(db), snap_(snap) {}
  ~LevelSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const leveldb::Snapshot* get() const { return snap_; }

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snap_;
};

class LevelIterator final : public Iterator {
 public:
  explicit LevelIterator(std::unique_ptr<leveldb::Iterator> it) : it_(std::move(it)) {}

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  // The last key <= target: the first key >= target, stepped back unless
  // it is the target itself.
  void SeekForPrev(std::string_view target) override {
    it_->Seek(ToSlice(target));
    if (!it_->Valid()) {
      if (it_->status().ok()) it_->SeekToLast();
      return;
    }
    if (ToView(it_->key()) != target) it_->Prev();
  }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  absl::Status status() const override { return FromLevel(it_->status(), "iterator"); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDbStore final : public Store {
 public:
  LevelDbStore(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache,
               std::unique_ptr<const leveldb::FilterPolicy> filter)
      : cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)) {}

  std::string Name() const override { return "leveldb"; }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    RETURN_IF_ERROR(ValidateKey(key));
    leveldb::ReadOptions ro;
    RETURN_IF_ERROR(ToRead(options, &ro));
    leveldb::Status s = db_->Get(ro, ToSlice(key), value->GetSelf());
    if (s.IsNotFound()) return absl::NotFoundError("");
    return FromLevel(s, "get");
  }

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    return feed_.Commit(
        [&] { return FromLevel(db_->Put(ToWrite(options), ToSlice(key), ToSlice(value)), "put"); },
        [&](WriteBatch* b) { (void)b->Put(key, value); });
  }

  absl::Status Delete(const WriteOptions& options, std::string_view key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    return feed_.Commit(
        [&] { return FromLevel(db_->Delete(ToWrite(options), ToSlice(key)), "delete"); },
        [&](WriteBatch* b) { (void)b->Delete(key); });
  }

  // A synced empty write syncs LevelDB's log, which makes every acknowledged
  // write durable. LevelDB has no public "flush the memtable" call (only a
  // full CompactRange), so buffered state stays in the log until LevelDB
  // writes it out itself.
  absl::Status Flush() override {
    leveldb::WriteOptions wo;
    wo.sync = true;
    leveldb::WriteBatch empty;
    return FromLevel(db_->Write(wo, &empty), "flush");
  }

  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    const leveldb::Snapshot* snap = db_->GetSnapshot();
    return SnapshotHandle(std::make_unique<LevelSnapshot>(
        this, next_snapshot_id_.fetch_add(1, std::memory_order_relaxed), db_.get(),
        snap));
  }

  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    if (batch.Empty()) return absl::OkStatus();
    leveldb::WriteBatch wb;
    RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v) { wb.Put(ToSlice(k), ToSlice(v)); },
        [&](std::string_view k) { wb.Delete(ToSlice(k)); }));
    return feed_.Commit([&] { return FromLevel(db_->Write(ToWrite(options), &wb), "write"); },
                        batch);
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    leveldb::ReadOptions ro;
    if (absl::Status s = ToRead(options, &ro); !s.ok()) return NewErrorIterator(s);
    return NewBoundedIterator(
        std::make_unique<LevelIterator>(
            std::unique_ptr<leveldb::Iterator>(db_->NewIterator(ro))),
        range);
  }

  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    return absl::UnimplementedError("the leveldb backend has no transactions");
  }

  // This process's writes from now on (api/local_change_feed.h).
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return feed_.Subscribe(range, options);
  }

  // "stats" is leveldb.stats; a name starting with "leveldb." is passed to
  // leveldb::DB::GetProperty as it is (NotFound if leveldb does not know it).
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    std::string value;
    if (name == "stats") {
      if (!db_->GetProperty("leveldb.stats", &value)) {
        return absl::InternalError("leveldb has no leveldb.stats");
      }
      return value;
    }
    if (name.substr(0, 8) != "leveldb.") return Store::GetProperty(name);
    if (!db_->GetProperty(ToSlice(name), &value)) {
      return absl::NotFoundError("leveldb has no property " + std::string(name));
    }
    return value;
  }

  // LevelDB's CompactRange returns nothing: a failed compaction becomes its
  // background error, which the next write reports.
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    leveldb::Slice b = begin ? ToSlice(*begin) : leveldb::Slice();
    leveldb::Slice e = end ? ToSlice(*end) : leveldb::Slice();
    db_->CompactRange(begin ? &b : nullptr, end ? &e : nullptr);
    return absl::OkStatus();
  }

 private:
  absl::Status ToRead(const ReadOptions& options, leveldb::ReadOptions* ro) const {
    ro->verify_checksums = options.verify_checksums;
    ro->fill_cache = options.fill_cache;
    if (options.snapshot != nullptr) {
      if (options.snapshot->owner() != this) {
        return absl::InvalidArgumentError("snapshot belongs to another store");
      }
      ro->snapshot = static_cast<const LevelSnapshot*>(options.snapshot)->get();
    }
    return absl::OkStatus();
  }
  static leveldb::WriteOptions ToWrite(const WriteOptions& options) {
    leveldb::WriteOptions wo;
    wo.sync = options.sync;
    return wo;
  }

  // Declared before db_: the DB uses both until it is closed.
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  std::atomic<uint64_t> next_snapshot_id_{1};
  LocalChangeFeed feed_{"leveldb"};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenLevelDbStore(
    const LevelDbStoreOptions& options, const std::string& path) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_size));
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  if (options.bloom_bits_per_key > 0) {
    filter.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  }
  leveldb::Options o;
  o.create_if_missing = options.create_if_missing;
  o.write_buffer_size = options.write_buffer_size;
  o.max_open_files = options.max_open_files;
  o.block_size = options.block_size;
  o.block_cache = cache.get();
  o.filter_policy = filter.get();
  o.compression = options.compression == CompressionConfig::Algorithm::kNone
                      ? leveldb::kNoCompression
                      : leveldb::kSnappyCompression;
  leveldb::DB* db = nullptr;
  RETURN_IF_ERROR(FromLevel(leveldb::DB::Open(o, path, &db), "open " + path));
  return std::unique_ptr<Store>(std::make_unique<LevelDbStore>(
      std::unique_ptr<leveldb::DB>(db), std::move(cache), std::move(filter)));
}

}  // namespace synapsed::storage
