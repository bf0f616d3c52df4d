// Signed checkpoints of the audit log (docs/format/audit.md, "Checkpoints"):
// one text line each,
//   synapsed-audit-checkpoint 1 seq=<S> hash=<64 hex> hmac=<64 hex>
// where hash is the chain hash after record S and hmac is HMAC-SHA-256
// under the audit key of "synapsed-audit-checkpoint" ‖ 0x00 ‖
// fixed64(S) ‖ hash. Kept apart from the audit file, a checkpoint shows
// a deleted tail: the file must still reach S with that hash.
#ifndef SYNAPSED_SECURITY_AUDIT_CHECKPOINT_H_
#define SYNAPSED_SECURITY_AUDIT_CHECKPOINT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "security/audit_hash.h"

namespace synapsed::storage::security {

struct Checkpoint {
  uint64_t seq = 0;
  Digest hash{};
  Digest mac{};
};

[[nodiscard]] absl::StatusOr<Digest> CheckpointMac(std::span<const uint8_t> key,
                                                   uint64_t seq,
                                                   const Digest& hash);
// The line (with its newline) for checkpoint (seq, hash).
[[nodiscard]] absl::StatusOr<std::string> FormatCheckpoint(
    std::span<const uint8_t> key, uint64_t seq, const Digest& hash);
// Every checkpoint line of `text`; InvalidArgument naming the first line
// that is not one.
[[nodiscard]] absl::StatusOr<std::vector<Checkpoint>> ParseCheckpoints(
    std::string_view text);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_CHECKPOINT_H_
