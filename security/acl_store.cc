#include "security/acl_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "api/mapped_change_stream.h"
#include "api/write_batch_internal.h"
#include "fmt/format.h"
#include "security/acl_core.h"
#include "security/acl_state_codec.h"
#include "security/acl_transaction.h"
#include "security/hiding_iterator.h"
#include "security/password_hash.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {
namespace {

std::string StateKey() { return std::string(kAclReservedPrefix) + "state"; }

// A hash of the default cost that no password is checked against for real
// (Authenticate of an unknown principal).
const std::string& DummyHash() {
  static const std::string* const hash = [] {
    absl::StatusOr<std::string> h = HashPassword("synapsed.acl.dummy");
    return new std::string(h.ok() ? *h : "");
  }();
  return *hash;
}

// A store acting as one principal. `Base` is Store for AsPrincipal's stores
// and SecuredStore for the secured store itself (acting as anonymous).
template <typename Base>
class PrincipalStore : public Base {
 public:
  PrincipalStore(std::shared_ptr<AclCore> core, std::string principal)
      : core_(std::move(core)), principal_(std::move(principal)) {}

  std::string Name() const override {
    return fmt::format("acl({})", core_->inner().Name());
  }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    AuditEvent e = Event("get", key);
    if (!Perms()->MayRead(key)) return Denied(e, "read", key);
    return core_->Finish(e, core_->inner().Get(options, key, value));
  }
  absl::StatusOr<bool> Exists(const ReadOptions& options,
                              std::string_view key) override {
    AuditEvent e = Event("exists", key);
    if (!Perms()->MayRead(key)) return Denied(e, "read", key);
    absl::StatusOr<bool> found = core_->inner().Exists(options, key);
    RETURN_IF_ERROR(core_->Finish(e, found.status()));
    return found;
  }
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    AuditEvent e = Event("put", key);
    e.sync = options.sync;
    if (!Perms()->MayWrite(key)) return Denied(e, "write", key);
    return core_->FinishWrite(e, options, [&](const WriteOptions& o) {
      return core_->inner().Put(o, key, value);
    });
  }
  absl::Status Delete(const WriteOptions& options,
                      std::string_view key) override {
    AuditEvent e = Event("delete", key);
    e.sync = options.sync;
    if (!Perms()->MayWrite(key)) return Denied(e, "write", key);
    return core_->FinishWrite(e, options, [&](const WriteOptions& o) {
      return core_->inner().Delete(o, key);
    });
  }
  absl::Status Write(const WriteOptions& options,
                     const WriteBatch& batch) override {
    ASSIGN_OR_RETURN(const std::vector<std::string_view> keys,
                     WriteBatchInternal::Keys(batch));
    AuditEvent e = Event(
        "write", keys.empty() ? std::nullopt : std::optional(keys.front()));
    e.count = keys.size();
    e.sync = options.sync;
    const auto perms = Perms();
    for (std::string_view k : keys) {
      if (!perms->MayWrite(k)) {
        e.key = k;  // the record names the key that was refused
        return Denied(e, "write", k);
      }
    }
    return core_->FinishWrite(e, options, [&](const WriteOptions& o) {
      return core_->inner().Write(o, batch);
    });
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options,
      std::span<const std::string_view> keys) override {
    AuditEvent e = Event(
        "batch_get", keys.empty() ? std::nullopt : std::optional(keys.front()));
    e.count = keys.size();
    const auto perms = Perms();
    for (std::string_view k : keys) {
      if (!perms->MayRead(k)) {
        e.key = k;
        return Denied(e, "read", k);
      }
    }
    auto values = core_->inner().BatchGet(options, keys);
    RETURN_IF_ERROR(core_->Finish(e, values.status()));
    return values;
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    AuditEvent e = Event("scan", range.start);
    e.is_range = true;
    e.range_end = range.end;
    if (!Perms()->MayReadRange(range)) {
      return NewErrorIterator(
          core_->Deny(e, AclCore::RangeDenied(principal_, "scan", range)));
    }
    absl::Status recorded = core_->Audit(e);
    if (!recorded.ok()) return NewErrorIterator(recorded);
    return NewHidingIterator(core_->inner().NewIterator(options, range),
                             kAclReservedPrefix);
  }
  absl::Status Flush() override {
    return core_->Finish(Event("flush", std::nullopt), core_->inner().Flush());
  }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    auto snapshot = core_->inner().GetSnapshot();
    RETURN_IF_ERROR(
        core_->Finish(Event("snapshot", std::nullopt), snapshot.status()));
    return snapshot;
  }
  // Unlike a scan, a subscription needs no READ on its whole range: each
  // event is checked as it is delivered, against the rules in force then,
  // and the keys the principal may not read (and the ACL's own state) are
  // left out, as if written outside the range. Audited as one "subscribe".
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    AuditEvent e = Event("subscribe", range.start);
    e.is_range = true;
    e.range_end = range.end;
    auto stream = core_->inner().Subscribe(range, options);
    RETURN_IF_ERROR(core_->Finish(e, stream.status()));
    return NewMappedChangeStream(
        *std::move(stream), [core = core_, principal = principal_](ChangeBatch* batch) {
          std::shared_ptr<const AclPolicy> policy = core->policy();
          const Permissions& perms = PermissionsOf(*policy, principal);
          std::erase_if(batch->events, [&](const ChangeEvent& ev) {
            return ev.key.starts_with(kAclReservedPrefix) || !perms.MayRead(ev.key);
          });
          return absl::OkStatus();
        });
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override {
    const uint64_t revision = core_->policy()->revision();
    auto txn = core_->inner().BeginTransaction(options);
    RETURN_IF_ERROR(
        core_->Finish(Event("txn_begin", std::nullopt), txn.status()));
    return NewAclTransaction(core_, principal_, revision, *std::move(txn));
  }
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    AuditEvent e = Event("compact_range", begin);
    e.is_range = true;
    e.range_end = end;
    if (!Perms()->admin) return AdminDenied(e);
    return core_->Finish(e, core_->inner().CompactRange(begin, end));
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    AuditEvent e = Event("property", name);
    const auto policy = core_->policy();
    if (name == "acl.revision") {
      RETURN_IF_ERROR(core_->Audit(e));
      return std::to_string(policy->revision());
    }
    if (!IsOperationalProperty(name) &&
        !PermissionsOf(*policy, principal_).admin) {
      return AdminDenied(e);
    }
    auto value = core_->inner().GetProperty(name);
    RETURN_IF_ERROR(core_->Finish(e, value.status()));
    return value;
  }

 protected:
  AuditEvent Event(std::string_view op,
                   std::optional<std::string_view> key) const {
    return AuditEvent{.principal = principal_, .operation = op, .key = key};
  }
  // The principal's permissions now, kept alive with their policy.
  std::shared_ptr<const Permissions> Perms() const {
    std::shared_ptr<const AclPolicy> policy = core_->policy();
    const Permissions* p = &PermissionsOf(*policy, principal_);
    return std::shared_ptr<const Permissions>(std::move(policy), p);
  }
  absl::Status Denied(const AuditEvent& e, std::string_view verb,
                      std::string_view key) {
    return core_->Deny(e, AclCore::KeyDenied(principal_, verb, key));
  }
  absl::Status AdminDenied(const AuditEvent& e) {
    return core_->Deny(e, absl::PermissionDeniedError(fmt::format(
                              "permission denied: principal {} may not {} "
                              "(it needs the admin permission)",
                              Quoted(principal_), e.operation)));
  }

  const std::shared_ptr<AclCore> core_;
  const std::string principal_;
};

