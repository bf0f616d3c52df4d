#include "security/acl_rules.h"

#include <set>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "security/password_hash.h"
#include "synapsed/storage/access_control.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {
namespace {

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("invalid access control: \"{}\": {}", field, why));
}

// The reserved prefix as an interval set, for range checks to count in.
const IntervalSet& ReservedSet() {
  static const IntervalSet* const set = [] {
    auto* s = new IntervalSet;
    s->AddPrefix(kAclReservedPrefix);
    s->Normalize();
    return s;
  }();
  return *set;
}

absl::Status AddRule(const AclRule& rule, const std::string& field,
                     Permissions* p) {
  IntervalSet one;
  if (rule.prefix) {
    one.AddPrefix(*rule.prefix);
  } else {
    if (rule.end && *rule.end < rule.begin) {
      return FieldError(
          field, fmt::format("begin {} is past end {}", Quoted(rule.begin),
                             Quoted(*rule.end)));
    }
    one.Add(rule.begin, rule.end ? std::optional<std::string_view>(*rule.end)
                                 : std::nullopt);
  }
  // A rule over everything (prefix "") is fine: the reserved keys are cut
  // out of every check. A rule aimed inside them is a mistake.
  if ((rule.prefix ? *rule.prefix : rule.begin)
          .starts_with(kAclReservedPrefix)) {
    return FieldError(field,
                      "reaches into the reserved prefix of the ACL's own keys");
  }
  if (rule.access != AclRule::Access::kWrite) p->read.AddAll(one);
  if (rule.access != AclRule::Access::kRead) p->write.AddAll(one);
  return absl::OkStatus();
}

}  // namespace

std::string Quoted(std::string_view s) {
  return "\"" + absl::CHexEscape(absl::string_view(s.data(), s.size())) + "\"";
}

bool IsReserved(std::string_view key) {
  return key.starts_with(kAclReservedPrefix);
}

bool Permissions::MayRead(std::string_view key) const {
  return !IsReserved(key) && read.Contains(key);
}

bool Permissions::MayWrite(std::string_view key) const {
  return !IsReserved(key) && write.Contains(key);
}

bool Permissions::MayReadRange(const KeyRange& range) const {
  if (read.Covers(range)) return true;
  // Allowed if the range is covered once the hidden reserved keys are
  // counted in: cheap enough on a denial path, so built here.
  IntervalSet with_reserved = read;
  with_reserved.AddAll(ReservedSet());
  with_reserved.Normalize();
  return with_reserved.Covers(range);
}

absl::StatusOr<std::shared_ptr<const AclPolicy>> AclPolicy::Compile(
    const AclConfig& config, uint64_t revision) {
  std::shared_ptr<AclPolicy> policy(new AclPolicy(config, revision));
  std::map<std::string, Permissions, std::less<>> roles;
  for (const auto& [name, role] : config.roles) {
    if (name.empty())
      return FieldError("access_control.roles", "a role with no name");
    Permissions& p = roles[name];
    p.admin = role.admin;
    for (size_t i = 0; i < role.rules.size(); ++i) {
      RETURN_IF_ERROR(AddRule(
          role.rules[i],
          fmt::format("access_control.roles.{}.rules[{}]", name, i), &p));
    }
  }
  for (const std::string& user : config.users) {
    if (user.empty())
      return FieldError("access_control.users", "a user with no name");
    if (!policy->principals_.emplace(user, Permissions()).second) {
      return FieldError("access_control.users",
                        fmt::format("user \"{}\" listed twice", user));
    }
  }
  for (const auto& [user, granted] : config.grants) {
    const std::string field = "access_control.grants." + user;
    auto it = policy->principals_.find(user);
    if (it == policy->principals_.end()) {
      return FieldError(field,
                        "not a user (list it in \"access_control.users\")");
    }
    Permissions& p = it->second;
    for (const std::string& role : granted) {
      auto r = roles.find(role);
      if (r == roles.end())
        return FieldError(field, fmt::format("unknown role \"{}\"", role));
      p.read.AddAll(r->second.read);
      p.write.AddAll(r->second.write);
      p.admin = p.admin || r->second.admin;
    }
  }
  for (const auto& [user, hash] : config.passwords) {
    const std::string field = "access_control.passwords." + user;
    if (!policy->principals_.contains(user)) {
      return FieldError(field,
                        "not a user (list it in \"access_control.users\")");
    }
    if (absl::StatusOr<ParsedPasswordHash> parsed = ParsePasswordHash(hash);
        !parsed.ok()) {
      return FieldError(field, std::string(parsed.status().message()));
    }
  }
  for (auto& [user, p] : policy->principals_) {
    p.read.Normalize();
    p.write.Normalize();
  }
  return std::shared_ptr<const AclPolicy>(std::move(policy));
}

const Permissions* AclPolicy::Find(std::string_view principal) const {
  auto it = principals_.find(principal);
  return it == principals_.end() ? nullptr : &it->second;
}

}  // namespace synapsed::storage::security
