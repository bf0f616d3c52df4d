#include "backends/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "util/mutex.h"
#include "api/bounded_iterator.h"
#include "api/local_change_feed.h"
#include "api/optimistic_transaction.h"
#include "backends/sqlite_connection.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::FromSqlite;
using sqlite::Sql;

// Reads `key` on `c`: the value, or NotFound.
absl::Status GetOn(Connection* c, std::string_view key, std::string* out) {
  ASSIGN_OR_RETURN(sqlite3_stmt * s, c->Get(Sql::kGet));
  sqlite::BindBlob(s, 1, key);
  const int rc = sqlite3_step(s);
  absl::Status st;
  if (rc == SQLITE_ROW) {
    std::string_view v = sqlite::ColumnBlob(s, 0);
    out->assign(v.data(), v.size());
  } else if (rc == SQLITE_DONE) {
    st = absl::NotFoundError("");
  } else {
    st = FromSqlite(rc, c->db(), "get");
  }
  sqlite3_reset(s);  // ends the statement's implicit read transaction
  return st;
}

// Runs one put (value set) or delete on `c`.
absl::Status WriteOn(Connection* c, std::string_view key,
                     const std::string_view* value) {
  ASSIGN_OR_RETURN(sqlite3_stmt * s, c->Get(value ? Sql::kPut : Sql::kDelete));
  sqlite::BindBlob(s, 1, key);
  if (value) sqlite::BindBlob(s, 2, *value);
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return FromSqlite(rc, c->db(), value ? "put" : "delete");
}

class SqliteStore;

// A read transaction held open on a connection of its own.
class SqliteSnapshot final : public Snapshot {
 public:
  SqliteSnapshot(SqliteStore* store, uint64_t seq, ConnectionPool::Lease lease)
      : Snapshot(store, seq), store_(store), lease_(std::move(lease)) {}
  ~SqliteSnapshot() override;

  Connection* conn() const { return lease_.get(); }
  // Serializes use of the connection by the threads sharing this snapshot.
  Mutex* mu() const { return &mu_; }

 private:
  SqliteStore* store_;
  ConnectionPool::Lease lease_;
  mutable Mutex mu_;
};

// Steps SQL range queries: forward with ORDER BY key ASC, backward with
// DESC; a change of direction restarts the query from the current key.
class SqliteIterator final : public Iterator {
 public:
  // Reads on its own connection, inside the read transaction opened on it.
  explicit SqliteIterator(ConnectionPool::Lease lease)
      : lease_(std::move(lease)), conn_(lease_.get()) {}
  // Reads on a snapshot's connection, with statements of its own.
  explicit SqliteIterator(const SqliteSnapshot* snap)
      : conn_(snap->conn()), mu_(snap->mu()) {}
  ~SqliteIterator() override {
    Lock l(mu_);
    if (cur_ != nullptr) sqlite3_reset(cur_);
    for (sqlite3_stmt* s : own_) sqlite3_finalize(s);
  }

  bool Valid() const override { return valid_; }
  void SeekToFirst() override { Start(Sql::kFirst, true, {}); }
  void SeekToLast() override { Start(Sql::kLast, false, {}); }
  void Seek(std::string_view target) override { Start(Sql::kGe, true, target); }
  void SeekForPrev(std::string_view target) override { Start(Sql::kLe, false, target); }
  void Next() override {
    if (forward_) {
      Lock l(mu_);
      Step();
    } else {
      Start(Sql::kGt, true, key_);
    }
  }
  void Prev() override {
    if (!forward_) {
      Lock l(mu_);
      Step();
    } else {
      Start(Sql::kLt, false, key_);
    }
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return status_; }

