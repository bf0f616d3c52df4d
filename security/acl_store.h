// The access control layer: a Store decorator over any backend (or layer
// stack) that checks every operation against a principal's rules, as
// synapsed/storage/access_control.h describes for SecuredStore.
//
// Per operation, for the principal P acting:
//   Get, Exists, a transaction's Get/GetForUpdate   READ on the key
//   BatchGet                          READ on every key, before any is read
//   Put, Delete, a transaction's Put/Delete         WRITE on the key
//   Write, BatchPut, BatchDelete      WRITE on every key, before any applies
//   NewIterator, Scan (store or transaction)
//                                     READ on the whole range, else an
//                                     iterator whose status() is
//                                     PermissionDenied (never a subset)
//   Commit                            no denial in the transaction and the
//                                     ACL revision unchanged since it began
//   Flush, GetSnapshot                any principal (they reveal no key)
//   CompactRange, GetProperty         admin (a property can name keys);
//                                     "acl.revision" for any principal
// Keys under kAclReservedPrefix are denied to all and hidden from scans.
//
// Every operation, allowed or denied, is reported to the audit sink when
// there is one (security/audit_event.h), after it ran, with its outcome.
//
// Stored state: the rules start as `config` says; once an admin call has
// changed them, the rules stored in the store win at the next open (with
// their revision).
#ifndef SYNAPSED_SECURITY_ACL_STORE_H_
#define SYNAPSED_SECURITY_ACL_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "security/audit_event.h"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/config.h"

namespace synapsed::storage::security {

// InvalidArgument (naming the field) for a config that does not compile
// (security/acl_rules.h); DataLoss if the stored rules are corrupt. `audit`
// may be null.
[[nodiscard]] absl::StatusOr<std::unique_ptr<SecuredStore>> NewAclStore(
    std::unique_ptr<Store> inner, const AclConfig& config,
    std::shared_ptr<AuditSink> audit = nullptr);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_ACL_STORE_H_
