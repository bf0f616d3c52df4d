// Turning raw block contents into stored blocks and back: compression with a
// "does it pay" rule, the 5-byte trailer, and reading a block from a file with
// checksum verification. See docs/format/sstable.md, "Stored blocks".
//
// Pure functions over their arguments; any thread (RandomAccessFile::Read is
// thread-safe).
#ifndef SYNAPSED_SSTABLE_BLOCK_IO_H_
#define SYNAPSED_SSTABLE_BLOCK_IO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "cache/buffer_pool.h"
#include "crypto/file_cipher.h"
#include "env/env.h"
#include "sstable/format.h"
#include "sstable/readahead.h"

namespace synapsed::storage::sstable {

// Owned block contents, 64-byte aligned (so filter lines are cache lines),
// in a buffer of the process's cache::BufferPool: a block read on a cache
// miss reuses the buffer of one the cache let go.
class BlockBuffer {
 public:
  BlockBuffer() = default;
  explicit BlockBuffer(size_t size);
  BlockBuffer(BlockBuffer&& o) noexcept
      : buffer_(std::exchange(o.buffer_, {})), size_(std::exchange(o.size_, 0)) {}
  BlockBuffer& operator=(BlockBuffer&& o) noexcept;
  ~BlockBuffer();

  char* data() { return buffer_.data; }
  const char* data() const { return buffer_.data; }
  size_t size() const { return size_; }
  std::string_view view() const { return {buffer_.data, size_}; }
  // Forgets the bytes past `size` (keeps the allocation).
  void Truncate(size_t size) {
    if (size < size_) size_ = size;
  }

 private:
  cache::BufferPool::Buffer buffer_;
  size_t size_ = 0;
};

// Compresses `raw` with `wanted` (zstd at `zstd_level`) into `payload`
// (varint32 raw size + compressed bytes) and returns the type used: kNone,
// with `payload` == raw, when the codec fails or saves less than 1/8.
CompressionType CompressBlock(std::string_view raw, CompressionType wanted,
                              int zstd_level, std::string* payload);

// Appends payload | type | checksum.
void AppendBlockTrailer(std::string_view payload, CompressionType type,
                        std::string* dst);

// Decodes a stored payload of the given type into raw contents. DataLoss
// naming the file and `offset` if it does not decompress to its stated size.
absl::StatusOr<BlockBuffer> DecodePayload(std::string_view payload,
                                          uint8_t type,
                                          std::string_view file_name,
                                          uint64_t offset);

struct ReadBlockOptions {
  bool verify_checksum = true;
  // For an encrypted table: the payload is opened (authenticated and
  // decrypted) as a unit of this kind before it is decompressed.
  const crypto::FileCipher* cipher = nullptr;
  crypto::UnitKind unit = crypto::UnitKind::kDataBlock;
  // Reads through this scan's window instead of straight from the file.
  Readahead* readahead = nullptr;
};

// What ReadBlock found besides the contents; for tools.
struct StoredBlockInfo {
  CompressionType type = CompressionType::kNone;
  uint64_t stored_size = 0;  // payload bytes, without the trailer
};

// Reads the block at `handle`, checks that it lies inside `file_size`,
// verifies its checksum, opens it with options.cipher if there is one
// (DataLoss "does not authenticate" naming the file and offset when that
// fails) and decompresses it.
absl::StatusOr<BlockBuffer> ReadBlock(const env::RandomAccessFile& file,
                                      std::string_view file_name,
                                      uint64_t file_size,
                                      const BlockHandle& handle,
                                      const ReadBlockOptions& options,
                                      StoredBlockInfo* info = nullptr);

// Reads the stored block at `handle` and verifies that it lies inside
// `file_size` and that its checksum matches, without decoding it: what can
// be checked of an encrypted table's block without its key.
absl::Status VerifyStoredBlock(const env::RandomAccessFile& file,
                               std::string_view file_name, uint64_t file_size,
                               const BlockHandle& handle);

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_BLOCK_IO_H_
