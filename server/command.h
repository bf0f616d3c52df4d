// Commands: the table entry every command has and what its handler gets.
//
// A family of commands lives in its own commands_<family>.cc and adds its
// entries through Add<Family>Commands; command_table.cc gathers them. The
// fields follow Redis's command table (what COMMAND reports): arity is the
// exact argument count including the name when positive, a minimum when
// negative; first/last/step locate the keys (last -1: the last argument).
//
// Handlers run on a loop thread, one command of a connection at a time, and
// reply through `reply` exactly once (one value, possibly an aggregate).
#ifndef SYNAPSED_SERVER_COMMAND_H_
#define SYNAPSED_SERVER_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "server/key_access.h"
#include "server/reply_writer.h"
#include "server/server_state.h"

namespace synapsed::storage::server {

class Session;
struct CommandContext;
using CommandFn = void (*)(CommandContext&);

enum CommandFlags : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kAdmin = 1 << 2,
  kFast = 1 << 3,
  // Runs at once even between MULTI and EXEC (EXEC, DISCARD, MULTI, WATCH,
  // QUIT): never queued.
  kNotQueued = 1 << 4,
  // Allowed before authentication and in any state (Redis's no-auth).
  kNoAuth = 1 << 5,
  // Its arguments may hold a password: wiped once it has run (auth.h).
  kSecretArgs = 1 << 6,
  // Pub/sub (commands_pubsub.cc): allowed while a RESP2 connection is
  // subscribed (with PING and QUIT), refused inside MULTI.
  kPubSub = 1 << 7,
  // Addressed to a hash slot, its first argument, rather than to keys
  // (SYNAPSED.RANGE): in cluster mode routed by that slot
  // (CommandRouter::RouteSlot), a slot out of range refused there.
  kSlotArgument = 1 << 8,
};

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;
  uint32_t flags;
  int first_key, last_key, step;
  CommandFn fn;
};

struct CommandContext {
  ServerState* state;
  Session* session;
  const std::vector<std::string>& args;
  ReplyWriter& reply;
  KeyAccess* txn;  // EXEC's transaction; null when the command runs alone

  // The transaction inside EXEC, else the store.
  KeyAccess& access();
  // Runs `fn` atomically: in EXEC's transaction, or in its own (retried)
  // holding the lock stripes of `keys` (key_locks.h).
  absl::Status Atomically(const std::vector<std::string_view>& keys,
                          absl::FunctionRef<absl::Status(KeyAccess&)> fn);
  // Argument `first` onward, as keys for Atomically.
  std::vector<std::string_view> KeysFrom(size_t first) const;
  // The error reply for `s` (StatusReply in auth.h: NOPERM for a denial).
  void ReplyError(const absl::Status& s);

  std::optional<StoreAccess> store_access{};  // access()'s, made on first use
};

// ASCII case-insensitive comparison (command names and options).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis's error strings, shared by the families.
inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";

// The command `name` names (any case), or null.
const CommandSpec* FindCommand(std::string_view name);
const std::vector<CommandSpec>& AllCommands();
// Whether argument `index` of command `name` is a key (the parser's limit).
bool IsKeyArgument(std::string_view name, size_t index);
// The arguments of a `spec` command that are keys, in order.
std::vector<std::string_view> CommandKeys(const CommandSpec& spec,
                                          const std::vector<std::string>& args);

void AddConnectionCommands(std::vector<CommandSpec>* table);
void AddAuthCommands(std::vector<CommandSpec>* table);
void AddServerCommands(std::vector<CommandSpec>* table);
void AddStringCommands(std::vector<CommandSpec>* table);
void AddKeyspaceCommands(std::vector<CommandSpec>* table);
void AddTransactionCommands(std::vector<CommandSpec>* table);
void AddPubSubCommands(std::vector<CommandSpec>* table);
void AddClusterCommands(std::vector<CommandSpec>* table);
void AddRangeCommands(std::vector<CommandSpec>* table);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_COMMAND_H_
