// Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Session keeps
// the queue and runs EXEC (session.h); WATCH's guarantee is in
// watch_registry.h.
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

void Multi(CommandContext& c) {
  if (c.session->in_multi()) return c.reply.Error("ERR MULTI calls can not be nested");
  c.session->BeginMulti();
  c.reply.Status("OK");
}

void Exec(CommandContext& c) {
  if (!c.session->in_multi()) return c.reply.Error("ERR EXEC without MULTI");
  c.session->Exec();
}

void Discard(CommandContext& c) {
  if (!c.session->in_multi()) return c.reply.Error("ERR DISCARD without MULTI");
  c.session->EndMulti();
  c.reply.Status("OK");
}

void Watch(CommandContext& c) {
  if (c.session->in_multi()) return c.reply.Error("ERR WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < c.args.size(); ++i) c.session->Watch(c.args[i]);
  c.reply.Status("OK");
}

void Unwatch(CommandContext& c) {
  if (c.txn == nullptr) c.session->Unwatch();  // inside EXEC, EXEC unwatches at its end
  c.reply.Status("OK");
}

}  // namespace

void AddTransactionCommands(std::vector<CommandSpec>* t) {
  t->push_back({"multi", 1, kFast | kNotQueued, 0, 0, 0, Multi});
  t->push_back({"exec", 1, kNotQueued, 0, 0, 0, Exec});
  t->push_back({"discard", 1, kFast | kNotQueued, 0, 0, 0, Discard});
  t->push_back({"watch", -2, kFast | kNotQueued, 1, -1, 1, Watch});
  t->push_back({"unwatch", 1, kFast, 0, 0, 0, Unwatch});
}

}  // namespace synapsed::storage::server
