// LogWriter appends records to one write-ahead log file in the block format of
// wal/log_format.h (spec: docs/format/wal.md).
//
// A record is one commit group's payload. AddRecord cuts it into fragments,
// encodes all of them, and hands them to the file as ONE Append (or ONE
// AppendAndSync when the record must be durable), so the io_uring file can
// link the write and its fdatasync in one submission.
//
// Buffering (LogWriterOptions::buffer_bytes): with 0, every record reaches the
// file before AddRecord returns. With a buffer, records added with sync=false
// stay in user space until the buffer fills, or until Flush, Sync, Close or
// the next sync=true record — no syscall per unsynced record. A process crash
// then loses the buffered records; what is lost is always a suffix of the log,
// so recovery still sees a prefix of the acknowledged writes.
//
// An encrypted log with a buffer seals what it buffers as one unit (a
// "sealed run", format version 2 in docs/format/wal.md) when it hands it
// over, instead of one unit per record: one AES-GCM call per buffer instead
// of one per write. The records wait in user space in clear until then, and
// a crash loses them as it loses any buffered record.
//
// Errors are sticky: after a failed Append or Sync the file's contents past
// the last success are unknown, so every later call returns the first error
// and nothing more is written (the engine turns it into its background error).
//
// Thread safety: not thread-safe. One thread at a time — the engine's
// group-commit leader — calls it; handing it to another thread needs the
// happens-before the engine's write queue already provides.
#ifndef SYNAPSED_WAL_LOG_WRITER_H_
#define SYNAPSED_WAL_LOG_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "crypto/file_cipher.h"
#include "env/env.h"
#include "wal/log_format.h"

namespace synapsed::storage::wal {

struct LogWriterOptions {
  // 0: every record is handed to the file inside AddRecord (a syscall per
  // record on a POSIX/io_uring file; the file is flushed to the OS so a process
  // crash loses no acknowledged record). >0: unsynced records are collected in a
  // user-space buffer and handed over once it holds at least this many bytes
  // (or on Flush/Sync/Close or a sync record). Trades a crash-loss window of
  // up to this many unsynced bytes for no syscall per unsynced record.
  size_t buffer_bytes = 0;
  // An encrypted log or manifest: each record (with buffer_bytes > 0, each
  // run of buffered records) is sealed under the file's data key, with the
  // offset of its first fragment as the nonce, before it is cut into
  // fragments (so the checksums cover the sealed bytes). The file must be
  // new: appending to a file written under the same key earlier would
  // repeat offsets. Not owned; outlives the writer.
  const crypto::FileCipher* cipher = nullptr;
  // 0: off. Otherwise, from the first record added with sync=true on, the
  // file keeps synced zeros past its end, written this many bytes at a time
  // (env::WritableFile::Preallocate): a synced append then overwrites
  // allocated blocks, and its fdatasync need not commit a new file size. A
  // log that is never synced by a record costs nothing; one that is writes
  // its zeros once more, in chunks of this size. The reader reads the zeros
  // as the end of the log (docs/format/wal.md).
  uint64_t preallocate_on_sync = 0;
};

class LogWriter {
 public:
  // Appends after the file's current contents; `file->Size()` tells where the
  // first fragment starts within its block. `log_number` is written into every
  // fragment so the reader never mistakes an older log's bytes for this one's.
  LogWriter(std::unique_ptr<env::WritableFile> file, uint64_t log_number,
            LogWriterOptions options = {});
  // Closes the file if Close() was not called; errors are then lost, so call
  // Close() to see them.
  ~LogWriter();

  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends one record. With `sync`, returns only after this record and every
  // earlier one are durable (AppendAndSync). Any payload size is accepted.
  [[nodiscard]] absl::Status AddRecord(std::string_view payload, bool sync);
  // Hands buffered records to the file and makes everything durable.
  [[nodiscard]] absl::Status Sync();
  // Hands buffered records to the file and asks it to flush its own buffer
  // to the OS (not durable).
  [[nodiscard]] absl::Status Flush();
  // Flushes and closes the file. Further calls fail.
  [[nodiscard]] absl::Status Close();

  uint64_t log_number() const { return log_number_; }
  // True after Close().
  bool closed() const { return closed_; }
  // Logical size of the log, counting buffered bytes not yet handed over
  // (a run not yet sealed counts its records, not its framing).
  uint64_t FileSize() const { return size_ + run_.size(); }
  // Bytes still in user space: encoded, or in a run not yet sealed.
  size_t buffered_bytes() const { return buffer_.size() + run_.size(); }

 private:
  // Encodes `payload` as fragments appended to `out`, advancing the block
  // position and size_.
  void EncodeRecord(std::string_view payload, std::string* out,
                    uint8_t version = kFormatVersion);
  // Seals run_ as one unit into buffer_ and empties it (nothing if empty).
  absl::Status SealRun();
  void EmitFragment(uint8_t type, std::string_view data, std::string* out);
  // Pads the current block with zeros if it has no room left for a header.
  void PadBlockWithoutHeaderRoom(std::string* out);
  // Seals `payload` as one unit of kind `unit` and appends it to buffer_ as
  // a record of format `version`: straight into one fragment when it fits
  // what is left of the block (the common case: no scratch copy), else
  // through sealed_, cut into fragments.
  absl::Status SealUnit(std::string_view payload, crypto::UnitKind unit, uint8_t version);
  // Writes the header of the fragment whose payload ends buffer_ (`length`
  // bytes after a header at `start`) and advances the block position.
  void FinishFragment(size_t start, uint8_t type, size_t length, std::string* out);
  // Hands `buffer_` to the file (with a sync if asked) and clears it.
  absl::Status HandOver(bool sync);
  absl::Status Fail(absl::Status s);

  std::unique_ptr<env::WritableFile> file_;
  const uint64_t log_number_;
  const LogWriterOptions options_;
  size_t block_offset_;  // position within the current block
  uint64_t size_;        // logical file size including buffer_
  std::string buffer_;   // encoded bytes not yet handed to the file
  // The log's own sealing context (null for a plain log).
  std::unique_ptr<crypto::FileCipher::Sealer> sealer_;
  std::string sealed_;   // scratch: a unit sealed whole, to be fragmented
  // An encrypted log with a buffer: records added since the last seal, each
  // varint64 length | bytes, in clear until SealRun.
  const bool seals_runs_;
  std::string run_;
  absl::Status status_;  // first error, sticky
  bool closed_ = false;
  bool preallocating_ = false;  // Preallocate asked of the file
};

}  // namespace synapsed::storage::wal

#endif  // SYNAPSED_WAL_LOG_WRITER_H_
