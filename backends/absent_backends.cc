// The peer backends a build was configured without (SYNAPSED_WITH_ROCKSDB,
// _LEVELDB, _SQLITE off): their Open*Store exist, so the registry, the
// benchmark and the tests need no #ifdef, and answer Unimplemented naming
// the backend and the option that brings it back.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/leveldb_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "fmt/format.h"

namespace synapsed::storage {
namespace {

[[maybe_unused]] absl::Status Absent(std::string_view name,
                                     std::string_view option) {
  return absl::UnimplementedError(
      fmt::format("this build has no {} backend (configure with "
                  "-DSYNAPSED_WITH_{}=ON and its "
                  "library installed)",
                  name, option));
}

}  // namespace

#ifndef SYNAPSED_WITH_ROCKSDB
absl::StatusOr<std::unique_ptr<Store>> OpenRocksDbStore(
    const RocksDbStoreOptions&, const std::string&) {
  return Absent("rocksdb", "ROCKSDB");
}
#endif

#ifndef SYNAPSED_WITH_LEVELDB
absl::StatusOr<std::unique_ptr<Store>> OpenLevelDbStore(
    const LevelDbStoreOptions&, const std::string&) {
  return Absent("leveldb", "LEVELDB");
}
#endif

#ifndef SYNAPSED_WITH_SQLITE
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions&, const std::string&) {
  return Absent("sqlite", "SQLITE");
}
#endif

}  // namespace synapsed::storage
