// The LevelDB backend: the public Store API over Debian's libleveldb (1.23).
// It stands in the benchmark as a peer and for the seed's sled backend
// (which has no C or C++ interface).
//
// Get/Put/Delete/Write, iterators and snapshots map one to one onto LevelDB;
// LevelDB has no SeekForPrev, so the iterator emulates it with Seek + Prev.
// LevelDB has no transactions: BeginTransaction answers Unimplemented.
// LevelDB 1.23 compresses with Snappy only: any requested compression other
// than none becomes Snappy (callers that print a configuration say so).
//
// Status mapping as in rocksdb_store.h: NotFound, Corruption -> DataLoss,
// IOError -> Unavailable (a held LOCK file -> FailedPrecondition),
// InvalidArgument, NotSupported -> Unimplemented.
//
// Thread-safe, as LevelDB is.
#ifndef SYNAPSED_BACKENDS_LEVELDB_STORE_H_
#define SYNAPSED_BACKENDS_LEVELDB_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

struct LevelDbStoreOptions {
  // Bytes of the LRU block cache (uncompressed blocks).
  size_t block_cache_size = 64 << 20;
  // Bytes buffered in a memtable before it is written to a level-0 table.
  size_t write_buffer_size = 4 << 20;
  // Table files kept open (LevelDB's default is 1000).
  int max_open_files = 1000;
  // Bloom filter bits per key (0: no filter).
  int bloom_bits_per_key = 10;
  // Uncompressed bytes per data block.
  size_t block_size = 4096;
  // kNone: no compression; anything else: Snappy (see above).
  CompressionConfig::Algorithm compression = CompressionConfig::Algorithm::kSnappy;
  bool create_if_missing = true;
};

// Opens (creating if allowed) the LevelDB database in the directory `path`.
// FailedPrecondition if another open holds the directory's lock.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenLevelDbStore(
    const LevelDbStoreOptions& options, const std::string& path);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_LEVELDB_STORE_H_
