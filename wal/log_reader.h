// LogReader reads back the records of one write-ahead log file (format:
// wal/log_format.h, spec docs/format/wal.md), front to back, and decides what
// a damaged region means.
//
// Where a log ends cleanly: at end of file on a fragment boundary, or where
// the rest of the file (up to a fragment of another log, if any) is zero —
// preallocated space, block padding, pages never written — or where a
// fragment of a different log number starts (an older log's bytes in a
// recycled file; the remains of the older fragment the new log ended inside,
// up to the older log's next intact fragment within a block, count too).
// Those bytes are not data loss; ignored_tail_bytes() counts them.
//
// Anything else that fails to decode — a bad checksum, an impossible header,
// a record whose last fragment is missing — is classified by looking at the
// rest of the file:
//   * some intact fragment of THIS log number follows: corruption in the
//     middle of the log, absl::DataLossError naming the file and offset;
//   * nothing of this log follows, and the log is the last one
//     (LogReaderOptions::last_log): a torn tail left by a crash. Reading stops
//     there and dropped_tail_bytes() reports its size. (A bit flip inside the
//     final record looks the same and is treated the same, unless
//     LogReaderOptions::only_short_tails_are_torn says a whole final record
//     that does not decode is damage.)
//   * nothing of this log follows, without last_log: DataLossError, for a
//     log known to be complete and synced (the native engine reads every
//     log with last_log and decides with the logs' headers and sync marks,
//     docs/format/wal.md).
// A broken fragment sequence (Middle or Last without First, First or Full
// inside an unfinished record) is corruption wherever it is.
// With skip_corruption, corrupted regions are skipped instead of failing and
// skipped_bytes() counts them (salvage only: skipped bytes were acknowledged
// writes).
//
// Thread safety: one thread at a time. Errors are sticky.
#ifndef SYNAPSED_WAL_LOG_READER_H_
#define SYNAPSED_WAL_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/file_cipher.h"
#include "env/env.h"

namespace synapsed::storage::wal {

struct LogReaderOptions {
  // True for the newest log of a database: a torn tail (what a crash leaves)
  // is dropped instead of being an error.
  bool last_log = false;
  // With last_log: only a final fragment cut short by the end of the file (a
  // header or payload that runs past it, or a record whose later fragments
  // are missing) is a torn tail; a final fragment that is all there but does
  // not decode is DataLossError. For files whose every record is synced
  // before anything depends on it, so a crash can only cut them short (the
  // manifest): there a whole record that fails its checksum is a bit flip in
  // an acknowledged edit, and dropping it would bring back files it deleted.
  bool only_short_tails_are_torn = false;
  // Skip corrupted regions (reported by skipped_bytes()) instead of returning
  // DataLossError. Loses acknowledged writes; for salvage tools only.
  bool skip_corruption = false;
  // An encrypted log or manifest: each record is opened (authenticated and
  // decrypted) under the file's data key, with the offset of its first
  // fragment; a sealed run (format version 2) is opened as one unit and its
  // records returned one by one, each at the run's offset. A record whose
  // fragments are intact but that does not authenticate is DataLossError
  // naming the file and offset, wherever it is (the checksums passed, so it
  // is not a torn write: the key is wrong or the bytes were replaced). Not
  // owned; outlives the reader.
  const crypto::FileCipher* cipher = nullptr;
};

class LogReader {
 public:
  // `file_name` is only used in error messages.
  LogReader(std::unique_ptr<env::SequentialFile> file, std::string file_name,
            uint64_t log_number, LogReaderOptions options);

  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // Reads the next record into `*record` and the file offset of its first
  // fragment into `*record_offset`. Returns false at the end of the log.
  [[nodiscard]] absl::StatusOr<bool> ReadRecord(std::string* record,
                                                uint64_t* record_offset);

  // After the end: bytes of a torn tail that were dropped (last log only),
  // from the first record not returned up to the last non-zero byte before
  // the clean tail.
  uint64_t dropped_tail_bytes() const { return dropped_tail_bytes_; }
  // After the end: the offset of the unwritten (zero) page that ended the
  // last log with intact records after it, if that is how it ended.
  std::optional<uint64_t> unwritten_page_offset() const { return unwritten_page_offset_; }
  // After the end: bytes after the log's data that hold nothing of it (zero
  // fill, or an older log's fragments).
  uint64_t ignored_tail_bytes() const { return ignored_tail_bytes_; }
  // Bytes skipped because of corruption (skip_corruption only).
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  // After the end: the file offset just past the log's intact data (the last
  // record returned, plus block padding). Truncating the file here and
  // appending with a LogWriter continues the log without a damaged gap.
  uint64_t valid_end_offset() const { return valid_end_offset_; }

 private:
  struct ScanResult {
    bool found = false;  // an intact fragment of this log follows
    uint64_t found_offset = 0;
    bool stale = false;  // an intact fragment of another log follows
    uint64_t stale_offset = 0;
    uint64_t nonzero_end = 0;  // just past the last non-zero byte before it
    // A whole zero page (kPageSize, aligned) lies between the scan's start
    // and what it found: pages written back out of order by a power cut.
    bool zero_page = false;
    uint64_t zero_page_offset = 0;
  };

  // ReadRecord without the cipher: the record as its fragments hold it,
  // and their format version (kFormatVersion, or kSealedRunVersion).
  absl::StatusOr<bool> ReadFramedRecord(std::string* record,
                                        uint64_t* record_offset, uint8_t* version);
  // The next record of the opened run in run_, at the run's offset.
  absl::StatusOr<bool> NextInRun(std::string* record, uint64_t* record_offset);
  // Reads the next block; a short block means end of file.
  absl::Status LoadNextBlock();
  // Scans from the current position to the end of the file for intact
  // fragments. If one of this log is found, stops with pos_ on it.
  absl::StatusOr<ScanResult> ScanForward();
  // Handles an undecodable fragment at `bad_offset` (the current position).
  // Returns true to continue reading (skipped), false at the end of the log,
  // or an error.
  // `cut_short`: the bad fragment runs past the end of the file.
  absl::StatusOr<bool> HandleBadFragment(uint64_t bad_offset, bool in_record,
                                         uint64_t record_start, bool cut_short);
  // Reads to the end of the file; just past its last non-zero byte.
  absl::StatusOr<uint64_t> SkipToEnd();
  bool FragmentIntact(const char* h, size_t avail) const;
  // The fragment at pos_ runs past the end of the file (a write cut short).
  bool CutShortByEnd() const;
  absl::Status Corruption(uint64_t offset, const std::string& what) const;

  std::unique_ptr<env::SequentialFile> file_;
  const std::string file_name_;
  const uint64_t log_number_;
  const LogReaderOptions options_;

  std::unique_ptr<char[]> block_;
  uint64_t block_start_ = 0;  // file offset of block_[0]
  size_t block_len_ = 0;      // valid bytes in block_ (< kBlockSize: EOF)
  size_t pos_ = 0;            // next byte to decode in block_
  bool started_ = false;
  bool done_ = false;
  absl::Status error_;
  // A sealed run, opened: its records are returned from run_pos_ on.
  std::string run_;
  size_t run_pos_ = 0;
  uint64_t run_offset_ = 0;

  uint64_t dropped_tail_bytes_ = 0;
  std::optional<uint64_t> unwritten_page_offset_;
  uint64_t ignored_tail_bytes_ = 0;
  uint64_t skipped_bytes_ = 0;
  uint64_t valid_end_offset_ = 0;
};

}  // namespace synapsed::storage::wal

#endif  // SYNAPSED_WAL_LOG_READER_H_