 private:
  // MutexLock on an optional mutex.
  struct Lock {
    explicit Lock(Mutex* mu) ABSL_NO_THREAD_SAFETY_ANALYSIS : mu(mu) {
      if (mu) mu->Lock();
    }
    ~Lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      if (mu) mu->Unlock();
    }
    Mutex* mu;
  };

  absl::StatusOr<sqlite3_stmt*> Statement(Sql which) {
    if (mu_ == nullptr) return conn_->Get(which);  // the connection is ours alone
    sqlite3_stmt*& s = own_[static_cast<size_t>(which)];
    if (s == nullptr) {
      int rc = sqlite3_prepare_v2(conn_->db(), sqlite::SqlText(which), -1, &s, nullptr);
      if (rc != SQLITE_OK) {
        s = nullptr;
        return FromSqlite(rc, conn_->db(), sqlite::SqlText(which));
      }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
  }

  void Start(Sql which, bool forward, std::string_view target) {
    std::string copy(target);  // `target` may point into the current row
    Lock l(mu_);
    forward_ = forward;
    valid_ = false;
    if (!status_.ok()) return;
    if (cur_ != nullptr) sqlite3_reset(cur_);
    cur_ = nullptr;
    auto s = Statement(which);
    if (!s.ok()) {
      status_ = s.status();
      return;
    }
    target_.swap(copy);  // bound without a copy: must live while the query runs
    if (which != Sql::kFirst && which != Sql::kLast) sqlite::BindBlob(*s, 1, target_);
    cur_ = *s;
    Step();
  }

  void Step() {
    const int rc = sqlite3_step(cur_);
    if (rc == SQLITE_ROW) {
      key_ = sqlite::ColumnBlob(cur_, 0);
      value_ = sqlite::ColumnBlob(cur_, 1);
      valid_ = true;
      return;
    }
    valid_ = false;
    if (rc != SQLITE_DONE) status_ = FromSqlite(rc, conn_->db(), "iterate");
  }

  ConnectionPool::Lease lease_;  // empty when reading through a snapshot
  Connection* conn_;
  Mutex* mu_ = nullptr;
  std::array<sqlite3_stmt*, static_cast<size_t>(Sql::kCount_)> own_{};
  sqlite3_stmt* cur_ = nullptr;
  std::string target_;
  std::string_view key_, value_;
  bool valid_ = false;
  bool forward_ = true;
  absl::Status status_;
};

class SqliteStore final : public Store, public TransactionCommitter {
 public:
  // lock_fd: the held "<path>.lock", or -1 for a read-only open.
  SqliteStore(std::string path, sqlite::ConnectionOptions options, int lock_fd)
      : path_(std::move(path)), pool_(path_, options), lock_fd_(lock_fd),
        read_only_(options.read_only) {}
  ~SqliteStore() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  absl::Status Init() {
    // The first connection creates the schema and switches to WAL mode.
    return pool_.Acquire().status();
  }

