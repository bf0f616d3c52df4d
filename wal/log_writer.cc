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
#include "util/status_macros.h"
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
      size_(file_->Size()),
      seals_runs_(options_.cipher != nullptr && options_.buffer_bytes > 0) {
  if (options_.cipher != nullptr) {
    sealer_ = std::make_unique<crypto::FileCipher::Sealer>(*options_.cipher);
  }
  if (options_.buffer_bytes > 0) {
    const size_t reserve = std::min(options_.buffer_bytes + kBlockSize, kMaxRetainedBuffer);
    (seals_runs_ ? run_ : buffer_).reserve(reserve);
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
  if (seals_runs_) {
    PutVarint64(&run_, payload.size());
    run_.append(payload);
    if (!sync && run_.size() < options_.buffer_bytes) return absl::OkStatus();
    if (absl::Status s = SealRun(); !s.ok()) return Fail(s);
  } else if (sealer_ != nullptr) {
    if (absl::Status s = SealUnit(payload, crypto::UnitKind::kRecord, kFormatVersion);
        !s.ok()) {
      return Fail(s);
    }
  } else {
    EncodeRecord(payload, &buffer_);
  }
  if (sync && !preallocating_ && options_.preallocate_on_sync > 0) {
    // Before the record's bytes reach the file, so its fdatasync already
    // finds them in allocated blocks.
    preallocating_ = true;
    if (absl::Status s = file_->Preallocate(options_.preallocate_on_sync); !s.ok()) {
      return Fail(s);
    }
  }
  if (sync || buffer_.size() >= options_.buffer_bytes) return HandOver(sync);
  return absl::OkStatus();
}

absl::Status LogWriter::SealUnit(std::string_view payload, crypto::UnitKind unit,
                                 uint8_t version) {
  // The first fragment starts here, past the padding of a block with no
  // room left for a header: that offset is the unit's nonce.
  PadBlockWithoutHeaderRoom(&buffer_);
  const uint64_t start = size_;
  const size_t sealed_size = payload.size() + crypto::FileCipher::kOverhead;
  if (sealed_size > kBlockSize - block_offset_ - kHeaderSize) {
    sealed_.clear();
    RETURN_IF_ERROR(sealer_->Seal(start, unit, 0, payload, &sealed_));
    EncodeRecord(sealed_, &buffer_, version);
    if (sealed_.capacity() > kMaxRetainedBuffer) sealed_ = std::string();
    return absl::OkStatus();
  }
  // It fits the rest of the block: sealed straight into its Full fragment.
  const size_t at = buffer_.size();
  buffer_.resize(at + kHeaderSize);
  if (absl::Status s = sealer_->Seal(start, unit, 0, payload, &buffer_); !s.ok()) {
    buffer_.resize(at);
    return s;
  }
  FinishFragment(at, MakeTypeByte(FragmentKind::kFull, version), sealed_size, &buffer_);
  return absl::OkStatus();
}

absl::Status LogWriter::SealRun() {
  if (run_.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(SealUnit(run_, crypto::UnitKind::kRecordRun, kSealedRunVersion));
  run_.clear();
  if (run_.capacity() > kMaxRetainedBuffer) run_.shrink_to_fit();
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
  if (absl::Status s = SealRun(); !s.ok()) return Fail(s);
  if (!buffer_.empty()) return HandOver(/*sync=*/true);
  if (absl::Status s = file_->Sync(); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status LogWriter::Flush() {
  if (!status_.ok()) return status_;
  if (closed_) return absl::FailedPreconditionError("Flush on closed log");
  if (absl::Status s = SealRun(); !s.ok()) return Fail(s);
  if (!buffer_.empty()) {
    if (absl::Status s = HandOver(/*sync=*/false); !s.ok()) return s;
  }
  if (absl::Status s = file_->Flush(); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status LogWriter::Close() {
  if (closed_) return status_;
  absl::Status s = status_;
  if (s.ok()) s = SealRun();
  if (!s.ok()) (void)Fail(s);
  if (s.ok() && !buffer_.empty()) s = HandOver(/*sync=*/false);
  absl::Status c = file_->Close();
  closed_ = true;
  if (s.ok() && !c.ok()) s = Fail(c);
  return s;
}

void LogWriter::EncodeRecord(std::string_view payload, std::string* out,
                             uint8_t version) {
  bool begin = true;
  do {
    PadBlockWithoutHeaderRoom(out);
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t n = std::min(avail, payload.size());
    const bool end = n == payload.size();
    FragmentKind kind = begin && end ? FragmentKind::kFull
                        : begin      ? FragmentKind::kFirst
                        : end        ? FragmentKind::kLast
                                     : FragmentKind::kMiddle;
    EmitFragment(MakeTypeByte(kind, version), payload.substr(0, n), out);
    payload.remove_prefix(n);
    begin = false;
  } while (!payload.empty());
}

void LogWriter::PadBlockWithoutHeaderRoom(std::string* out) {
  const size_t leftover = kBlockSize - block_offset_;
  if (leftover >= kHeaderSize) return;
  // Not even a header fits: pad the block with zeros (the reader skips any
  // block tail shorter than a header).
  out->append(leftover, '\0');
  size_ += leftover;
  block_offset_ = 0;
}

void LogWriter::EmitFragment(uint8_t type, std::string_view data,
                             std::string* out) {
  const size_t start = out->size();
  out->resize(start + kHeaderSize);
  out->append(data);
  FinishFragment(start, type, data.size(), out);
}

void LogWriter::FinishFragment(size_t start, uint8_t type, size_t length,
                               std::string* out) {
  char* p = out->data() + start;
  EncodeFixed16(p + kLengthOffset, static_cast<uint16_t>(length));
  p[kTypeOffset] = static_cast<char>(type);
  EncodeFixed64(p + kLogNumberOffset, log_number_);
  EncodeFixed32(p + kChecksumOffset,
                FragmentChecksum(p + kLengthOffset, kChecksummedHeaderBytes + length));
  block_offset_ += kHeaderSize + length;
  size_ += kHeaderSize + length;
}

}  // namespace synapsed::storage::wal
