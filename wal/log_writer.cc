// Fragment encoding (docs/format/wal.md):
//
//   fragment := checksum:fixed32 length:fixed16 type:u8 log_number:fixed64
//               payload[length]
//   checksum  = low32(XXH3_64(length | type | log_number | payload))
//
// A record goes out as Full, or First Middle* Last; fewer than kHeaderSize
// bytes left in a block become zero padding.
#include "wal/log_writer.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"
#include "wal/log_format.h"

namespace synapsed::storage::wal {

namespace {
// A scratch buffer that grew for one huge record is not kept around.
constexpr size_t kMaxRetainedBuffer = 1 << 20;
}  // namespace

LogWriter::LogWriter(std::unique_ptr<env::WritableFile> file,
                     uint64_t log_number, LogWriterOptions options)
    : file_(std::move(file)),
      log_number_(log_number),
      options_(options),
      block_offset_(file_->Size() % kBlockSize),
      size_(file_->Size()) {
  if (options_.buffer_bytes > 0) {
    buffer_.reserve(
        std::min(options_.buffer_bytes + kBlockSize, kMaxRetainedBuffer));
  }
}

LogWriter::~LogWriter() {
  if (!closed_) (void)Close();
}

absl::Status LogWriter::Fail(absl::Status s) {
  if (status_.ok()) status_ = s;
  return s;
}

absl::Status LogWriter::AddRecord(std::string_view payload, bool sync) {
  if (!status_.ok()) return status_;
  if (closed_) return absl::FailedPreconditionError("AddRecord on closed log");
  if (options_.cipher != nullptr) {
    // The first fragment starts here, or past the padding of a block with
    // no room left for a header: that offset is the record's nonce.
    uint64_t start = size_;
    if (kBlockSize - block_offset_ < kHeaderSize) start += kBlockSize - block_offset_;
    sealed_.clear();
    if (absl::Status s = options_.cipher->Seal(start, crypto::UnitKind::kRecord, 0,
                                               payload, &sealed_);
        !s.ok()) {
      return Fail(s);
    }
    payload = sealed_;
  }
  EncodeRecord(payload, &buffer_);
  if (sync || buffer_.size() >= options_.buffer_bytes) return HandOver(sync);
  return absl::OkStatus();
}

absl::Status LogWriter::HandOver(bool sync) {
  absl::Status s =
      sync ? file_->AppendAndSync(buffer_) : file_->Append(buffer_);
  // Without a log buffer, an acknowledged record must be in the OS (so a
  // process crash loses nothing), whatever buffering the file does itself.
  if (s.ok() && !sync && options_.buffer_bytes == 0) s = file_->Flush();
  buffer_.clear();
  if (buffer_.capacity() > kMaxRetainedBuffer) buffer_.shrink_to_fit();
  if (!s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status LogWriter::Sync() {
  if (!status_.ok()) return status_;
  if (closed_) return absl::FailedPreconditionError("Sync on closed log");
  if (!buffer_.empty()) return HandOver(/*sync=*/true);
  if (absl::Status s = file_->Sync(); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status LogWriter::Flush() {
  if (!status_.ok()) return status_;
  if (closed_) return absl::FailedPreconditionError("Flush on closed log");
  if (!buffer_.empty()) {
    if (absl::Status s = HandOver(/*sync=*/false); !s.ok()) return s;
  }
  if (absl::Status s = file_->Flush(); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status LogWriter::Close() {
  if (closed_) return status_;
  absl::Status s = status_;
  if (s.ok() && !buffer_.empty()) s = HandOver(/*sync=*/false);
  absl::Status c = file_->Close();
  closed_ = true;
  if (s.ok() && !c.ok()) s = Fail(c);
  return s;
}

void LogWriter::EncodeRecord(std::string_view payload, std::string* out) {
  bool begin = true;
  do {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      // Not even a header fits: pad the block with zeros (the reader skips
      // any block tail shorter than a header).
      out->append(leftover, '\0');
      size_ += leftover;
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t n = std::min(avail, payload.size());
    const bool end = n == payload.size();
    FragmentKind kind = begin && end ? FragmentKind::kFull
                        : begin      ? FragmentKind::kFirst
                        : end        ? FragmentKind::kLast
                                     : FragmentKind::kMiddle;
    EmitFragment(MakeTypeByte(kind), payload.substr(0, n), out);
    payload.remove_prefix(n);
    begin = false;
  } while (!payload.empty());
}

void LogWriter::EmitFragment(uint8_t type, std::string_view data,
                             std::string* out) {
  const size_t start = out->size();
  out->resize(start + kHeaderSize + data.size());
  char* p = out->data() + start;
  EncodeFixed16(p + kLengthOffset, static_cast<uint16_t>(data.size()));
  p[kTypeOffset] = static_cast<char>(type);
  EncodeFixed64(p + kLogNumberOffset, log_number_);
  if (!data.empty()) std::memcpy(p + kHeaderSize, data.data(), data.size());
  EncodeFixed32(p + kChecksumOffset,
                FragmentChecksum(p + kLengthOffset,
                                 kChecksummedHeaderBytes + data.size()));
  block_offset_ += kHeaderSize + data.size();
  size_ += kHeaderSize + data.size();
}

}  // namespace synapsed::storage::wal