  std::string Name() const override { return "sqlite"; }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(const SqliteSnapshot* snap, SnapshotOf(options));
    if (snap != nullptr) {
      MutexLock l(snap->mu());
      return GetOn(snap->conn(), key, value->GetSelf());
    }
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    return GetOn(c.get(), key, value->GetSelf());
  }

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    RETURN_IF_ERROR(Writable());
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    return feed_.Commit([&] { return WriteOne(options, key, &value); },
                        [&](WriteBatch* b) { (void)b->Put(key, value); });
  }

  absl::Status Delete(const WriteOptions& options, std::string_view key) override {
    RETURN_IF_ERROR(Writable());
    RETURN_IF_ERROR(ValidateKey(key));
    return feed_.Commit([&] { return WriteOne(options, key, nullptr); },
                        [&](WriteBatch* b) { (void)b->Delete(key); });
  }

  // A synced write makes the WAL, and so every earlier commit, durable.
  absl::Status Flush() override {
    RETURN_IF_ERROR(Writable());  // as the native engine: no flush read-only
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    MutexLock l(&write_mu_);
    RETURN_IF_ERROR(c->SetSync(true));
    return c->Run(Sql::kMarkFlush);
  }

  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    // Under the write mutex, so the read point is exactly commit seq_.
    MutexLock l(&write_mu_);
    RETURN_IF_ERROR(c->Run(Sql::kBegin));
    RETURN_IF_ERROR(c->Run(Sql::kProbe));  // the first read fixes the view
    live_.insert(seq_);
    return SnapshotHandle(std::make_unique<SqliteSnapshot>(this, seq_, std::move(c)));
  }

  void ReleaseSnapshot(uint64_t seq) {
    MutexLock l(&write_mu_);
    live_.erase(live_.find(seq));
    if (live_.empty()) {
      last_write_.clear();
    } else if (last_write_.size() > prune_at_) {
      const uint64_t oldest = *live_.begin();
      absl::erase_if(last_write_, [&](const auto& kv) { return kv.second <= oldest; });
      prune_at_ = 2 * last_write_.size() + 1024;
    }
  }

  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    RETURN_IF_ERROR(Writable());
    if (batch.Empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    return feed_.Commit(
        [&] {
          MutexLock l(&write_mu_);
          return ApplyLocked(c.get(), options, batch);
        },
        batch);
  }

  // One read transaction for all keys.
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options, std::span<const std::string_view> keys) override {
    for (std::string_view k : keys) RETURN_IF_ERROR(ValidateKey(k));
    ASSIGN_OR_RETURN(const SqliteSnapshot* snap, SnapshotOf(options));
    std::vector<std::optional<std::string>> out(keys.size());
    auto read_all = [&](Connection* c) -> absl::Status {
      std::string v;
      for (size_t i = 0; i < keys.size(); ++i) {
        absl::Status s = GetOn(c, keys[i], &v);
        if (s.ok()) {
          out[i] = v;
        } else if (!absl::IsNotFound(s)) {
          return s;
        }
      }
      return absl::OkStatus();
    };
    if (snap != nullptr) {
      MutexLock l(snap->mu());
      RETURN_IF_ERROR(read_all(snap->conn()));
      return out;
    }
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    RETURN_IF_ERROR(c->Run(Sql::kBegin));
    RETURN_IF_ERROR(read_all(c.get()));
    RETURN_IF_ERROR(c->Run(Sql::kCommit));
    return out;
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    auto snap = SnapshotOf(options);
    if (!snap.ok()) return NewErrorIterator(snap.status());
    if (*snap != nullptr) {
      return NewBoundedIterator(std::make_unique<SqliteIterator>(*snap), range);
    }
    auto c = pool_.Acquire();
    if (!c.ok()) return NewErrorIterator(c.status());
    absl::Status s = (*c)->Run(Sql::kBegin);
    if (s.ok()) s = (*c)->Run(Sql::kProbe);  // the iterator's view starts now
    if (!s.ok()) return NewErrorIterator(s);
    return NewBoundedIterator(std::make_unique<SqliteIterator>(std::move(*c)), range);
  }

  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions&) override {
    RETURN_IF_ERROR(Writable());
    ASSIGN_OR_RETURN(SnapshotHandle snap, GetSnapshot());
    return std::unique_ptr<Transaction>(
        std::make_unique<OptimisticTransaction>(this, this, std::move(snap)));
  }

  absl::Status CommitTransaction(const WriteOptions& options, const WriteBatch& batch,
                                 const Snapshot& snapshot,
                                 std::span<const std::string> check_keys) override {
    if (snapshot.owner() != this) {
      return absl::InvalidArgumentError("snapshot belongs to another store");
    }
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    return feed_.Commit(
        [&]() -> absl::Status {
          MutexLock l(&write_mu_);
          for (const std::string& key : check_keys) {
            auto it = last_write_.find(key);
            if (it != last_write_.end() && it->second > snapshot.sequence()) {
              return absl::AbortedError(fmt::format(
                  "transaction conflict: key \"{}\" was written by another writer "
                  "after this transaction began",
                  absl::CHexEscape(
                      absl::string_view(key.data(), std::min<size_t>(key.size(), 64)))));
            }
          }
          return ApplyLocked(c.get(), options, batch);
        },
        batch);
  }

  // This process's writes from now on (api/local_change_feed.h).
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return feed_.Subscribe(range, options);
  }

  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "stats") return Store::GetProperty(name);
    MutexLock l(&write_mu_);
    return fmt::format("file: {}\ncommits: {}\nlive_snapshots: {}\ntracked_keys: {}\n",
                       path_, seq_, live_.size(), last_write_.size());
  }

 private:
  absl::Status Writable() const {
    if (!read_only_) return absl::OkStatus();
    return absl::FailedPreconditionError(fmt::format("sqlite: {} is open read-only", path_));
  }

  absl::StatusOr<const SqliteSnapshot*> SnapshotOf(const ReadOptions& options) const {
    if (options.snapshot == nullptr) return nullptr;
    if (options.snapshot->owner() != this) {
      return absl::InvalidArgumentError("snapshot belongs to another store");
    }
    return static_cast<const SqliteSnapshot*>(options.snapshot);
  }

  // A single statement commits on its own (autocommit): no BEGIN needed.
  absl::Status WriteOne(const WriteOptions& options, std::string_view key,
                        const std::string_view* value) {
    ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool_.Acquire());
    MutexLock l(&write_mu_);
    RETURN_IF_ERROR(c->SetSync(options.sync));
    RETURN_IF_ERROR(WriteOn(c.get(), key, value));
    ++seq_;
    if (!live_.empty()) last_write_[absl::string_view(key.data(), key.size())] = seq_;
    return absl::OkStatus();
  }

  absl::Status ApplyLocked(Connection* c, const WriteOptions& options,
                           const WriteBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    if (batch.Empty()) return absl::OkStatus();
    RETURN_IF_ERROR(c->SetSync(options.sync));
    RETURN_IF_ERROR(c->Run(Sql::kBeginImmediate));
    absl::Status st;
    absl::Status it = batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          if (st.ok()) st = WriteOn(c, k, &v);
        },
        [&](std::string_view k) {
          if (st.ok()) st = WriteOn(c, k, nullptr);
        });
    if (st.ok()) st = it;
    if (st.ok()) st = c->Run(Sql::kCommit);
    if (!st.ok()) {
      c->Run(Sql::kRollback).IgnoreError();
      return st;
    }
    ++seq_;
    if (!live_.empty()) {
      // Runs inside Iterate, under write_mu_ (annotated for clang's
      // analysis, which checks each lambda on its own).
      auto note = [&](std::string_view k) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
        last_write_[absl::string_view(k.data(), k.size())] = seq_;
      };
      batch
          .Iterate([&](std::string_view k, std::string_view)
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) { note(k); },
                   note)
          .IgnoreError();
    }
    return absl::OkStatus();
  }

  const std::string path_;
  ConnectionPool pool_;
  const int lock_fd_;
  const bool read_only_;
  Mutex write_mu_;  // one writer at a time
  uint64_t seq_ ABSL_GUARDED_BY(write_mu_) = 0;  // commits so far
  std::multiset<uint64_t> live_ ABSL_GUARDED_BY(write_mu_);  // snapshot seqs
  // Key -> the commit that last wrote it; kept only while a snapshot lives,
  // and only entries newer than the oldest live snapshot matter.
  absl::flat_hash_map<std::string, uint64_t> last_write_ ABSL_GUARDED_BY(write_mu_);
  size_t prune_at_ ABSL_GUARDED_BY(write_mu_) = 1024;
  LocalChangeFeed feed_{"sqlite"};
};

