// AclCore: what every principal's view of a secured store shares: the inner
// store, the compiled rules (swapped whole at each admin change), and the
// audit sink. Internal to security/ (acl_store.cc, acl_transaction.cc).
//
// Checking: Check* take the principal's current permissions and, on a
// denial, record it with the audit sink and return PermissionDenied naming
// principal, operation and key or range (escaped), never a value.
//
// Thread-safe: the policy pointer is read under a reader lock and replaced
// under the writer lock; admin changes are serialised by admin_mu_.
#ifndef SYNAPSED_SECURITY_ACL_CORE_H_
#define SYNAPSED_SECURITY_ACL_CORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "security/acl_rules.h"
#include "security/audit_event.h"
#include "synapsed/storage/storage.h"
#include "util/mutex.h"

namespace synapsed::storage::security {

class AclCore {
 public:
  AclCore(std::unique_ptr<Store> inner, std::shared_ptr<const AclPolicy> policy,
          std::shared_ptr<AuditSink> audit)
      : inner_(std::move(inner)),
        policy_(std::move(policy)),
        audit_(std::move(audit)) {}

  Store& inner() { return *inner_; }
  std::shared_ptr<const AclPolicy> policy() const {
    ReaderMutexLock lock(&mu_);
    return policy_;
  }
  // REQUIRES: admin_mu() held, the new state stored durably.
  void SetPolicy(std::shared_ptr<const AclPolicy> policy) {
    MutexLock lock(&mu_);
    policy_ = std::move(policy);
  }
  Mutex& admin_mu() { return admin_mu_; }

  // Records `event` if there is an audit log; otherwise OK.
  absl::Status Audit(const AuditEvent& event) {
    return audit_ == nullptr ? absl::OkStatus() : audit_->Record(event);
  }
  // Records a denial of `event` and returns `denied` (or the audit's error).
  absl::Status Deny(AuditEvent event, absl::Status denied);
  // Records `event` with the outcome `result` and returns `result`, unless
  // recording fails.
  absl::Status Finish(AuditEvent event, absl::Status result);
  // Runs the allowed write `apply` with `options` changed to capture the
  // commit sequence into the record (and still into the caller's
  // options.sequence), then Finish.
  absl::Status FinishWrite(AuditEvent event, const WriteOptions& options,
                           absl::FunctionRef<absl::Status(const WriteOptions&)> apply);

  // The PermissionDenied a principal gets.
  static absl::Status KeyDenied(std::string_view principal, std::string_view op,
                                std::string_view key);
  static absl::Status RangeDenied(std::string_view principal,
                                  std::string_view op, const KeyRange& range);

 private:
  const std::unique_ptr<Store> inner_;
  mutable Mutex mu_;
  std::shared_ptr<const AclPolicy> policy_ ABSL_GUARDED_BY(mu_);
  Mutex admin_mu_;
  const std::shared_ptr<AuditSink> audit_;
};

// The permissions of `principal` under `policy`: none if it is unknown
// (e.g. revoked out of existence since its store was made).
const Permissions& PermissionsOf(const AclPolicy& policy,
                                 std::string_view principal);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_ACL_CORE_H_
