// AuditEvent: what the access control layer reports of one operation, and
// AuditSink, what receives it (the audit log, security/audit_log.h). An
// event carries keys and ranges, never values.
#ifndef SYNAPSED_SECURITY_AUDIT_EVENT_H_
#define SYNAPSED_SECURITY_AUDIT_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace synapsed::storage::security {

struct AuditEvent {
  std::string_view principal;
  std::string_view operation;  // "get", "put", "scan", "txn_commit", ...
  // The key, or the first key of a batch; for a scan the range's start.
  std::optional<std::string_view> key;
  // For a scan: the range's end (unset with `key`: open).
  std::optional<std::string_view> range_end;
  bool is_range = false;
  uint64_t count = 1;  // keys in a batch or transaction
  absl::StatusCode code = absl::StatusCode::kOk;
  // The write was synced: its record must be durable before it returns.
  bool sync = false;
  // The sequence number the engine committed the write at (0: none; see
  // WriteOptions::sequence).
  uint64_t commit_sequence = 0;
};

// Thread-safe: Record may be called from any thread.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // An error fails the operation being recorded (a write already applied
  // stays applied, and the caller learns that its record may be lost).
  [[nodiscard]] virtual absl::Status Record(const AuditEvent& event) = 0;
};

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_EVENT_H_
