#include "backends/rocksdb_store.h"

#include <unistd.h>

#include <cstdarg>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "api/bounded_iterator.h"
#include "api/local_change_feed.h"
#include "fmt/format.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/optimistic_transaction_db.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/write_batch.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

// Discards RocksDB's info log. A read-only open uses it: RocksDB would
// otherwise rotate LOG to LOG.old.* and start a new LOG in the directory.
class DiscardingLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = fmt::format("rocksdb {}: {}", what, s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(msg);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(msg);
    case rocksdb::Status::kIOError:
      // RocksDB reports a LOCK file held by another open as an IOError.
      if (s.ToString().find("lock") != std::string::npos) {
        return absl::FailedPreconditionError(msg);
      }
      return absl::UnavailableError(msg);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
      return absl::AbortedError(msg);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(msg);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

rocksdb::CompressionType ToRocks(CompressionConfig::Algorithm a) {
  switch (a) {
    case CompressionConfig::Algorithm::kLz4:
      return rocksdb::kLZ4Compression;
    case CompressionConfig::Algorithm::kZstd:
      return rocksdb::kZSTD;
    case CompressionConfig::Algorithm::kSnappy:
      return rocksdb::kSnappyCompression;
    case CompressionConfig::Algorithm::kAdaptive:
      // The value layer's per-value choice has no RocksDB counterpart; LZ4
      // is the cheap codec it would mostly settle on.
      return rocksdb::kLZ4Compression;
    case CompressionConfig::Algorithm::kNone:
      break;
  }
  return rocksdb::kNoCompression;
}

class RocksDbStore;

// A RocksDB snapshot, released when the handle goes away.
class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(const void* owner, rocksdb::DB* db, const rocksdb::Snapshot* snap)
      : Snapshot(owner, snap->GetSequenceNumber()), db_(db), snap_(snap) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const rocksdb::Snapshot* get() const { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

// Our Iterator over a RocksDB iterator (which sees one state for its life).
class RocksIterator final : public Iterator {
 public:
  explicit RocksIterator(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void SeekForPrev(std::string_view target) override {
    it_->SeekForPrev(ToSlice(target));
  }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  absl::Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A RocksDB optimistic transaction with its snapshot taken at begin.
class RocksTransaction final : public Transaction {
 public:
  RocksTransaction(rocksdb::OptimisticTransactionDB* db, LocalChangeFeed* feed)
      : txn_(db->BeginTransaction(rocksdb::WriteOptions(), TxnOptions())), feed_(feed) {
    read_.snapshot = txn_->GetSnapshot();
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(Check(key));
    return FromRocks(txn_->Get(read_, ToSlice(key), value), "get");
  }
  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(Check(key));
    NoteKey(key);
    return FromRocks(txn_->GetForUpdate(read_, ToSlice(key), value), "get");
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(CheckActive());
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    NoteKey(key);
    RETURN_IF_ERROR(FromRocks(txn_->Put(ToSlice(key), ToSlice(value)), "put"));
    (void)writes_.Put(key, value);  // validated above
    return absl::OkStatus();
  }
  absl::Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(Check(key));
    NoteKey(key);
    RETURN_IF_ERROR(FromRocks(txn_->Delete(ToSlice(key)), "delete"));
    (void)writes_.Delete(key);
    return absl::OkStatus();
  }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    if (absl::Status s = CheckActive(); !s.ok()) return NewErrorIterator(s);
    // Merges the transaction's writes over the snapshot (read-your-writes).
    return NewBoundedIterator(
        std::make_unique<RocksIterator>(
            std::unique_ptr<rocksdb::Iterator>(txn_->GetIterator(read_))),
        range);
  }
  absl::Status Commit(const WriteOptions& options) override {
    RETURN_IF_ERROR(CheckActive());
    finished_ = true;
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    txn_->SetWriteOptions(wo);
    return feed_->Commit(
        [&]() -> absl::Status {
          rocksdb::Status s = txn_->Commit();
          if (s.IsBusy() || s.IsTryAgain()) {
            // RocksDB does not say which key conflicted; name the candidates.
            return absl::AbortedError(fmt::format(
                "transaction conflict: one of the keys {} was written by another "
                "writer after this transaction began ({})",
                keys_, s.ToString()));
          }
          return FromRocks(s, "commit");
        },
        writes_);
  }
  absl::Status Rollback() override {
    RETURN_IF_ERROR(CheckActive());
    finished_ = true;
    return FromRocks(txn_->Rollback(), "rollback");
  }

 private:
  static rocksdb::OptimisticTransactionOptions TxnOptions() {
    rocksdb::OptimisticTransactionOptions o;
    o.set_snapshot = true;  // validate against the state at begin
    return o;
  }
  absl::Status CheckActive() const {
    if (finished_) {
      return absl::FailedPreconditionError(
          "transaction already committed or rolled back");
    }
    return absl::OkStatus();
  }
  absl::Status Check(std::string_view key) const {
    RETURN_IF_ERROR(CheckActive());
    return ValidateKey(key);
  }
  // Keeps the first few keys for a readable conflict message.
  void NoteKey(std::string_view key) {
    if (noted_ >= 4) return;
    if (noted_++ > 0) keys_ += ", ";
    keys_ += "\"" + absl::CHexEscape(absl::string_view(key.data(), std::min<size_t>(key.size(), 64))) + "\"";
    if (noted_ == 4) keys_ += ", ...";
  }

  std::unique_ptr<rocksdb::Transaction> txn_;
  LocalChangeFeed* feed_;
  WriteBatch writes_;  // what Commit publishes to change streams
  rocksdb::ReadOptions read_;
  bool finished_ = false;
  int noted_ = 0;
  std::string keys_;
};

class RocksDbStore final : public Store {
 public:
  // Read-write: plain operations on the transaction DB's base DB.
  RocksDbStore(std::unique_ptr<rocksdb::OptimisticTransactionDB> db, std::string path)
      : txn_db_(std::move(db)), db_(txn_db_->GetBaseDB()), path_(std::move(path)) {}
  // Read-only (DB::OpenForReadOnly): no transaction DB; every write refused.
  RocksDbStore(std::unique_ptr<rocksdb::DB> read_only_db, std::string path)
      : read_only_db_(std::move(read_only_db)), db_(read_only_db_.get()),
        path_(std::move(path)) {}
  ~RocksDbStore() override {
    // Closing syncs nothing unsynced by contract; just release the DB.
    txn_db_.reset();
    read_only_db_.reset();
  }

  std::string Name() const override { return "rocksdb"; }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    RETURN_IF_ERROR(ValidateKey(key));
    rocksdb::ReadOptions ro;
    RETURN_IF_ERROR(ToRead(options, &ro));
    std::string* buf = value->GetSelf();
    rocksdb::PinnableSlice ps(buf);
    rocksdb::Status s = db_->Get(ro, db_->DefaultColumnFamily(), ToSlice(key), &ps);
    if (s.IsNotFound()) return absl::NotFoundError("");
    RETURN_IF_ERROR(FromRocks(s, "get"));
    if (ps.IsPinned()) value->Assign(ToView(ps));  // data lives in RocksDB
    return absl::OkStatus();
  }

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    RETURN_IF_ERROR(Writable());
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    return feed_.Commit(
        [&] { return FromRocks(db_->Put(ToWrite(options), ToSlice(key), ToSlice(value)), "put"); },
        [&](WriteBatch* b) { (void)b->Put(key, value); });
  }

  absl::Status Delete(const WriteOptions& options, std::string_view key) override {
    RETURN_IF_ERROR(Writable());
    RETURN_IF_ERROR(ValidateKey(key));
    return feed_.Commit(
        [&] { return FromRocks(db_->Delete(ToWrite(options), ToSlice(key)), "delete"); },
        [&](WriteBatch* b) { (void)b->Delete(key); });
  }

  absl::Status Flush() override {
    RETURN_IF_ERROR(Writable());  // as the native engine: no flush read-only
    RETURN_IF_ERROR(FromRocks(db_->FlushWAL(/*sync=*/true), "flush wal"));
    return FromRocks(db_->Flush(rocksdb::FlushOptions()), "flush");
  }

  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    const rocksdb::Snapshot* snap = db_->GetSnapshot();
    if (snap == nullptr) return absl::InternalError("rocksdb refused a snapshot");
    return SnapshotHandle(std::make_unique<RocksSnapshot>(this, db_, snap));
  }

  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    RETURN_IF_ERROR(Writable());
    if (batch.Empty()) return absl::OkStatus();
    rocksdb::WriteBatch wb(batch.ApproximateSize());
    rocksdb::Status st;
    RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          if (st.ok()) st = wb.Put(ToSlice(k), ToSlice(v));
        },
        [&](std::string_view k) {
          if (st.ok()) st = wb.Delete(ToSlice(k));
        }));
    RETURN_IF_ERROR(FromRocks(st, "batch"));
    return feed_.Commit([&] { return FromRocks(db_->Write(ToWrite(options), &wb), "write"); },
                        batch);
  }

  // One MultiGet: RocksDB reads all keys at one sequence number.
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options, std::span<const std::string_view> keys) override {
    for (std::string_view k : keys) RETURN_IF_ERROR(ValidateKey(k));
    rocksdb::ReadOptions ro;
    RETURN_IF_ERROR(ToRead(options, &ro));
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (std::string_view k : keys) slices.push_back(ToSlice(k));
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(ro, db_->DefaultColumnFamily(), keys.size(), slices.data(),
                  values.data(), statuses.data());
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      RETURN_IF_ERROR(FromRocks(statuses[i], "multiget"));
      out[i].emplace(values[i].data(), values[i].size());
    }
    return out;
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    rocksdb::ReadOptions ro;
    if (absl::Status s = ToRead(options, &ro); !s.ok()) return NewErrorIterator(s);
    return NewBoundedIterator(
        std::make_unique<RocksIterator>(
            std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro))),
        range);
  }

  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    RETURN_IF_ERROR(Writable());
    return std::unique_ptr<Transaction>(
        std::make_unique<RocksTransaction>(txn_db_.get(), &feed_));
  }

  // This process's writes from now on (api/local_change_feed.h).
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return feed_.Subscribe(range, options);
  }

  // "stats" is rocksdb.stats; a name starting with "rocksdb." is passed to
  // rocksdb::DB::GetProperty as it is (NotFound if rocksdb does not know it).
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    std::string value;
    if (name == "stats") {
      if (!db_->GetProperty("rocksdb.stats", &value)) {
        return absl::InternalError("rocksdb has no rocksdb.stats");
      }
      return value;
    }
    if (name.substr(0, 8) != "rocksdb.") return Store::GetProperty(name);
    if (!db_->GetProperty(ToSlice(name), &value)) {
      return absl::NotFoundError("rocksdb has no property " + std::string(name));
    }
    return value;
  }

  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    RETURN_IF_ERROR(Writable());
    // An inverted range is empty (as for the other stores), where RocksDB
    // would call it an invalid argument.
    if (begin && end && *begin > *end) return absl::OkStatus();
    rocksdb::CompactRangeOptions co;
    // By default RocksDB skips the bottommost level when only it holds the
    // range; forcing it drops deletion markers there too, as the native
    // engine's CompactRange does.
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Slice b = begin ? ToSlice(*begin) : rocksdb::Slice();
    rocksdb::Slice e = end ? ToSlice(*end) : rocksdb::Slice();
    return FromRocks(db_->CompactRange(co, begin ? &b : nullptr, end ? &e : nullptr),
                     "compact range");
  }

 private:
  // FailedPrecondition on a read-only open (RocksDB itself would answer
  // NotSupported, and a read-only DB has no transactions at all).
  absl::Status Writable() const {
    if (read_only_db_ == nullptr) return absl::OkStatus();
    return absl::FailedPreconditionError(
        fmt::format("rocksdb: {} is open read-only", path_));
  }

  absl::Status ToRead(const ReadOptions& options, rocksdb::ReadOptions* ro) const {
    ro->verify_checksums = options.verify_checksums;
    ro->fill_cache = options.fill_cache;
    if (options.snapshot != nullptr) {
      if (options.snapshot->owner() != this) {
        return absl::InvalidArgumentError("snapshot belongs to another store");
      }
      ro->snapshot = static_cast<const RocksSnapshot*>(options.snapshot)->get();
    }
    return absl::OkStatus();
  }
  static rocksdb::WriteOptions ToWrite(const WriteOptions& options) {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    return wo;
  }

  std::unique_ptr<rocksdb::OptimisticTransactionDB> txn_db_;  // read-write only
  std::unique_ptr<rocksdb::DB> read_only_db_;                // read-only only
  rocksdb::DB* db_;  // the base DB of txn_db_, or read_only_db_
  const std::string path_;
  LocalChangeFeed feed_{"rocksdb"};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenRocksDbStore(
    const RocksDbStoreOptions& options, const std::string& path) {
  rocksdb::Options o;
  o.create_if_missing = options.create_if_missing;
  o.write_buffer_size = options.write_buffer_size;
  // Optimistic validation looks a key up in the memtables; keep this much
  // flushed-memtable history so a commit soon after a flush can still be
  // validated instead of failing with TryAgain.
  o.max_write_buffer_size_to_maintain = static_cast<int64_t>(options.write_buffer_size);
  o.max_open_files = options.max_open_files;
  o.compression = ToRocks(options.compression);
  o.use_direct_reads = options.use_direct_reads;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_size);
  t.block_size = options.block_size;
  if (options.bloom_bits_per_key > 0) {
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  if (options.read_only) {
    // Writes nothing to the directory and takes no lock; a missing database
    // is NotFound (RocksDB says InvalidArgument "does not exist").
    o.create_if_missing = false;
    o.info_log = std::make_shared<DiscardingLogger>();
    if (::access((path + "/CURRENT").c_str(), F_OK) != 0) {
      return absl::NotFoundError(fmt::format("rocksdb: no database in {}", path));
    }
    rocksdb::DB* ro = nullptr;
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(o, path, &ro),
                              "open read-only " + path));
    return std::unique_ptr<Store>(
        std::make_unique<RocksDbStore>(std::unique_ptr<rocksdb::DB>(ro), path));
  }
  rocksdb::OptimisticTransactionDB* db = nullptr;
  rocksdb::Status s = rocksdb::OptimisticTransactionDB::Open(o, path, &db);
  RETURN_IF_ERROR(FromRocks(s, "open " + path));
  return std::unique_ptr<Store>(std::make_unique<RocksDbStore>(
      std::unique_ptr<rocksdb::OptimisticTransactionDB>(db), path));
}

}  // namespace synapsed::storage