class SecuredStoreImpl final : public PrincipalStore<SecuredStore> {
 public:
  explicit SecuredStoreImpl(std::shared_ptr<AclCore> core)
      : PrincipalStore(std::move(core), std::string(kAnonymousPrincipal)) {}

  absl::StatusOr<std::unique_ptr<Store>> AsPrincipal(
      std::string_view principal) override {
    if (core_->policy()->Find(principal) == nullptr) {
      return absl::PermissionDeniedError(
          fmt::format("permission denied: no principal {}", Quoted(principal)));
    }
    return std::unique_ptr<Store>(
        new PrincipalStore<Store>(core_, std::string(principal)));
  }

  absl::Status Grant(std::string_view actor, std::string_view principal,
                     std::string_view role) override {
    return Change(actor, "grant", principal, [&](AclConfig* c) -> absl::Status {
      if (!c->roles.contains(std::string(role))) {
        return absl::NotFoundError(fmt::format("no role {}", Quoted(role)));
      }
      if (std::find(c->users.begin(), c->users.end(), principal) ==
          c->users.end()) {
        c->users.emplace_back(principal);
      }
      std::vector<std::string>& roles = c->grants[std::string(principal)];
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        roles.emplace_back(role);
      }
      return absl::OkStatus();
    });
  }
  absl::Status Revoke(std::string_view actor, std::string_view principal,
                      std::string_view role) override {
    return Change(
        actor, "revoke", principal, [&](AclConfig* c) -> absl::Status {
          auto it = c->grants.find(std::string(principal));
          if (it != c->grants.end()) {
            auto held = std::find(it->second.begin(), it->second.end(), role);
            if (held != it->second.end()) {
              it->second.erase(held);
              return absl::OkStatus();
            }
          }
          return absl::NotFoundError(
              fmt::format("principal {} does not hold role {}",
                          Quoted(principal), Quoted(role)));
        });
  }
  absl::Status PutRole(std::string_view actor, std::string_view role,
                       const AclRole& rules) override {
    return Change(actor, "put_role", role, [&](AclConfig* c) -> absl::Status {
      c->roles[std::string(role)] = rules;
      return absl::OkStatus();
    });
  }
  absl::Status SetPasswordHash(std::string_view actor,
                               std::string_view principal,
                               std::string_view password_hash) override {
    return Change(
        actor, "set_password", principal, [&](AclConfig* c) -> absl::Status {
          if (std::find(c->users.begin(), c->users.end(), principal) ==
              c->users.end()) {
            return absl::NotFoundError(
                fmt::format("no principal {}", Quoted(principal)));
          }
          if (password_hash.empty()) {
            c->passwords.erase(std::string(principal));
          } else {
            c->passwords[std::string(principal)] = password_hash;
          }
          return absl::OkStatus();  // Compile checks the hash
        });
  }

  absl::StatusOr<std::unique_ptr<Store>> Authenticate(
      std::string_view principal, std::string_view password) override {
    AuditEvent e;
    e.principal = principal;
    e.operation = "auth";
    const std::shared_ptr<const AclPolicy> policy = core_->policy();
    const auto& passwords = policy->config().passwords;
    auto it = passwords.find(std::string(principal));
    bool match = false;
    if (it == passwords.end() || policy->Find(principal) == nullptr) {
      // As much work as a real check, so the time does not tell that there
      // is no such principal; the answer is thrown away.
      (void)VerifyPassword(DummyHash(), password);
    } else {
      absl::StatusOr<bool> verified = VerifyPassword(it->second, password);
      if (!verified.ok()) return core_->Finish(e, verified.status());
      match = *verified;
    }
    if (!match) {
      return core_->Deny(e, absl::UnauthenticatedError(
                                "invalid username-password pair or user is "
                                "disabled"));
    }
    RETURN_IF_ERROR(core_->Finish(e, absl::OkStatus()));
    return std::unique_ptr<Store>(
        new PrincipalStore<Store>(core_, std::string(principal)));
  }

  bool HasPasswords() const override {
    return !core_->policy()->config().passwords.empty();
  }

  uint64_t Revision() const override { return core_->policy()->revision(); }

 private:
  // One admin change: `actor` must be an admin; `edit` changes a copy of
  // the rules, which is compiled, stored with sync, then put in force.
  template <typename Edit>
  absl::Status Change(std::string_view actor, std::string_view op,
                      std::string_view subject, Edit edit) {
    AuditEvent e;
    e.principal = actor;
    e.operation = op;
    e.key = subject;
    e.sync = true;
    MutexLock lock(&core_->admin_mu());
    const std::shared_ptr<const AclPolicy> now = core_->policy();
    if (!PermissionsOf(*now, actor).admin) {
      return core_->Deny(e, absl::PermissionDeniedError(fmt::format(
                                "permission denied: principal {} may not {} "
                                "(it needs the admin permission)",
                                Quoted(actor), op)));
    }
    AclState next{now->config(), now->revision() + 1};
    absl::Status s = edit(&next.config);
    std::shared_ptr<const AclPolicy> compiled;
    if (s.ok()) {
      auto policy = AclPolicy::Compile(next.config, next.revision);
      s = policy.status();
      if (s.ok()) compiled = *std::move(policy);
    }
    if (s.ok()) {
      WriteOptions synced;
      synced.sync = true;
      synced.sequence = &e.commit_sequence;
      s = core_->inner().Put(synced, StateKey(), EncodeAclState(next));
    }
    if (s.ok()) core_->SetPolicy(std::move(compiled));
    return core_->Finish(e, s);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SecuredStore>> NewAclStore(
    std::unique_ptr<Store> inner, const AclConfig& config,
    std::shared_ptr<AuditSink> audit) {
  if (inner == nullptr)
    return absl::InvalidArgumentError("access control: no inner store");
  AclState state{config, 0};
  absl::StatusOr<std::string> stored = inner->Get(StateKey());
  if (stored.ok()) {
    ASSIGN_OR_RETURN(state, DecodeAclState(*stored));
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  ASSIGN_OR_RETURN(auto policy,
                   AclPolicy::Compile(state.config, state.revision));
  auto core = std::make_shared<AclCore>(std::move(inner), std::move(policy),
                                        std::move(audit));
  return std::unique_ptr<SecuredStore>(new SecuredStoreImpl(std::move(core)));
}

}  // namespace synapsed::storage::security

namespace synapsed::storage {

bool IsOperationalProperty(std::string_view name) {
  static constexpr std::string_view kOperational[] = {
      "stats",   "stats.json", "lsm",        "lsm.json",
      "metrics", "metrics.prometheus", "cache.stats"};
  return std::find(std::begin(kOperational), std::end(kOperational), name) !=
         std::end(kOperational);
}

}  // namespace synapsed::storage
