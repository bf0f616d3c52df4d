#include "server/session.h"

#include "absl/strings/ascii.h"
#include "fmt/format.h"
#include "server/auth.h"
#include "server/command_router.h"
#include "server/key_access.h"
#include "server/key_locks.h"

namespace synapsed::storage::server {
namespace {

// A batch grows until it holds this many bytes, then it is applied (and a
// new one starts): bounds the memory and the latency of the first reply.
constexpr size_t kMaxBatchBytes = 4 << 20;
// Counter commands gathered into one transaction at most.
constexpr size_t kMaxGatheredCounters = 1024;

bool IsCommand(const std::string& arg, std::string_view name) {
  return EqualsIgnoreCase(arg, name);
}

}  // namespace

std::string UnknownCommandError(const std::vector<std::string>& args) {
  std::string rest;
  for (size_t i = 1; i < args.size() && rest.size() < 128; ++i) {
    rest += fmt::format("'{}' ", std::string_view(args[i]).substr(0, 128 - rest.size()));
  }
  return fmt::format("ERR unknown command '{}', with args beginning with: {}",
                     std::string_view(args[0]).substr(0, 128), rest);
}

Session::Session(ServerState* state, ClientInfo* info, std::string* out,
                 std::function<void()> wake)
    : state_(state), info_(info), reply_(out), wake_(std::move(wake)) {}

Subscriptions& Session::subscriptions() {
  if (subs_ == nullptr) subs_ = std::make_unique<Subscriptions>(&store(), wake_);
  return *subs_;
}

Subscriptions::Delivery Session::Deliver(size_t budget) {
  if (subs_ == nullptr) return Subscriptions::Delivery::kIdle;
  return subs_->Deliver(reply_, budget);
}

Session::~Session() { state_->watches.Unwatch(&watcher_); }

void Session::SetProtocol(int protocol) {
  reply_.set_protocol(protocol);
  info_->protocol.store(protocol);
}

void Session::Execute(std::vector<std::string> args) {
  state_->stats.commands_processed.fetch_add(1, std::memory_order_relaxed);
  info_->last_ms.store(NowMs(), std::memory_order_relaxed);
  const CommandSpec* spec = FindCommand(args[0]);
  const size_t argc = args.size();
  if (spec == nullptr ||
      (spec->arity > 0 ? argc != static_cast<size_t>(spec->arity)
                       : argc < static_cast<size_t>(-spec->arity))) {
    FlushBatch();
    if (in_multi_) multi_failed_ = true;
    reply_.Error(spec == nullptr
                     ? UnknownCommandError(args)
                     : fmt::format("ERR wrong number of arguments for '{}' command", spec->name));
    return;
  }
  {
    MutexLock lock(&info_->mu);
    info_->last_command = spec->name;
  }
  // As Redis: unknown commands and wrong arity are answered first.
  if (!authenticated() && !(spec->flags & kNoAuth)) {
    if (in_multi_) multi_failed_ = true;
    reply_.Error(kNoAuthError);
    return;
  }
  if (subscribed() && reply_.protocol() < 3 && !(spec->flags & kPubSub) &&
      spec->name != "ping" && spec->name != "quit") {
    FlushBatch();
    reply_.Error(fmt::format(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
        "RESET are allowed in this context",
        spec->name));
    return;
  }
  if (in_multi_ && (spec->flags & kPubSub)) {
    multi_failed_ = true;
    reply_.Error("ERR Command not allowed inside a transaction");
    return;
  }
  if (state_->router != nullptr && !RouteCommand(*spec, args)) return;
  if (in_multi_ && !(spec->flags & kNotQueued)) {
    queued_.push_back(std::move(args));
    reply_.Status("QUEUED");
    return;
  }
  if (!in_multi_ && Batch(args)) return;
  FlushBatch();
  Run(*spec, args, reply_, nullptr);
  if (spec->flags & kSecretArgs) WipeArgs(&args);
  // An idle connection must not keep a replica the node gave up open.
  routed_store_ = nullptr;
}

void Session::Run(const CommandSpec& spec, const std::vector<std::string>& args,
                  ReplyWriter& reply, KeyAccess* txn) {
  CommandContext ctx{state_, this, args, reply, txn};
  spec.fn(ctx);
}

bool Session::RouteCommand(const CommandSpec& spec, const std::vector<std::string>& args) {
  auto refuse = [&](std::string_view error) {
    if (in_multi_) multi_failed_ = true;
    FlushBatch();
    reply_.Error(error);
    return false;
  };
  Route route;
  if (spec.flags & kSlotArgument) {
    const std::optional<int> slot = ParseSlot(args[1]);
    if (!slot) return refuse(kSlotError);
    route = state_->router->RouteSlot(*slot);
  } else {
    const std::vector<std::string_view> keys = CommandKeys(spec, args);
    if (keys.empty()) {
      if ((spec.flags & kPubSub) || spec.name == "scan" || spec.name == "keys" ||
          spec.name == "dbsize" || spec.name == "flushdb") {
        return refuse(fmt::format(
            "ERR '{}' is not served in cluster mode: a node's keys are spread over several "
            "partitions",
            spec.name));
      }
      // EXEC, DISCARD and the like act on the pinned partition, if any.
      routed_store_ = pinned_store_;
      return true;
    }
    route = state_->router->RouteKeys(keys);
  }
  if (!route.redirect.empty()) return refuse(route.redirect);
  // The commands of one WATCH ... EXEC must share a partition (its store
  // here), so that EXEC is one transaction of one store; Redis Cluster asks
  // for one slot, which is one partition too. Commands outside MULTI go
  // anywhere.
  const bool pinning = in_multi_ || spec.name == "watch";
  if (pinning && pinned_store_ != nullptr && route.store != pinned_store_) {
    return refuse(kCrossSlotError);
  }
  if (pinning) pinned_store_ = route.store;
  routed_store_ = std::move(route.store);
  return true;
}

bool Session::Batch(const std::vector<std::string>& args) {
  // In cluster mode each command runs alone, on its own partition's store.
  if (state_->router != nullptr) return false;
  // Under access control one denied key refuses a whole store write, which
  // would fail the other commands gathered with it: each runs alone.
  if (state_->secured != nullptr) return false;
  // (Arity was checked by Execute.)
  if (IsCommand(args[0], "incr") || IsCommand(args[0], "decr") ||
      IsCommand(args[0], "incrby") || IsCommand(args[0], "decrby")) {
    if (batch_replies_ > 0 || counters_.size() >= kMaxGatheredCounters) FlushBatch();
    counters_.push_back(args);
    return true;
  }
  const bool set = args.size() == 3 && IsCommand(args[0], "set");
  const bool mset = args.size() % 2 == 1 && IsCommand(args[0], "mset");
  if (!set && !mset) return false;
  if (!counters_.empty()) FlushBatch();  // the counters come first
  // One command's writes go in whole or not at all (MSET is atomic).
  WriteBatch one;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    if (!one.Put(args[i], args[i + 1]).ok()) return false;  // the command reports it
  }
  if (batch_.ApproximateSize() + one.ApproximateSize() > kMaxBatchBytes) FlushBatch();
  batch_.Append(one);
  for (size_t i = 1; i + 1 < args.size(); i += 2) batch_keys_.push_back(args[i]);
  ++batch_replies_;
  return true;
}

