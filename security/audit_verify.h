// Reading and verifying an audit file (docs/format/audit.md): the chain is
// walked from the header, and the first record that does not hold is named
// by the sequence number it should have had.
//
// What each kind of tampering looks like to the walk:
//   edited     the record's hash is not SHA-256(previous ‖ body), or the
//              body does not decode
//   dropped    a sequence number is skipped
//   reordered  a sequence number comes out of order
//   truncated  a record is cut short (mid-record), or, at a record
//              boundary, the file ends before a checkpoint's sequence
//   replaced   a checkpoint's hash differs from the chain's at its seq
// Without checkpoints, deleting whole records from the end cannot be told
// from a shorter log: the checkpoints, exported elsewhere, are what show it.
// Thread-safe (no shared state).
#ifndef SYNAPSED_SECURITY_AUDIT_VERIFY_H_
#define SYNAPSED_SECURITY_AUDIT_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/audit_checkpoint.h"
#include "security/audit_format.h"

namespace synapsed::storage::security {

struct AuditVerdict {
  bool ok = false;
  uint64_t records = 0;     // good records before the first bad one
  Digest head{};            // the chain hash after them
  uint64_t good_bytes = 0;  // header and good records: where the next goes
  uint32_t version = 0;     // the file's format version (0: no header)
  // When !ok: the sequence number that fails, and why.
  uint64_t first_bad_seq = 0;
  std::string reason;
  // Only a record cut short at the very end (what a crash leaves).
  bool torn_tail = false;
};

// Walks `contents`, calling `visit` (if set) on each good record.
// With `checkpoints`, each is checked against the chain, and, with `key`,
// its signature first (a bad signature fails at the checkpoint's seq).
AuditVerdict VerifyAudit(
    std::string_view contents,
    const std::vector<Checkpoint>* checkpoints = nullptr,
    std::optional<std::span<const uint8_t>> key = std::nullopt,
    const std::function<void(const AuditRecord&)>& visit = nullptr);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_VERIFY_H_
