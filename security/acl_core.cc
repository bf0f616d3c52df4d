#include "security/acl_core.h"

#include "fmt/format.h"

namespace synapsed::storage::security {

absl::Status AclCore::Deny(AuditEvent event, absl::Status denied) {
  event.code = denied.code();
  event.sync = false;
  absl::Status recorded = Audit(event);
  return recorded.ok() ? denied : recorded;
}

absl::Status AclCore::Finish(AuditEvent event, absl::Status result) {
  event.code = result.code();
  absl::Status recorded = Audit(event);
  return recorded.ok() ? result : recorded;
}

absl::Status AclCore::FinishWrite(
    AuditEvent event, const WriteOptions& options,
    absl::FunctionRef<absl::Status(const WriteOptions&)> apply) {
  WriteOptions recording = options;
  recording.sequence = &event.commit_sequence;
  absl::Status result = apply(recording);
  if (options.sequence != nullptr) *options.sequence = event.commit_sequence;
  return Finish(event, std::move(result));
}

absl::Status AclCore::KeyDenied(std::string_view principal, std::string_view op,
                                std::string_view key) {
  return absl::PermissionDeniedError(
      fmt::format("permission denied: principal {} may not {} key {}",
                  Quoted(principal), op, Quoted(key)));
}

absl::Status AclCore::RangeDenied(std::string_view principal,
                                  std::string_view op, const KeyRange& range) {
  const std::string start = range.start ? Quoted(*range.start) : "(first key)";
  const std::string end =
      range.end ? Quoted(*range.end) : "(past the last key)";
  return absl::PermissionDeniedError(fmt::format(
      "permission denied: principal {} may not {} range [{}, {}): it is not "
      "wholly inside the keys it may read",
      Quoted(principal), op, start, end));
}

const Permissions& PermissionsOf(const AclPolicy& policy,
                                 std::string_view principal) {
  static const Permissions* const kNone = new Permissions;
  const Permissions* p = policy.Find(principal);
  return p == nullptr ? *kNone : *p;
}

}  // namespace synapsed::storage::security
