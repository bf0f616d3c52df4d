// SecuredStore: a store whose every operation is checked against the rules
// of a principal (AclConfig in config.h), built by StorageBuilder with
// WithAccessControl or the JSON "access_control" section.
//
//   auto secured =
//   StorageBuilder(config).WithAccessControl(acl).BuildSecured(); auto alice =
//   (*secured)->AsPrincipal("alice");
//   (*alice)->Put("a/1", "v");   // PermissionDenied unless alice may write a/1
//
// What is checked (security/acl_store.h has the details):
// - Get, Exists and BatchGet need READ on every key; Put, Delete and every
//   key of a batch need WRITE, all checked before anything is applied, so a
//   batch with one forbidden key applies nothing.
// - An iterator or scan over [lo, hi) needs READ on the whole range, else it
//   is PermissionDenied; it never returns a silent subset. A denial never
//   says whether a key exists.
// - A transaction checks each read and write as it is made; one denial
//   poisons it (Commit fails, nothing applied), and so does any change of
//   the rules after it began (the ACL revision, as etcd's auth revision).
// - Errors are PermissionDenied and name the principal, the operation and
//   the key or range, never a value.
//
// GetProperty needs admin, except "acl.revision" and the operational
// properties (IsOperationalProperty below), which any principal may read:
// counters, sizes and the LSM's shape, never a key or a value, so that a
// metrics scrape (`synapsed serve --metrics-listen`) and INFO work for
// whoever can reach them. Every property read is audited.
//
// The ACL's own state lives in the store under a reserved prefix (below)
// that no principal can read or write; scans step over it. The admin calls
// change it durably (a synced write) and take effect for the next operation.
//
// Thread safety: fully thread-safe, as every Store. A principal's store
// (AsPrincipal) shares the secured store's state and may outlive the handle
// it came from.
#ifndef SYNAPSED_STORAGE_ACCESS_CONTROL_H_
#define SYNAPSED_STORAGE_ACCESS_CONTROL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

// Keys with this prefix hold the ACL's state; no principal can reach them.
inline constexpr std::string_view kAclReservedPrefix =
    "\xff\xff\xffsynapsed.acl/";

// "stats", "stats.json", "lsm", "lsm.json", "metrics", "metrics.prometheus"
// and "cache.stats": what every principal may read (see above).
bool IsOperationalProperty(std::string_view name);

// The principal a SecuredStore acts as when used directly.
inline constexpr std::string_view kAnonymousPrincipal = "anonymous";

class SecuredStore : public Store {
 public:
  // A store acting as `principal`. PermissionDenied if no such principal is
  // known (listed in the config or given a role by Grant).
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Store>> AsPrincipal(
      std::string_view principal) = 0;

  // The admin calls: `actor` must hold a role with admin. Each is stored
  // durably before it returns and raises the revision by one.
  // Gives `principal` (known or new) the role `role`, which must exist.
  [[nodiscard]] virtual absl::Status Grant(std::string_view actor,
                                           std::string_view principal,
                                           std::string_view role) = 0;
  // Takes `role` from `principal`; NotFound if it did not hold it.
  [[nodiscard]] virtual absl::Status Revoke(std::string_view actor,
                                            std::string_view principal,
                                            std::string_view role) = 0;
  // Defines `role`, or replaces its rules.
  [[nodiscard]] virtual absl::Status PutRole(std::string_view actor,
                                             std::string_view role,
                                             const AclRole& rules) = 0;

  // Sets the password of `principal` (who must be known) to `password_hash`,
  // a salted hash as `synapsed acl passwd` prints it
  // (docs/format/password_hash.md); an empty hash removes the password.
  // An admin call, stored and counted like the others.
  [[nodiscard]] virtual absl::Status SetPasswordHash(
      std::string_view actor, std::string_view principal,
      std::string_view password_hash) = 0;

  // Logs in: checks `password` against the stored hash of `principal` and,
  // if it matches, returns the store acting as it (AsPrincipal).
  // Unauthenticated otherwise, with the same message whether the principal
  // is unknown, has no password, or the password is wrong (and after
  // computing one hash either way — of the default cost when there is no
  // stored hash — so the time barely tells which). Every attempt is audited
  // as operation "auth" with its outcome; the password never is.
  // The caller owns `password` and should wipe it when done.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Store>> Authenticate(
      std::string_view principal, std::string_view password) = 0;

  // Whether any principal has a password (so a network front can log one
  // in).
  virtual bool HasPasswords() const = 0;

  // Raised by one at every change of the rules; 0 as configured.
  virtual uint64_t Revision() const = 0;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_ACCESS_CONTROL_H_
