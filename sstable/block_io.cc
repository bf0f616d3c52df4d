#include "sstable/block_io.h"

#include <lz4.h>
#include <zstd.h>

#include <cstring>

#include "fmt/format.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/zstd_context.h"

namespace synapsed::storage::sstable {

BlockBuffer::BlockBuffer(size_t size)
    : buffer_(cache::BufferPool::Default()->Allocate(size)), size_(size) {}

BlockBuffer& BlockBuffer::operator=(BlockBuffer&& o) noexcept {
  if (this != &o) {
    cache::BufferPool::Default()->Release(std::exchange(buffer_, o.buffer_));
    o.buffer_ = {};
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

BlockBuffer::~BlockBuffer() { cache::BufferPool::Default()->Release(buffer_); }

CompressionType CompressBlock(std::string_view raw, CompressionType wanted,
                              int zstd_level, std::string* payload) {
  payload->clear();
  // Compression must save at least 1/8 to be worth a decompression per read.
  const size_t limit = raw.size() - raw.size() / 8;
  if (wanted != CompressionType::kNone && raw.size() <= kMaxBlockRawSize &&
      raw.size() > 0) {
    PutVarint32(payload, static_cast<uint32_t>(raw.size()));
    const size_t header = payload->size();
    if (wanted == CompressionType::kLz4) {
      const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      payload->resize(header + bound);
      const int n = LZ4_compress_default(raw.data(), payload->data() + header,
                                         static_cast<int>(raw.size()), bound);
      if (n > 0 && header + n < limit) {
        payload->resize(header + n);
        return CompressionType::kLz4;
      }
    } else if (wanted == CompressionType::kZstd) {
      const size_t bound = ZSTD_compressBound(raw.size());
      payload->resize(header + bound);
      const size_t n =
          ZSTD_compressCCtx(ThreadZstdCCtx(), payload->data() + header, bound,
                            raw.data(), raw.size(), zstd_level);
      if (!ZSTD_isError(n) && header + n < limit) {
        payload->resize(header + n);
        return CompressionType::kZstd;
      }
    }
  }
  payload->assign(raw);
  return CompressionType::kNone;
}

void AppendBlockTrailer(std::string_view payload, CompressionType type,
                        std::string* dst) {
  const uint8_t t = static_cast<uint8_t>(type);
  dst->push_back(static_cast<char>(t));
  PutFixed32(dst, BlockChecksum(payload, t));
}

absl::StatusOr<BlockBuffer> DecodePayload(std::string_view payload,
                                          uint8_t type,
                                          std::string_view file_name,
                                          uint64_t offset) {
  if (type == static_cast<uint8_t>(CompressionType::kNone)) {
    BlockBuffer buf(payload.size());
    if (!payload.empty()) std::memcpy(buf.data(), payload.data(), payload.size());
    return buf;
  }
  uint32_t raw_size = 0;
  std::string_view in = payload;
  if (!GetVarint32(&in, &raw_size) || raw_size > kMaxBlockRawSize) {
    return CorruptionError(file_name, offset, "bad uncompressed block size");
  }
  if (type == static_cast<uint8_t>(CompressionType::kLz4)) {
    // LZ4 cannot expand more than ~255x; refuse sizes that claim to.
    if (raw_size > in.size() * 255 + 16) {
      return CorruptionError(file_name, offset, "bad uncompressed block size");
    }
    BlockBuffer buf(raw_size);
    const int n = LZ4_decompress_safe(in.data(), buf.data(),
                                      static_cast<int>(in.size()),
                                      static_cast<int>(raw_size));
    if (n < 0 || static_cast<uint32_t>(n) != raw_size) {
      return CorruptionError(file_name, offset, "lz4 block does not decompress");
    }
    return buf;
  }
  if (type == static_cast<uint8_t>(CompressionType::kZstd)) {
    const unsigned long long content =
        ZSTD_getFrameContentSize(in.data(), in.size());
    if (content != raw_size) {
      return CorruptionError(file_name, offset, "bad zstd frame size");
    }
    BlockBuffer buf(raw_size);
    const size_t n = ZSTD_decompressDCtx(ThreadZstdDCtx(), buf.data(), raw_size,
                                         in.data(), in.size());
    if (ZSTD_isError(n) || n != raw_size) {
      return CorruptionError(file_name, offset,
                             "zstd block does not decompress");
    }
    return buf;
  }
  return CorruptionError(file_name, offset,
                         fmt::format("unknown block compression type {}", type));
}

namespace {

// The stored block at `handle` (payload and trailer), with its place in the
// file and, if `verify`, its checksum checked. A file that reads in place
// (a mapping) yields a view of its own memory and leaves `*buf` empty;
// otherwise the block is read into `*buf`, which the view points into.
absl::StatusOr<std::string_view> ReadStored(const env::RandomAccessFile& file,
                                            std::string_view file_name,
                                            uint64_t file_size,
                                            const BlockHandle& handle, bool verify,
                                            Readahead* readahead, BlockBuffer* buf) {
  if (handle.offset > file_size ||
      handle.size > file_size - handle.offset ||
      file_size - handle.offset - handle.size < kBlockTrailerSize) {
    return CorruptionError(
        file_name, handle.offset,
        fmt::format("block handle (size {}) outside the file of {} bytes",
                    handle.size, file_size));
  }
  const size_t n = static_cast<size_t>(handle.size) + kBlockTrailerSize;
  absl::StatusOr<std::string_view> read;
  if (file.ReadsInPlace()) {
    // A mapping needs no window: the kernel reads ahead for it.
    read = file.Read(handle.offset, n, nullptr);
  } else {
    // Read straight into the buffer that becomes the block, so an
    // uncompressed block costs no copy.
    *buf = BlockBuffer(n);
    read = readahead != nullptr
               ? readahead->Read(file, file_size, handle.offset, n, buf->data())
               : file.Read(handle.offset, n, buf->data());
  }
  if (!read.ok()) {
    return absl::Status(read.status().code(),
                        fmt::format("{}: reading block at offset {}: {}",
                                    file_name, handle.offset,
                                    std::string(read.status().message())));
  }
  if (read->size() != n) {
    return CorruptionError(file_name, handle.offset, "truncated block read");
  }
  std::string_view stored = *read;
  if (buf->size() != 0 && stored.data() != buf->data()) {
    std::memcpy(buf->data(), stored.data(), n);
    stored = buf->view();
  }
  if (verify) {
    const std::string_view payload = stored.substr(0, handle.size);
    const uint8_t type = static_cast<uint8_t>(stored[handle.size]);
    const uint32_t want = DecodeFixed32(stored.data() + handle.size + 1);
    if (want != BlockChecksum(payload, type)) {
      return CorruptionError(file_name, handle.offset,
                             "block checksum mismatch");
    }
  }
  return stored;
}

// `stored` as a buffer of its own: `*buf` when the view is in it.
BlockBuffer OwnedCopy(std::string_view stored, size_t size, BlockBuffer* buf) {
  if (buf->size() != 0) {
    buf->Truncate(size);
    return std::move(*buf);
  }
  BlockBuffer copy(size);
  if (size > 0) std::memcpy(copy.data(), stored.data(), size);
  return copy;
}

}  // namespace

absl::Status VerifyStoredBlock(const env::RandomAccessFile& file,
                               std::string_view file_name, uint64_t file_size,
                               const BlockHandle& handle) {
  BlockBuffer buf;
  return ReadStored(file, file_name, file_size, handle, /*verify=*/true,
                    /*readahead=*/nullptr, &buf)
      .status();
}

absl::StatusOr<BlockBuffer> ReadBlock(const env::RandomAccessFile& file,
                                      std::string_view file_name,
                                      uint64_t file_size,
                                      const BlockHandle& handle,
                                      const ReadBlockOptions& options,
                                      StoredBlockInfo* info) {
  BlockBuffer buf;
  ASSIGN_OR_RETURN(std::string_view stored,
                   ReadStored(file, file_name, file_size, handle,
                              options.verify_checksum, options.readahead, &buf));
  const uint8_t type = static_cast<uint8_t>(stored[handle.size]);
  if (info != nullptr) {
    info->type = static_cast<CompressionType>(type);
    info->stored_size = handle.size;
  }
  size_t payload_size = handle.size;
  if (options.cipher != nullptr) {
    // Opened in place: in the buffer it was read into, or in a copy of the
    // mapped bytes (a mapping is read-only).
    buf = OwnedCopy(stored, handle.size, &buf);
    absl::Status s = options.cipher->OpenInPlace(handle.offset, options.unit, type,
                                                 buf.data(), handle.size);
    if (absl::IsUnauthenticated(s)) {
      return CorruptionError(file_name, handle.offset,
                             "block does not authenticate (wrong key, or the "
                             "block was altered or moved)");
    }
    RETURN_IF_ERROR(s);
    payload_size = handle.size - crypto::FileCipher::kOverhead;
    stored = buf.view();
  }
  if (type == static_cast<uint8_t>(CompressionType::kNone)) {
    return OwnedCopy(stored, payload_size, &buf);
  }
  return DecodePayload(stored.substr(0, payload_size), type, file_name, handle.offset);
}

}  // namespace synapsed::storage::sstable
