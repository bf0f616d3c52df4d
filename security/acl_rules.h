// AclPolicy: an AclConfig (synapsed/storage/config.h) checked and compiled
// into what each principal may do: a READ and a WRITE interval set
// (security/interval_set.h, the rules of all its roles merged) and whether
// it may administer the ACL.
//
// Compile refuses a config that names what does not exist (a grant to a
// principal not in "users", a role no one defined), a range whose begin is
// past its end, a repeated user, a password for a principal not listed or
// that is not a hash (security/password_hash.h), and any rule reaching the
// reserved prefix (kAclReservedPrefix), all InvalidArgument naming the
// field.
//
// The reserved prefix is never in any set: checks on a key there fail, and
// a range check treats it as permitted-but-hidden (Covers below), because
// the layer's iterators step over it.
//
// Immutable once compiled: share it freely between threads.
#ifndef SYNAPSED_SECURITY_ACL_RULES_H_
#define SYNAPSED_SECURITY_ACL_RULES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "security/interval_set.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/iterator.h"

namespace synapsed::storage::security {

struct Permissions {
  IntervalSet read;
  IntervalSet write;
  bool admin = false;

  bool MayRead(std::string_view key) const;
  bool MayWrite(std::string_view key) const;
  // Every key of `range` readable, the reserved prefix aside (hidden).
  bool MayReadRange(const KeyRange& range) const;
};

// `s` in double quotes, bytes outside printable ASCII as C escapes: how
// errors show keys, ranges and names.
std::string Quoted(std::string_view s);

// Whether `key` is one of the ACL's own.
bool IsReserved(std::string_view key);

class AclPolicy {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const AclPolicy>> Compile(
      const AclConfig& config, uint64_t revision);

  // nullptr for an unknown principal.
  const Permissions* Find(std::string_view principal) const;
  const AclConfig& config() const { return config_; }
  uint64_t revision() const { return revision_; }

 private:
  AclPolicy(AclConfig config, uint64_t revision)
      : config_(std::move(config)), revision_(revision) {}

  const AclConfig config_;
  const uint64_t revision_;
  std::map<std::string, Permissions, std::less<>> principals_;
};

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_ACL_RULES_H_
