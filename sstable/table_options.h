// Options for writing and reading tables. Each field says what it trades.
#ifndef SYNAPSED_SSTABLE_TABLE_OPTIONS_H_
#define SYNAPSED_SSTABLE_TABLE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/file_cipher.h"
#include "sstable/format.h"

namespace synapsed::storage::sstable {

class Readahead;

struct TableBuilderOptions {
  // Target uncompressed size of a data block: larger blocks compress better
  // and shrink the index, but a point read decodes and caches more bytes.
  size_t block_size = 4096;
  // Keys between restart points in data blocks: more saves space (prefix
  // compression), fewer shortens the linear scan after a binary search.
  int restart_interval = 16;
  // The same for the index block; 1 lets Seek binary-search every separator.
  int index_restart_interval = 1;
  // Bloom filter bits per user key; 0 writes no filter. 10 gives ~1% false
  // positives for 1.25 bytes per key.
  int bloom_bits_per_key = 10;
  // Codec for data, index and properties blocks. LZ4 is cheap to decode;
  // Zstandard is smaller and slower (meant for cold data).
  CompressionType compression = CompressionType::kLz4;
  int zstd_level = 3;
  // Adaptive mode: after a few data blocks in a row fail to compress (save
  // less than 1/8), try only a sample of the following ones and store the
  // rest raw without spending a codec pass on them, until a sample
  // compresses again (sstable/compression_sampler.h). Saves CPU on data
  // that does not compress; may store a few compressible blocks raw right
  // after the data turns compressible.
  bool adaptive_compression = false;
  // Seconds since the Unix epoch recorded in the properties; 0 means now.
  // Fixed only for reproducible tables (tests, the spec's example).
  uint64_t creation_time = 0;
  // Seals every block (after compression, before the checksum) under the
  // table's data key, and marks the footer kEncryptedFormatVersion. Null: a
  // plain table.
  std::shared_ptr<const crypto::FileCipher> cipher;
};

struct TableReaderOptions {
  // Verify every block checksum on load. Only tools and fuzzers turn this
  // off (to reach the decoders with damaged bytes); the engine never does.
  bool verify_checksums = true;
  // The table's data key, for an encrypted table. A table whose footer says
  // encrypted is refused without one (FailedPrecondition), and a plain table
  // is refused with one (DataLoss: an encrypted database holds no plain
  // table).
  std::shared_ptr<const crypto::FileCipher> cipher;
};

// Per-read choices.
struct ReadOptions {
  // Insert blocks read from disk into the block cache. Scans that read a
  // table once (compaction, `sst check`) turn this off to keep the cache hot.
  bool fill_cache = true;
  // Where a scan's block reads go through its window (sstable/readahead.h);
  // null: straight to the file. TableIterator sets its own.
  Readahead* readahead = nullptr;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_OPTIONS_H_