void Session::FlushCounters() {
  std::vector<std::string_view> keys;
  for (const auto& args : counters_) keys.push_back(args[1]);
  auto guard = state_->key_locks.Lock(keys);
  std::string replies;
  absl::Status s = RunTransaction(state_, &store(), [&](KeyAccess& access) {
    replies.clear();  // a retry computes them again
    ReplyWriter w(&replies, reply_.protocol());
    for (const auto& args : counters_) Run(*FindCommand(args[0]), args, w, &access);
    return absl::OkStatus();
  });
  if (s.ok()) {
    reply_.out()->append(replies);
  } else {
    for (size_t i = 0; i < counters_.size(); ++i) reply_.Error(StatusReply(s));
  }
  counters_.clear();
}

void Session::FlushBatch() {
  if (!counters_.empty()) return FlushCounters();
  if (batch_replies_ == 0) return;
  absl::Status s;
  {
    auto intent = state_->watches.Intend(batch_keys_);
    s = store().Write(state_->write_options(), batch_);
  }
  state_->stats.batched_writes.fetch_add(1, std::memory_order_relaxed);
  state_->stats.batched_commands.fetch_add(batch_replies_, std::memory_order_relaxed);
  for (size_t i = 0; i < batch_replies_; ++i) {
    if (s.ok()) {
      reply_.Status("OK");
    } else {
      reply_.Error(StatusReply(s));
    }
  }
  batch_.Clear();
  batch_keys_.clear();
  batch_replies_ = 0;
}

void Session::BeginMulti() {
  in_multi_ = true;
  multi_failed_ = false;
  queued_.clear();
  info_->in_multi.store(true);
}

void Session::EndMulti() {
  pinned_store_ = nullptr;
  in_multi_ = false;
  multi_failed_ = false;
  queued_.clear();
  info_->in_multi.store(false);
  Unwatch();
}

void Session::Watch(std::string_view key) { state_->watches.Watch(&watcher_, key); }
void Session::Unwatch() {
  state_->watches.Unwatch(&watcher_);
  if (!in_multi_) pinned_store_ = nullptr;  // the pin of WATCH goes with it
}

void Session::Exec() {
  if (multi_failed_) {
    reply_.Error("EXECABORT Transaction discarded because of previous errors.");
    EndMulti();
    return;
  }
  // watch_registry.h explains why this order cannot miss a conflicting write.
  absl::Status s;
  bool conflict = false;
  std::string replies;
  for (int attempt = 0; attempt < kTransactionAttempts; ++attempt) {
    s = absl::OkStatus();
    auto txn = store().BeginTransaction();
    if (!txn.ok()) {
      s = txn.status();
      break;
    }
    TxnAccess access(txn->get());
    for (const std::string& key : watcher_.keys) {
      if (auto v = access.Get(key); !v.ok()) s = v.status();
    }
    if (!s.ok()) break;
    if (watcher_.dirty.load()) {
      conflict = true;
      break;
    }
    replies.clear();
    ReplyWriter w(&replies, reply_.protocol());
    w.Array(queued_.size());
    for (const auto& args : queued_) Run(*FindCommand(args[0]), args, w, &access);
    if (access.written().empty()) {
      s = (*txn)->Rollback();
      break;
    }
    auto intent = state_->watches.Intend(access.written(), &watcher_);
    s = (*txn)->Commit(state_->write_options());
    if (!absl::IsAborted(s)) break;
  }
  if (conflict) {
    reply_.NullArray();
  } else if (!s.ok()) {
    reply_.Error(StatusReply(s));
  } else {
    reply_.out()->append(replies);
  }
  EndMulti();
}

}  // namespace synapsed::storage::server
