// Session: one client's protocol state and the commands it runs, apart from
// the network (connection.h feeds it parsed commands and sends its output).
//
//   Execute(args)  looks the command up, checks its arity, queues it between
//                  MULTI and EXEC, or runs it; the reply goes to the output.
//   FlushBatch()   pipelining: consecutive plain writes (SET key value, MSET)
//                  are gathered into one WriteBatch and applied as one store
//                  write — one log record, one sync under --sync always —
//                  with their +OK replies written once it is durable. Any
//                  other command applies the gathered batch first, so the
//                  connection still reads its own writes in order; the
//                  connection calls FlushBatch when its input runs dry.
//                  Consecutive INCR/INCRBY/DECR/DECRBY are gathered too,
//                  and run as one transaction holding their keys' lock
//                  stripes, each with its own reply, as if sent one by one
//                  with nothing between them. A SET after INCRs (or an INCR
//                  after SETs) applies what is gathered first, so order
//                  holds. Not when the store has access control: there one
//                  forbidden key would refuse the whole gathered write,
//                  so each write command is applied alone.
//
// Not thread-safe: the connection's loop thread owns its session.
#ifndef SYNAPSED_SERVER_SESSION_H_
#define SYNAPSED_SERVER_SESSION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/command.h"
#include "server/reply_writer.h"
#include "server/server_state.h"
#include "server/subscriptions.h"
#include "server/watch_registry.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage::server {

class Session {
 public:
  // `out` receives the replies; `info` is this client's registry entry;
  // `wake` is called from any thread when a subscription has messages to
  // deliver (Deliver, on the session's thread, writes them).
  Session(ServerState* state, ClientInfo* info, std::string* out,
          std::function<void()> wake = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Execute(std::vector<std::string> args);
  void FlushBatch();

  // QUIT or SHUTDOWN ran: send what is written, then close.
  bool close_requested() const { return close_requested_; }
  void RequestClose() { close_requested_ = true; }

  // Identity (server/auth.h). The store this client's commands use: the
  // server's, or with access control the store of its principal.
  // In cluster mode, the store of the partition the command routes to, by
  // its keys or its slot argument (command_router.h).
  Store& store() {
    if (routed_store_ != nullptr) return *routed_store_;
    return principal_store_ ? *principal_store_ : *state_->store;
  }
  // False until AUTH succeeds when the store has access control.
  bool authenticated() const {
    return state_->secured == nullptr || principal_store_ != nullptr;
  }
  // The principal logged in as ("default" until then, as Redis says).
  const std::string& user() const { return user_; }
  // REQUIRES: !subscribed() (the streams came from the old store; AUTH
  // refuses to run on a subscribed connection).
  void SetPrincipal(std::string user, std::unique_ptr<Store> store) {
    subs_.reset();  // nothing visible: only streams the old store made
    user_ = std::move(user);
    principal_store_ = std::move(store);
  }

  // For the commands.
  ServerState* state() { return state_; }
  ClientInfo* info() { return info_; }
  ReplyWriter& reply() { return reply_; }
  void SetProtocol(int protocol);
  bool in_multi() const { return in_multi_; }
  void BeginMulti();
  // DISCARD, or the end of EXEC: leaves MULTI and drops the watches.
  void EndMulti();
  // EXEC: runs the queued commands atomically (transaction commands).
  void Exec();
  void Watch(std::string_view key);
  void Unwatch();

  // Pub/sub (subscriptions.h), made on first use.
  Subscriptions& subscriptions();
  // Whether any subscription is active (a RESP2 connection then only takes
  // the pub/sub commands, PING and QUIT).
  bool subscribed() const { return subs_ != nullptr && subs_->count() > 0; }
  // Writes what the subscriptions have, up to about `budget` bytes.
  Subscriptions::Delivery Deliver(size_t budget);
  bool KeyspaceEnded() const { return subs_ != nullptr && subs_->KeyspaceEnded(); }
  // Ends every subscription; `wake` is not called after this returns.
  void EndSubscriptions() { subs_.reset(); }

 private:
  // Runs `spec` with `args`, inside `txn` when EXEC runs it.
  void Run(const CommandSpec& spec, const std::vector<std::string>& args, ReplyWriter& reply,
           KeyAccess* txn);
  // Adds a plain write to the batch, or a counter command to the gathered
  // ones; false if the command is neither.
  bool Batch(const std::vector<std::string>& args);
  // Cluster mode: routes the command by its keys (or its slot argument:
  // kSlotArgument), sets routed_store_ and pins a WATCH or MULTI to that
  // partition; false (the redirect or refusal replied) when it must not run
  // here.
  bool RouteCommand(const CommandSpec& spec, const std::vector<std::string>& args);
  // Runs the gathered counter commands in one transaction (retried on a
  // conflict), their replies in order.
  void FlushCounters();

  ServerState* state_;
  ClientInfo* info_;
  ReplyWriter reply_;
  bool close_requested_ = false;
  std::string user_ = "default";
  std::unique_ptr<Store> principal_store_;  // null: not logged in

  bool in_multi_ = false;
  bool multi_failed_ = false;  // a queued command was refused: EXECABORT
  std::vector<std::vector<std::string>> queued_;
  Watcher watcher_;
  std::function<void()> wake_;
  std::unique_ptr<Subscriptions> subs_;

  WriteBatch batch_;
  std::vector<std::string> batch_keys_;
  size_t batch_replies_ = 0;
  std::vector<std::vector<std::string>> counters_;  // gathered INCR & co.
  // Cluster mode: the store of the current command's partition, and the
  // partition's store a WATCH or MULTI is pinned to (null: none yet).
  std::shared_ptr<Store> routed_store_;
  std::shared_ptr<Store> pinned_store_;
};

// "ERR unknown command 'x', with args beginning with: 'a' 'b' " as Redis.
std::string UnknownCommandError(const std::vector<std::string>& args);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SESSION_H_
