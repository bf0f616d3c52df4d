// One SQLite connection of the sqlite backend (sqlite_store.h) with its
// prepared statements, and the pool that hands connections to threads.
//
// A connection is used by one thread at a time: the pool lends it out
// (ConnectionPool::Lease) and takes it back when the lease ends, rolling
// back any transaction left open. Statements are prepared once per
// connection and reset after each use.
#ifndef SYNAPSED_BACKENDS_SQLITE_CONNECTION_H_
#define SYNAPSED_BACKENDS_SQLITE_CONNECTION_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "util/mutex.h"

struct sqlite3;
struct sqlite3_stmt;

namespace synapsed::storage::sqlite {

// Maps an SQLite result code to a Status naming `what` and the database file.
absl::Status FromSqlite(int rc, sqlite3* db, std::string_view what);

// The statements every connection caches.
enum class Sql {
  kGet,            // SELECT value WHERE key = ?1
  kPut,            // upsert (?1, ?2)
  kDelete,         // DELETE WHERE key = ?1
  kBegin,          // BEGIN (deferred: a read snapshot from the first read)
  kBeginImmediate, // BEGIN IMMEDIATE (takes the write lock)
  kCommit,
  kRollback,
  kProbe,          // a one-row read that starts the read snapshot
  kFirst,          // all pairs ascending
  kLast,           // all pairs descending
  kGe,             // key >= ?1 ascending
  kGt,             // key > ?1 ascending
  kLe,             // key <= ?1 descending
  kLt,             // key < ?1 descending
  kMarkFlush,      // a synced write that makes the log durable
  kCount_,
};
const char* SqlText(Sql which);

struct ConnectionOptions {
  size_t cache_bytes = 64 << 20;  // this connection's page cache
  size_t page_size = 4096;        // applied when the file is created
  bool create = true;             // create the file if missing
  // SQLITE_OPEN_READONLY: the file is not written (SQLite may still make its
  // -wal and -shm companions, as any reader of a WAL-mode file does), the
  // schema is not created but must exist, and writes fail.
  bool read_only = false;
};

class Connection {
 public:
  // Opens `path` (WAL mode, schema created if needed; read-only: the schema
  // must be there, else FailedPrecondition "not a synapsed sqlite store").
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  // The cached statement, reset and with its bindings cleared.
  absl::StatusOr<sqlite3_stmt*> Get(Sql which);
  // Runs a statement that returns no rows (or whose rows are ignored).
  absl::Status Run(Sql which);
  absl::Status Exec(const char* sql);
  // PRAGMA synchronous FULL (each commit syncs the WAL) or NORMAL.
  absl::Status SetSync(bool full);
  bool InTransaction() const;
  // Resets every cached statement (ending the implicit read transaction a
  // statement left on a row keeps open).
  void ResetAll();

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::array<sqlite3_stmt*, static_cast<size_t>(Sql::kCount_)> stmts_{};
  bool full_sync_ = false;
};

// Binds a byte string as a BLOB (never NULL, even when empty).
int BindBlob(sqlite3_stmt* stmt, int index, std::string_view bytes);
// Column `col` of the current row as bytes (valid until the statement moves).
std::string_view ColumnBlob(sqlite3_stmt* stmt, int col);

class ConnectionPool {
 public:
  ConnectionPool(std::string path, ConnectionOptions options)
      : path_(std::move(path)), options_(options) {}

  class Lease {
   public:
    Lease() = default;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& other) {
      Return();
      pool_ = other.pool_;
      conn_ = std::move(other.conn_);
      return *this;
    }
    ~Lease() { Return(); }
    Connection* operator->() const { return conn_.get(); }
    Connection* get() const { return conn_.get(); }

   private:
    void Return() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
  };

  // An idle connection, or a new one.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  const ConnectionOptions options_;
  Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace synapsed::storage::sqlite

#endif  // SYNAPSED_BACKENDS_SQLITE_CONNECTION_H_
