#include "tests/conformance/backend_factory.h"

#include "backends/leveldb_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "synapsed/storage/builder.h"

namespace synapsed::storage::testing {

std::vector<BackendFactory> AllBackends() {
  std::vector<BackendFactory> all;
  all.push_back({"memory", [](const std::string&) {
                   return StorageBuilder(StorageConfig::Memory()).Build();
                 }});
  all.push_back({"native",
                 [](const std::string& dir) {
                   return StorageBuilder(StorageConfig::Native(dir)).Build();
                 },
                 /*persistent=*/true});
  // Tiny memtables: every test runs across many memtable and log switches.
  all.push_back({"native_tiny_buffers",
                 [](const std::string& dir) {
                   StorageConfig c = StorageConfig::Native(dir);
                   c.native.write_buffer_size = 4096;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  // The peers, through the builder as an embedder would reach them.
  all.push_back({"rocksdb",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kRocksDb;
                   c.path = dir;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  // Tiny memtables: transactions validated across memtable flushes.
  all.push_back({"rocksdb_tiny_buffers",
                 [](const std::string& dir) {
                   RocksDbStoreOptions o;
                   o.write_buffer_size = 16 << 10;
                   return OpenRocksDbStore(o, dir);
                 },
                 /*persistent=*/true});
  all.push_back({"sqlite",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kSqlite;
                   c.path = dir;  // the database file
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  // LevelDB offers no transactions (BeginTransaction is Unimplemented).
  all.push_back({"leveldb",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kLevelDb;
                   c.path = dir;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true, /*transactions=*/false});
  all.push_back({"leveldb_tiny_buffers",
                 [](const std::string& dir) {
                   LevelDbStoreOptions o;
                   o.write_buffer_size = 16 << 10;
                   return OpenLevelDbStore(o, dir);
                 },
                 /*persistent=*/true, /*transactions=*/false});
  return all;
}

}  // namespace synapsed::storage::testing
