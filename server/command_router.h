// CommandRouter: what a server in cluster mode asks before it runs a keyed
// command — which store serves these keys here, or which redirect the
// client gets instead (Redis Cluster's -MOVED, -TRYAGAIN, -CROSSSLOT). The
// cluster module implements it (cluster/cluster_node.h); the server knows
// only this interface, so it stays below the module that knows Raft.
//
// With a router (ServerState::router):
//   - every command with keys is routed first; a redirect is its reply;
//   - the commands of one MULTI (and its WATCH) must route to one slot;
//   - commands over the whole key space (KEYS, SCAN, DBSIZE, FLUSHDB) and
//     keyspace subscriptions are refused: a node's keys are spread over
//     several partitions, and clients ask each node for its own;
//   - CLUSTER is answered by the router.
//
// Thread-safe: every loop thread calls it.
#ifndef SYNAPSED_SERVER_COMMAND_ROUTER_H_
#define SYNAPSED_SERVER_COMMAND_ROUTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "server/reply_writer.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::server {

struct Route {
  // The store that serves the keys on this node; null when `redirect` is
  // the reply instead.
  Store* store = nullptr;
  // The keys' hash slot (0..16383).
  int slot = -1;
  // The error reply without its "-": "MOVED 3999 127.0.0.1:7002",
  // "TRYAGAIN ...", "CROSSSLOT ...".
  std::string redirect;
};

class CommandRouter {
 public:
  virtual ~CommandRouter() = default;
  // Routes a command's keys (at least one).
  virtual Route RouteKeys(const std::vector<std::string_view>& keys) = 0;
  // Answers CLUSTER (args[0] is "cluster").
  virtual void Cluster(const std::vector<std::string>& args, ReplyWriter& reply) = 0;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_COMMAND_ROUTER_H_
