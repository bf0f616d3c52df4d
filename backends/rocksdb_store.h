// The RocksDB backend: the public Store API over Debian's librocksdb (7.8).
//
// Model: one rocksdb::OptimisticTransactionDB per directory. Plain reads and
// writes go to its base DB; snapshots are RocksDB snapshots; iterators wrap
// RocksDB iterators (bounded by api/bounded_iterator.h); transactions are
// RocksDB optimistic transactions with their snapshot set at begin, so a
// commit fails with Aborted when a key it wrote or read with GetForUpdate was
// written by anyone after it began (first committer wins).
//
// Status mapping: NotFound -> NotFound, Corruption -> DataLoss, IOError ->
// Unavailable (a held LOCK file -> FailedPrecondition), Busy/TryAgain ->
// Aborted, InvalidArgument -> InvalidArgument, NotSupported -> Unimplemented,
// anything else -> Internal. Key and value limits are checked before RocksDB
// sees the input.
//
// Thread-safe, as RocksDB is. A transaction is used by one thread.
#ifndef SYNAPSED_BACKENDS_ROCKSDB_STORE_H_
#define SYNAPSED_BACKENDS_ROCKSDB_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

struct RocksDbStoreOptions {
  // Bytes of the LRU block cache (uncompressed blocks).
  size_t block_cache_size = 64 << 20;
  // Bytes buffered in a memtable before it is flushed to an L0 table.
  size_t write_buffer_size = 64 << 20;
  // Table files kept open (-1: all).
  int max_open_files = -1;
  // Bloom filter bits per key in every table (0: no filter).
  int bloom_bits_per_key = 10;
  // Uncompressed bytes per data block.
  size_t block_size = 4096;
  // Block compression (kNone: none).
  CompressionConfig::Algorithm compression = CompressionConfig::Algorithm::kLz4;
  // RocksDB's use_direct_reads: table reads with O_DIRECT.
  bool use_direct_reads = false;
  bool create_if_missing = true;
  // DB::OpenForReadOnly: nothing in the directory is written and no lock is
  // taken; writes, transactions, Flush and CompactRange fail with
  // FailedPrecondition; NotFound if there is no database.
  bool read_only = false;
};

// Opens (creating if allowed) the RocksDB database in the directory `path`.
// FailedPrecondition if another open holds the directory's lock.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenRocksDbStore(
    const RocksDbStoreOptions& options, const std::string& path);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_ROCKSDB_STORE_H_