SqliteSnapshot::~SqliteSnapshot() {
  lease_ = ConnectionPool::Lease();  // ends the read transaction first
  store_->ReleaseSnapshot(sequence());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options,
                                                       const std::string& path) {
  struct stat st;
  if (!options.create_if_missing && ::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(fmt::format("sqlite: no database file {}", path));
  }
  if (options.read_only) {
    // No lock: SQLite's own locking lets a reader share the file with a
    // writer, and a read-only open must not create "<path>.lock".
    if (::stat(path.c_str(), &st) != 0) {
      return absl::NotFoundError(fmt::format("sqlite: no database file {}", path));
    }
    sqlite::ConnectionOptions co;
    co.cache_bytes = options.cache_size;
    co.create = false;
    co.read_only = true;
    auto store = std::make_unique<SqliteStore>(path, co, -1);
    RETURN_IF_ERROR(store->Init());
    return std::unique_ptr<Store>(std::move(store));
  }
  const std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        fmt::format("sqlite: cannot open {}: {}", lock_path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          fmt::format("sqlite: {} is locked by another open", path));
    }
    return absl::UnavailableError(
        fmt::format("sqlite: cannot lock {}: {}", lock_path, std::strerror(err)));
  }
  sqlite::ConnectionOptions co;
  co.cache_bytes = options.cache_size;
  co.page_size = options.page_size;
  co.create = options.create_if_missing;
  auto store = std::make_unique<SqliteStore>(path, co, fd);
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace synapsed::storage
