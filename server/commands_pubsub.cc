// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE (Redis
// keyspace notifications of the store's commits) and SYNAPSED.SUBSCRIBE /
// SYNAPSED.UNSUBSCRIBE (resumable streams with sequence numbers). The state
// and the messages are in server/subscriptions.h.
#include <span>

#include "absl/strings/numbers.h"
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

std::span<const std::string> Rest(CommandContext& c) {
  return std::span<const std::string>(c.args).subspan(1);
}

void SubscribeCmd(CommandContext& c) { c.session->subscriptions().Subscribe(Rest(c), c.reply); }
void UnsubscribeCmd(CommandContext& c) {
  c.session->subscriptions().Unsubscribe(Rest(c), c.reply);
}
void PSubscribeCmd(CommandContext& c) {
  c.session->subscriptions().PSubscribe(Rest(c), c.reply);
}
void PUnsubscribeCmd(CommandContext& c) {
  c.session->subscriptions().PUnsubscribe(Rest(c), c.reply);
}

// SYNAPSED.SUBSCRIBE prefix from_sequence: a sequence number, or $ for the
// next commit.
void SynapsedSubscribe(CommandContext& c) {
  std::optional<uint64_t> from;
  if (c.args[2] != "$") {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(c.args[2], &v)) return c.reply.Error(kNotInteger);
    from = v;
  }
  c.session->subscriptions().SubscribeStream(c.args[1], from, c.reply);
}
void SynapsedUnsubscribe(CommandContext& c) {
  c.session->subscriptions().UnsubscribeStream(Rest(c), c.reply);
}

}  // namespace

void AddPubSubCommands(std::vector<CommandSpec>* t) {
  t->push_back({"subscribe", -2, kPubSub, 0, 0, 0, SubscribeCmd});
  t->push_back({"unsubscribe", -1, kPubSub, 0, 0, 0, UnsubscribeCmd});
  t->push_back({"psubscribe", -2, kPubSub, 0, 0, 0, PSubscribeCmd});
  t->push_back({"punsubscribe", -1, kPubSub, 0, 0, 0, PUnsubscribeCmd});
  t->push_back({"synapsed.subscribe", 3, kPubSub, 0, 0, 0, SynapsedSubscribe});
  t->push_back({"synapsed.unsubscribe", -1, kPubSub, 0, 0, 0, SynapsedUnsubscribe});
}

}  // namespace synapsed::storage::server
