#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "server/auth.h"
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {

KeyAccess& CommandContext::access() {
  if (txn != nullptr) return *txn;
  if (!store_access) store_access.emplace(state, &session->store());
  return *store_access;
}

absl::Status CommandContext::Atomically(const std::vector<std::string_view>& keys,
                                        absl::FunctionRef<absl::Status(KeyAccess&)> fn) {
  if (txn != nullptr) return fn(*txn);
  auto guard = state->key_locks.Lock(keys);
  return RunTransaction(state, &session->store(), fn);
}

std::vector<std::string_view> CommandContext::KeysFrom(size_t first) const {
  return std::vector<std::string_view>(args.begin() + first, args.end());
}

void CommandContext::ReplyError(const absl::Status& s) {
  reply.Error(StatusReply(s));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const std::vector<CommandSpec>& AllCommands() {
  static const std::vector<CommandSpec>* table = [] {
    auto* t = new std::vector<CommandSpec>;
    AddConnectionCommands(t);
    AddAuthCommands(t);
    AddServerCommands(t);
    AddStringCommands(t);
    AddKeyspaceCommands(t);
    AddTransactionCommands(t);
    AddPubSubCommands(t);
    AddClusterCommands(t);
    AddRangeCommands(t);
    return t;
  }();
  return *table;
}

const CommandSpec* FindCommand(std::string_view name) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, const CommandSpec*>;
    for (const CommandSpec& c : AllCommands()) (*m)[std::string(c.name)] = &c;
    return m;
  }();
  if (name.size() > 32) return nullptr;
  auto it = index->find(absl::AsciiStrToLower(std::string(name)));
  return it == index->end() ? nullptr : it->second;
}

namespace {

// Whether argument `index` of `c` is a key: first_key, then every step-th
// up to last_key (-1: the last argument).
bool IsKeyIndex(const CommandSpec& c, size_t index) {
  if (c.first_key <= 0 || index < static_cast<size_t>(c.first_key)) return false;
  if (c.last_key >= 0 && index > static_cast<size_t>(c.last_key)) return false;
  return (index - c.first_key) % c.step == 0;
}

}  // namespace

bool IsKeyArgument(std::string_view name, size_t index) {
  const CommandSpec* c = FindCommand(name);
  return c != nullptr && IsKeyIndex(*c, index);
}

std::vector<std::string_view> CommandKeys(const CommandSpec& spec,
                                          const std::vector<std::string>& args) {
  std::vector<std::string_view> keys;
  for (size_t i = 1; i < args.size(); ++i) {
    if (IsKeyIndex(spec, i)) keys.push_back(args[i]);
  }
  return keys;
}

}  // namespace synapsed::storage::server
