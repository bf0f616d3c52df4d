// AuditLog: the tamper-evident audit file (docs/format/audit.md) that the
// access control layer reports every operation to (security/audit_event.h).
//
// Each record is appended, chained to the one before with SHA-256. A record
// of a synced write (AuditEvent::sync) is synced before Record returns, so
// before the write is acknowledged: a crash loses no record of an
// acknowledged synced write. Other records reach the disk with the next
// sync (group sync), or at the next checkpoint.
//
// Every checkpoint_every_records records, or at the first record
// checkpoint_every_seconds after the last checkpoint, and when the log is
// closed, the file is synced and a signed checkpoint (audit_checkpoint.h)
// is appended to the checkpoint file and given to the sink.
//
// Opening an existing file walks its chain to continue it. A record cut
// short at the end (a crash mid-append) is cut off; any other failure is
// DataLoss naming the sequence, and the log does not open: a tampered file
// is for the operator to look at, not to append to.
//
// Thread-safe: records are appended under one mutex, in sequence order.
#ifndef SYNAPSED_SECURITY_AUDIT_LOG_H_
#define SYNAPSED_SECURITY_AUDIT_LOG_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "env/env.h"
#include "security/audit_event.h"
#include "synapsed/storage/config.h"

namespace synapsed::storage::security {

class AuditLog : public AuditSink {
 public:
  // Writes a checkpoint now (after syncing the file).
  [[nodiscard]] virtual absl::Status Checkpoint() = 0;
  // Records written so far (the last sequence number).
  virtual uint64_t LastSequence() const = 0;
};

// `fs`: null for the default (POSIX) file system. InvalidArgument for a
// config without a path, key file or checkpoint destination.
[[nodiscard]] absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(
    const AuditConfig& config, env::FileSystem* fs = nullptr,
    std::function<absl::Time()> now = absl::Now);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_LOG_H_
