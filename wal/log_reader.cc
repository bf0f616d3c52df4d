// Decoding follows docs/format/wal.md:
//
//   block    := fragment* padding        (padding: < kHeaderSize zero bytes)
//   fragment := checksum:fixed32 length:fixed16 type:u8 log_number:fixed64
//               payload[length]
//   record   := Full | First Middle* Last
//
// The reader works one 32 KiB block at a time; a fragment never crosses a
// block boundary, so a forward scan for intact fragments (used to classify
// damage) also needs only one block in memory.
#include "wal/log_reader.h"

#include <algorithm>
#include <cstring>

#include "fmt/format.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "wal/log_format.h"

namespace synapsed::storage::wal {

namespace {

// A type byte that a writer of some format version could have produced.
bool PlausibleType(uint8_t type) {
  const uint8_t kind = TypeKind(type);
  return TypeVersion(type) != 0 && kind != 0 && kind <= kMaxFragmentKind;
}

// The unit in which the OS writes a file's cache back: a power cut can
// keep any subset of a file's unsynced pages.
constexpr size_t kPageSize = 4096;
static_assert(kBlockSize % kPageSize == 0);

bool IsAllZero(const char* p, size_t n) {
  alignas(64) static const char kZeros[kBlockSize] = {};
  return std::memcmp(p, kZeros, n) == 0;
}

const char* KindName(uint8_t kind) {
  switch (static_cast<FragmentKind>(kind)) {
    case FragmentKind::kFull:
      return "Full";
    case FragmentKind::kFirst:
      return "First";
    case FragmentKind::kMiddle:
      return "Middle";
    case FragmentKind::kLast:
      return "Last";
    default:
      return "?";
  }
}

}  // namespace

LogReader::LogReader(std::unique_ptr<env::SequentialFile> file,
                     std::string file_name, uint64_t log_number,
                     LogReaderOptions options)
    : file_(std::move(file)),
      file_name_(std::move(file_name)),
      log_number_(log_number),
      options_(options),
      block_(new char[kBlockSize]) {}

absl::Status LogReader::Corruption(uint64_t offset,
                                   const std::string& what) const {
  return absl::DataLossError(fmt::format("{}: WAL corruption at offset {}: {}",
                                         file_name_, offset, what));
}

absl::Status LogReader::LoadNextBlock() {
  block_start_ += block_len_;
  block_len_ = 0;
  pos_ = 0;
  while (block_len_ < kBlockSize) {
    char* dst = block_.get() + block_len_;
    absl::StatusOr<std::string_view> r =
        file_->Read(kBlockSize - block_len_, dst);
    if (!r.ok()) return r.status();
    if (r->empty()) break;
    if (r->data() != dst) std::memmove(dst, r->data(), r->size());
    block_len_ += r->size();
  }
  return absl::OkStatus();
}

bool LogReader::FragmentIntact(const char* h, size_t avail) const {
  if (avail < kHeaderSize) return false;
  if (!PlausibleType(static_cast<uint8_t>(h[kTypeOffset]))) return false;
  const size_t len = DecodeFixed16(h + kLengthOffset);
  if (kHeaderSize + len > avail) return false;
  return DecodeFixed32(h + kChecksumOffset) ==
         FragmentChecksum(h + kLengthOffset, kChecksummedHeaderBytes + len);
}

bool LogReader::CutShortByEnd() const {
  if (block_len_ == kBlockSize) return false;  // fragments never cross a block
  const size_t avail = block_len_ - pos_;
  if (avail < kHeaderSize) return true;
  return kHeaderSize + DecodeFixed16(block_.get() + pos_ + kLengthOffset) > avail;
}

absl::StatusOr<bool> LogReader::ReadRecord(std::string* record,
                                           uint64_t* record_offset) {
  uint8_t version = 0;
  if (options_.cipher == nullptr) return ReadFramedRecord(record, record_offset, &version);
  if (run_pos_ < run_.size()) return NextInRun(record, record_offset);
  std::string sealed;
  while (true) {
    ASSIGN_OR_RETURN(bool more, ReadFramedRecord(&sealed, record_offset, &version));
    if (!more) return false;
    const bool run = version == kSealedRunVersion;
    std::string* plain = run ? &run_ : record;
    plain->clear();
    absl::Status s = options_.cipher->Open(
        *record_offset, run ? crypto::UnitKind::kRecordRun : crypto::UnitKind::kRecord, 0,
        sealed, plain);
    if (s.ok()) {
      if (!run) return true;
      run_pos_ = 0;
      run_offset_ = *record_offset;
      if (!run_.empty()) return NextInRun(record, record_offset);
      error_ = Corruption(run_offset_, "sealed run holds no record");
      return error_;
    }
    if (!absl::IsUnauthenticated(s)) {
      error_ = s;
      return s;
    }
    if (options_.skip_corruption) {
      skipped_bytes_ += sealed.size();
      continue;
    }
    error_ = Corruption(*record_offset,
                        fmt::format("{0} does not authenticate (wrong key, or the {0} "
                                    "was altered or moved)",
                                    run ? "sealed run" : "record"));
    return error_;
  }
}

absl::StatusOr<bool> LogReader::NextInRun(std::string* record, uint64_t* record_offset) {
  std::string_view rest = std::string_view(run_).substr(run_pos_);
  const size_t before = rest.size();
  uint64_t length = 0;
  if (!GetVarint64(&rest, &length) || length > rest.size()) {
    // It authenticated, so the writer made it so: not a torn write.
    const uint64_t at = run_pos_;
    run_pos_ = run_.size();
    if (options_.skip_corruption) {
      skipped_bytes_ += before;
      return ReadRecord(record, record_offset);
    }
    error_ = Corruption(run_offset_,
                        fmt::format("sealed run holds a malformed record at byte {}", at));
    return error_;
  }
  record->assign(rest.substr(0, length));
  run_pos_ += before - rest.size() + length;
  *record_offset = run_offset_;
  return true;
}

absl::StatusOr<bool> LogReader::ReadFramedRecord(std::string* record,
                                                 uint64_t* record_offset,
                                                 uint8_t* version) {
  if (!error_.ok()) return error_;
  if (done_) return false;
  auto fail = [this](absl::Status s) {
    error_ = s;
    return s;
  };
  if (!started_) {
    started_ = true;
    if (absl::Status s = LoadNextBlock(); !s.ok()) return fail(s);
  }
  record->clear();
  bool in_record = false;
  uint64_t record_start = 0;
  while (true) {
    const uint64_t here = block_start_ + pos_;
    const size_t avail = block_len_ - pos_;
    bool bad = false;
    if (avail < kHeaderSize) {
      if (block_len_ == kBlockSize) {  // block padding: go to the next block
        if (absl::Status s = LoadNextBlock(); !s.ok()) return fail(s);
        continue;
      }
      if (avail == 0 && !in_record) {  // end of file on a fragment boundary
        done_ = true;
        valid_end_offset_ = here;
        return false;
      }
      bad = true;  // a cut header, or a record whose end is missing
    }
    const char* h = block_.get() + pos_;
    if (!bad) {
      bad = !FragmentIntact(h, avail) ||
            DecodeFixed64(h + kLogNumberOffset) != log_number_;
    }
    if (bad) {
      absl::StatusOr<bool> more =
          HandleBadFragment(here, in_record, record_start, CutShortByEnd());
      if (!more.ok()) return fail(more.status());
      if (!*more) return false;
      record->clear();  // skipped: resume at an intact fragment of this log
      in_record = false;
      continue;
    }

    const uint8_t type = static_cast<uint8_t>(h[kTypeOffset]);
    const size_t len = DecodeFixed16(h + kLengthOffset);
    if (TypeVersion(type) != kFormatVersion && TypeVersion(type) != kSealedRunVersion) {
      return fail(absl::FailedPreconditionError(fmt::format(
          "{}: WAL fragment at offset {} has format version {}; this build "
          "reads versions {} and {}",
          file_name_, here, TypeVersion(type), kFormatVersion, kSealedRunVersion)));
    }
    const std::string_view payload(h + kHeaderSize, len);
    const uint8_t kind = TypeKind(type);
    const bool starts = kind == static_cast<uint8_t>(FragmentKind::kFull) ||
                        kind == static_cast<uint8_t>(FragmentKind::kFirst);
    if (starts == in_record) {
      // First/Full inside an unfinished record, or Middle/Last outside one.
      if (!options_.skip_corruption) {
        return fail(Corruption(
            here, fmt::format("{} fragment {}", KindName(kind),
                              in_record ? fmt::format("inside the record that "
                                                      "started at offset {}",
                                                      record_start)
                                        : std::string("without a First"))));
      }
      if (in_record) {  // drop the unfinished record, then decode this one
        skipped_bytes_ += here - record_start;
        record->clear();
        in_record = false;
      } else {  // drop the orphan fragment
        skipped_bytes_ += kHeaderSize + len;
        pos_ += kHeaderSize + len;
      }
      continue;
    }
    if (in_record && TypeVersion(type) != *version) {
      // Checksummed, so written so: a writer mixing them is not a torn write.
      return fail(Corruption(
          here, fmt::format("fragment of format version {} inside the version-{} record "
                            "that started at offset {}",
                            TypeVersion(type), *version, record_start)));
    }
    *version = TypeVersion(type);
    pos_ += kHeaderSize + len;
    switch (static_cast<FragmentKind>(kind)) {
      case FragmentKind::kFull:
        record->assign(payload);
        *record_offset = here;
        valid_end_offset_ = here + kHeaderSize + len;
        return true;
      case FragmentKind::kFirst:
        record->assign(payload);
        record_start = here;
        in_record = true;
        break;
      case FragmentKind::kMiddle:
        record->append(payload);
        break;
      case FragmentKind::kLast:
        record->append(payload);
        *record_offset = record_start;
        valid_end_offset_ = here + kHeaderSize + len;
        return true;
      default:
        break;  // unreachable: FragmentIntact checked the kind
    }
  }
}

absl::StatusOr<LogReader::ScanResult> LogReader::ScanForward() {
  ScanResult r;
  r.nonzero_end = block_start_ + pos_;
  size_t o = pos_;
  while (true) {
    const char* b = block_.get();
    if (o == 0 && block_len_ == kBlockSize && IsAllZero(b, kBlockSize)) {
      o = block_len_;  // preallocated or unwritten space: nothing to find here
      if (!r.zero_page) r.zero_page_offset = block_start_;
      r.zero_page = true;
    }
    for (; o < block_len_; ++o) {
      const char* h = b + o;
      if (!r.zero_page && (block_start_ + o) % kPageSize == 0 && o + kPageSize <= block_len_ &&
          IsAllZero(h, kPageSize)) {
        r.zero_page = true;
        r.zero_page_offset = block_start_ + o;
      }
      if (o + kHeaderSize <= block_len_ &&
          PlausibleType(static_cast<uint8_t>(h[kTypeOffset]))) {
        const bool ours = DecodeFixed64(h + kLogNumberOffset) == log_number_;
        if ((ours || !r.stale) && FragmentIntact(h, block_len_ - o)) {
          if (ours) {
            r.found = true;
            r.found_offset = block_start_ + o;
            pos_ = o;
            return r;
          }
          r.stale = true;
          r.stale_offset = block_start_ + o;
        }
      }
      if (!r.stale && *h != 0) r.nonzero_end = block_start_ + o + 1;
    }
    pos_ = block_len_;
    if (block_len_ < kBlockSize) return r;
    RETURN_IF_ERROR(LoadNextBlock());
    o = 0;
  }
}

absl::StatusOr<uint64_t> LogReader::SkipToEnd() {
  uint64_t nonzero_end = block_start_ + pos_;
  while (true) {
    for (size_t o = block_len_; o > pos_; --o) {
      if (block_[o - 1] != 0) {
        nonzero_end = block_start_ + o;
        break;
      }
    }
    pos_ = block_len_;
    if (block_len_ < kBlockSize) return nonzero_end;
    RETURN_IF_ERROR(LoadNextBlock());
  }
}

absl::StatusOr<bool> LogReader::HandleBadFragment(uint64_t bad_offset,
                                                  bool in_record,
                                                  uint64_t record_start,
                                                  bool cut_short) {
  const uint64_t torn_start = in_record ? record_start : bad_offset;
  ASSIGN_OR_RETURN(ScanResult r, ScanForward());
  if (r.found && r.zero_page && options_.last_log && !options_.skip_corruption) {
    // A page never written back, with later pages of the log intact: a
    // power cut wrote the page cache back out of order. Nothing from the
    // damage on was synced (a sync makes every earlier page durable), so
    // the log ends here, as at a torn tail; the intact records after the
    // hole are dropped with it, which keeps the recovered writes a prefix.
    ASSIGN_OR_RETURN(const uint64_t nonzero_end, SkipToEnd());
    done_ = true;
    valid_end_offset_ = torn_start;
    unwritten_page_offset_ = r.zero_page_offset;
    dropped_tail_bytes_ = nonzero_end - torn_start;
    ignored_tail_bytes_ = block_start_ + block_len_ - nonzero_end;
    return false;
  }
  if (r.found) {
    if (!options_.skip_corruption) {
      return Corruption(
          bad_offset,
          fmt::format("undecodable fragment{} in log {}, intact records of "
                      "this log follow at offset {}",
                      in_record ? fmt::format(" (record started at offset {})",
                                              record_start)
                                : std::string(),
                      log_number_, r.found_offset));
    }
    skipped_bytes_ += r.found_offset - torn_start;
    return true;
  }

  // Nothing of this log follows: this is the tail.
  const uint64_t file_end = block_start_ + block_len_;
  uint64_t torn_end = std::max(r.nonzero_end, bad_offset);
  // In a recycled file the new log usually ends inside an older fragment;
  // its remains run at most to the next block start, where the older log's
  // next intact fragment begins. Bytes up to that fragment are not ours.
  if (!in_record && r.stale && r.stale_offset - bad_offset <= kBlockSize) {
    torn_end = bad_offset;
  }
  done_ = true;
  valid_end_offset_ = torn_start;
  ignored_tail_bytes_ = file_end - torn_end;
  if (torn_end == torn_start) return false;  // zero fill or an older log
  if (options_.last_log && options_.only_short_tails_are_torn && !cut_short) {
    return Corruption(
        bad_offset,
        fmt::format("the final record of log {} is whole but does not decode: "
                    "damage, not a write cut short by a crash",
                    log_number_));
  }
  if (options_.last_log) {
    dropped_tail_bytes_ = torn_end - torn_start;
    return false;
  }
  if (options_.skip_corruption) {
    skipped_bytes_ += torn_end - torn_start;
    return false;
  }
  return Corruption(
      torn_start,
      fmt::format("{} at the end of log {}, which is not the last log",
                  in_record ? "incomplete record" : "undecodable fragment",
                  log_number_));
}

}  // namespace synapsed::storage::wal
