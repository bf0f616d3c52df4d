#include "security/acl_transaction.h"

#include <utility>

#include "fmt/format.h"
#include "security/hiding_iterator.h"
#include "synapsed/storage/access_control.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {
namespace {

class AclTransaction final : public Transaction {
 public:
  AclTransaction(std::shared_ptr<AclCore> core, std::string principal,
                 uint64_t revision, std::unique_ptr<Transaction> inner)
      : core_(std::move(core)),
        principal_(std::move(principal)),
        revision_(revision),
        inner_(std::move(inner)) {}

  absl::Status Get(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(CheckKey("txn_get", "read", key, false));
    return core_->Finish(Event("txn_get", key), inner_->Get(key, value));
  }
  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    RETURN_IF_ERROR(CheckKey("txn_get_for_update", "read", key, false));
    return core_->Finish(Event("txn_get_for_update", key),
                         inner_->GetForUpdate(key, value));
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(CheckKey("txn_put", "write", key, true));
    absl::Status s =
        core_->Finish(Event("txn_put", key), inner_->Put(key, value));
    if (s.ok()) ++writes_;
    return s;
  }
  absl::Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(CheckKey("txn_delete", "write", key, true));
    absl::Status s =
        core_->Finish(Event("txn_delete", key), inner_->Delete(key));
    if (s.ok()) ++writes_;
    return s;
  }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    AuditEvent e = Event("txn_scan", range.start);
    e.is_range = true;
    e.range_end = range.end;
    const std::shared_ptr<const AclPolicy> policy = core_->policy();
    if (!PermissionsOf(*policy, principal_).MayReadRange(range)) {
      denied_ = true;
      return NewErrorIterator(
          core_->Deny(e, AclCore::RangeDenied(principal_, "scan", range)));
    }
    absl::Status recorded = core_->Audit(e);
    if (!recorded.ok()) return NewErrorIterator(recorded);
    return NewHidingIterator(inner_->NewIterator(range), kAclReservedPrefix);
  }
  absl::Status Commit(const WriteOptions& options) override;
  absl::Status Rollback() override {
    return core_->Finish(Event("txn_rollback", std::nullopt),
                         inner_->Rollback());
  }

 private:
  AuditEvent Event(std::string_view op,
                   std::optional<std::string_view> key) const {
    return AuditEvent{.principal = principal_, .operation = op, .key = key};
  }
  absl::Status CheckKey(std::string_view op, std::string_view verb,
                        std::string_view key, bool write) {
    // Held for the check: an admin change may drop the policy meanwhile.
    const std::shared_ptr<const AclPolicy> policy = core_->policy();
    const Permissions& p = PermissionsOf(*policy, principal_);
    if (write ? p.MayWrite(key) : p.MayRead(key)) return absl::OkStatus();
    denied_ = true;
    return core_->Deny(Event(op, key),
                       AclCore::KeyDenied(principal_, verb, key));
  }

  const std::shared_ptr<AclCore> core_;
  const std::string principal_;
  const uint64_t revision_;  // the ACL's when the transaction began
  const std::unique_ptr<Transaction> inner_;
  bool denied_ = false;
  uint64_t writes_ = 0;
};

absl::Status AclTransaction::Commit(const WriteOptions& options) {
  AuditEvent e = Event("txn_commit", std::nullopt);
  e.count = writes_;
  e.sync = options.sync;
  // Held shared across the check and the commit: no rule changes between.
  ReaderMutexLock rules(&core_->admin_mu());
  const uint64_t now = core_->policy()->revision();
  absl::Status refused;
  if (denied_) {
    refused = absl::PermissionDeniedError(fmt::format(
        "permission denied: transaction of principal \"{}\" had a denied "
        "operation; nothing was applied",
        principal_));
  } else if (now != revision_) {
    refused = absl::PermissionDeniedError(fmt::format(
        "permission denied: transaction of principal \"{}\" began under ACL "
        "revision {}, now {}; nothing was applied",
        principal_, revision_, now));
  }
  if (!refused.ok()) {
    (void)inner_->Rollback();  // nothing applied; the refusal is what matters
    return core_->Deny(e, refused);
  }
  return core_->FinishWrite(
      e, options, [&](const WriteOptions& o) { return inner_->Commit(o); });
}

}  // namespace

std::unique_ptr<Transaction> NewAclTransaction(
    std::shared_ptr<AclCore> core, std::string principal, uint64_t revision,
    std::unique_ptr<Transaction> inner) {
  return std::make_unique<AclTransaction>(std::move(core), std::move(principal),
                                          revision, std::move(inner));
}

}  // namespace synapsed::storage::security
