// CLUSTER: answered by the cluster mode's router (command_router.h); a
// server without one says what Redis says when cluster support is off.
#include "server/command.h"
#include "server/command_router.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

void ClusterCmd(CommandContext& c) {
  if (c.state->router == nullptr) {
    return c.reply.Error("ERR This instance has cluster support disabled");
  }
  c.state->router->Cluster(c.args, c.reply);
}

}  // namespace

void AddClusterCommands(std::vector<CommandSpec>* t) {
  t->push_back({"cluster", -2, 0, 0, 0, 0, ClusterCmd});
}

}  // namespace synapsed::storage::server
