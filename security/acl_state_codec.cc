#include "security/acl_state_codec.h"

#include "util/coding.h"

namespace synapsed::storage::security {
namespace {

constexpr uint8_t kVersion = 1;              // no passwords
constexpr uint8_t kVersionWithPasswords = 2;  // a password section at the end
enum RuleKind : uint8_t { kPrefix = 0, kOpenRange = 1, kRange = 2 };

void PutNames(std::string* out, const std::vector<std::string>& names) {
  PutVarint32(out, static_cast<uint32_t>(names.size()));
  for (const std::string& n : names) PutLengthPrefixed(out, n);
}

bool GetNames(std::string_view* in, std::vector<std::string>* names) {
  uint32_t n = 0;
  if (!GetVarint32(in, &n) || n > in->size()) return false;
  names->resize(n);
  for (std::string& s : *names) {
    if (!GetLengthPrefixed(in, &s)) return false;
  }
  return true;
}

bool GetRule(std::string_view* in, AclRule* r) {
  uint8_t kind = 0, access = 0;
  if (!GetFixed8(in, &kind) || !GetFixed8(in, &access) || access > 2) return false;
  r->access = static_cast<AclRule::Access>(access);
  std::string a;
  if (!GetLengthPrefixed(in, &a)) return false;
  switch (kind) {
    case kPrefix:
      r->prefix = std::move(a);
      return true;
    case kOpenRange:
      r->begin = std::move(a);
      return true;
    case kRange:
      r->begin = std::move(a);
      r->end.emplace();
      return GetLengthPrefixed(in, &*r->end);
  }
  return false;
}

bool Decode(std::string_view in, AclState* state) {
  uint8_t version = 0;
  uint32_t n = 0;
  if (!GetFixed8(&in, &version) ||
      (version != kVersion && version != kVersionWithPasswords) ||
      !GetVarint64(&in, &state->revision) || !GetVarint32(&in, &n)) {
    return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string name;
    uint8_t admin = 0;
    uint32_t nrules = 0;
    if (!GetLengthPrefixed(&in, &name) || !GetFixed8(&in, &admin) ||
        !GetVarint32(&in, &nrules) || nrules > in.size()) {
      return false;
    }
    // Each name once, as the encoder writes a map. A repeat would decode
    // over the first one's rules, leaving a rule with the fields of two
    // kinds (a prefix and a range), which the encoder cannot write back.
    auto [it, inserted] = state->config.roles.try_emplace(std::move(name));
    if (!inserted) return false;
    AclRole& role = it->second;
    role.admin = admin != 0;
    role.rules.resize(nrules);
    for (AclRule& r : role.rules) {
      if (!GetRule(&in, &r)) return false;
    }
  }
  if (!GetNames(&in, &state->config.users) || !GetVarint32(&in, &n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string user;
    if (!GetLengthPrefixed(&in, &user)) return false;
    auto [it, inserted] = state->config.grants.try_emplace(std::move(user));
    if (!inserted || !GetNames(&in, &it->second)) return false;
  }
  if (version == kVersionWithPasswords) {
    if (!GetVarint32(&in, &n) || n == 0) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string user, hash;
      if (!GetLengthPrefixed(&in, &user) || !GetLengthPrefixed(&in, &hash)) {
        return false;
      }
      if (!state->config.passwords.try_emplace(std::move(user), std::move(hash)).second) {
        return false;
      }
    }
  }
  return in.empty();
}

}  // namespace

std::string EncodeAclState(const AclState& state) {
  const bool passwords = !state.config.passwords.empty();
  std::string out(1, static_cast<char>(passwords ? kVersionWithPasswords : kVersion));
  PutVarint64(&out, state.revision);
  PutVarint32(&out, static_cast<uint32_t>(state.config.roles.size()));
  for (const auto& [name, role] : state.config.roles) {
    PutLengthPrefixed(&out, name);
    out.push_back(role.admin ? 1 : 0);
    PutVarint32(&out, static_cast<uint32_t>(role.rules.size()));
    for (const AclRule& r : role.rules) {
      const RuleKind kind = r.prefix ? kPrefix : r.end ? kRange : kOpenRange;
      out.push_back(static_cast<char>(kind));
      out.push_back(static_cast<char>(r.access));
      PutLengthPrefixed(&out, r.prefix ? *r.prefix : r.begin);
      if (kind == kRange) PutLengthPrefixed(&out, *r.end);
    }
  }
  PutNames(&out, state.config.users);
  PutVarint32(&out, static_cast<uint32_t>(state.config.grants.size()));
  for (const auto& [user, roles] : state.config.grants) {
    PutLengthPrefixed(&out, user);
    PutNames(&out, roles);
  }
  if (passwords) {
    PutVarint32(&out, static_cast<uint32_t>(state.config.passwords.size()));
    for (const auto& [user, hash] : state.config.passwords) {
      PutLengthPrefixed(&out, user);
      PutLengthPrefixed(&out, hash);
    }
  }
  return out;
}

absl::StatusOr<AclState> DecodeAclState(std::string_view encoded) {
  AclState state;
  if (!Decode(encoded, &state)) {
    return absl::DataLossError(
        "the access control state stored in the store is corrupt "
        "(security/acl_state_codec.h)");
  }
  return state;
}

}  // namespace synapsed::storage::security
