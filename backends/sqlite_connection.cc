#include "util/mutex.h"
#include "backends/sqlite_connection.h"

#include <sqlite3.h>

#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::sqlite {

absl::Status FromSqlite(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  std::string msg = fmt::format("sqlite {} ({}): {}", what, file ? file : "?",
                                db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_NOTFOUND:
      return absl::NotFoundError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      // SQLite does not report the offset of the damage.
      return absl::DataLossError(msg);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError(msg);
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return absl::InvalidArgumentError(msg);
    default:
      return absl::InternalError(msg);
  }
}

const char* SqlText(Sql which) {
  switch (which) {
    case Sql::kGet:
      return "SELECT value FROM kv WHERE key = ?1";
    case Sql::kPut:
      return "INSERT OR REPLACE INTO kv(key, value) VALUES(?1, ?2)";
    case Sql::kDelete:
      return "DELETE FROM kv WHERE key = ?1";
    case Sql::kBegin:
      return "BEGIN";
    case Sql::kBeginImmediate:
      return "BEGIN IMMEDIATE";
    case Sql::kCommit:
      return "COMMIT";
    case Sql::kRollback:
      return "ROLLBACK";
    case Sql::kProbe:
      return "SELECT 1 FROM kv LIMIT 1";
    case Sql::kFirst:
      return "SELECT key, value FROM kv ORDER BY key ASC";
    case Sql::kLast:
      return "SELECT key, value FROM kv ORDER BY key DESC";
    case Sql::kGe:
      return "SELECT key, value FROM kv WHERE key >= ?1 ORDER BY key ASC";
    case Sql::kGt:
      return "SELECT key, value FROM kv WHERE key > ?1 ORDER BY key ASC";
    case Sql::kLe:
      return "SELECT key, value FROM kv WHERE key <= ?1 ORDER BY key DESC";
    case Sql::kLt:
      return "SELECT key, value FROM kv WHERE key < ?1 ORDER BY key DESC";
    case Sql::kMarkFlush:
      return "INSERT INTO meta(name, value) VALUES('flushes', 1) "
             "ON CONFLICT(name) DO UPDATE SET value = value + 1";
    case Sql::kCount_:
      break;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path, const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  // NOMUTEX: the pool gives a connection to one thread at a time.
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = FromSqlite(rc, db, "open " + path);
    sqlite3_close_v2(db);
    if (rc == SQLITE_CANTOPEN && !options.create) {
      return absl::NotFoundError(std::string(s.message()));
    }
    return s;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  // Writers are serialized by the store; the timeout only covers
  // checkpoints and other processes.
  sqlite3_busy_timeout(db, 10000);
  if (options.read_only) {
    RETURN_IF_ERROR(conn->Exec(
        fmt::format("PRAGMA cache_size = -{}", std::max<size_t>(options.cache_bytes / 1024, 1))
            .c_str()));
    // The kv table must exist; this reads the schema and nothing else.
    if (!conn->Exec("SELECT key, value FROM kv LIMIT 0").ok()) {
      return absl::FailedPreconditionError(fmt::format(
          "sqlite: {} is not a synapsed sqlite store (it has no kv table)", path));
    }
    return conn;
  }
  // page_size only takes effect before the file's first table exists.
  RETURN_IF_ERROR(conn->Exec(fmt::format("PRAGMA page_size = {}", options.page_size).c_str()));
  RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
  RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = NORMAL"));
  RETURN_IF_ERROR(conn->Exec(
      fmt::format("PRAGMA cache_size = -{}", std::max<size_t>(options.cache_bytes / 1024, 1))
          .c_str()));
  RETURN_IF_ERROR(conn->Exec(
      "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID"));
  RETURN_IF_ERROR(conn->Exec(
      "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER)"));
  return conn;
}

Connection::~Connection() {
  for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

absl::StatusOr<sqlite3_stmt*> Connection::Get(Sql which) {
  sqlite3_stmt*& s = stmts_[static_cast<size_t>(which)];
  if (s == nullptr) {
    int rc = sqlite3_prepare_v3(db_, SqlText(which), -1, SQLITE_PREPARE_PERSISTENT, &s,
                                nullptr);
    if (rc != SQLITE_OK) {
      s = nullptr;
      return FromSqlite(rc, db_, SqlText(which));
    }
    return s;
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

absl::Status Connection::Run(Sql which) {
  ASSIGN_OR_RETURN(sqlite3_stmt * s, Get(which));
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
  }
  absl::Status st = FromSqlite(rc, db_, SqlText(which));
  sqlite3_reset(s);
  return st;
}

absl::Status Connection::Exec(const char* sql) {
  return FromSqlite(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), db_, sql);
}

absl::Status Connection::SetSync(bool full) {
  if (full == full_sync_) return absl::OkStatus();
  RETURN_IF_ERROR(Exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  full_sync_ = full;
  return absl::OkStatus();
}

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Connection::ResetAll() {
  for (sqlite3_stmt* s : stmts_) {
    if (s != nullptr) sqlite3_reset(s);
  }
}

int BindBlob(sqlite3_stmt* stmt, int index, std::string_view bytes) {
  // A null pointer would bind SQL NULL; an empty key is an empty BLOB.
  static const char kEmpty = 0;
  return sqlite3_bind_blob64(stmt, index, bytes.empty() ? &kEmpty : bytes.data(),
                             bytes.size(), SQLITE_STATIC);
}

std::string_view ColumnBlob(sqlite3_stmt* stmt, int col) {
  const void* p = sqlite3_column_blob(stmt, col);
  const int n = sqlite3_column_bytes(stmt, col);
  if (p == nullptr || n == 0) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    MutexLock l(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path_, options_));
  return Lease(this, std::move(c));
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  // Whatever the borrower left open (a read snapshot, a failed write) ends.
  conn->ResetAll();
  if (conn->InTransaction() && !conn->Run(Sql::kRollback).ok()) return;  // drop it
  MutexLock l(&mu_);
  idle_.push_back(std::move(conn));
}

}  // namespace synapsed::storage::sqlite
