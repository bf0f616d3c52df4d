// CommandRouter: what a server in cluster mode asks before it runs a keyed
// command — which store serves these keys here, or which redirect the
// client gets instead (Redis Cluster's -MOVED, -TRYAGAIN, -CROSSSLOT). The
// cluster module implements it (cluster/cluster_node.h); the server knows
// only this interface, so it stays below the module that knows Raft.
//
// With a router (ServerState::router):
//   - every command with keys is routed first (RouteKeys), and a command
//     addressed to a slot (kSlotArgument: SYNAPSED.RANGE) by its slot
//     (RouteSlot); a redirect is its reply;
//   - the keys of one command, and the commands of one MULTI (and its
//     WATCH), must route to one partition: one store here, so that the
//     command or the transaction is atomic. Keys of different slots of
//     one partition are accepted — Redis Cluster accepts one slot only, so
//     its clients never send them; the synapsed client does;
//   - commands over the whole key space (KEYS, SCAN, DBSIZE, FLUSHDB) and
//     keyspace subscriptions are refused: a node's keys are spread over
//     several partitions, and clients ask each node for its own;
//   - CLUSTER is answered by the router.
//
// Thread-safe: every loop thread calls it.
#ifndef SYNAPSED_SERVER_COMMAND_ROUTER_H_
#define SYNAPSED_SERVER_COMMAND_ROUTER_H_

#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/hash_slot.h"
#include "server/reply_writer.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::server {

inline constexpr std::string_view kSlotError =
    "ERR slot out of range: expected an integer from 0 to 16383";
inline constexpr std::string_view kCrossSlotError =
    "CROSSSLOT Keys in request don't hash to the same slot";

// A slot argument: decimal digits only (no sign, no spaces), from 0 to
// kHashSlots - 1; nullopt otherwise.
inline std::optional<int> ParseSlot(std::string_view arg) {
  int slot = -1;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), slot);
  if (ec != std::errc() || end != arg.data() + arg.size()) return std::nullopt;
  if (slot < 0 || slot >= kHashSlots) return std::nullopt;
  return slot;
}

struct Route {
  // The store that serves the keys on this node — the store of their
  // partition; null when `redirect` is the reply instead. Shared: a node
  // may give a partition's replica up (its map changed) while a session
  // still runs a command on it, or has a WATCH or MULTI pinned to it; the
  // replica closes when the last holder lets go.
  std::shared_ptr<Store> store;
  // The slot routed by (0..16383): the first key's, or the one addressed.
  int slot = -1;
  // The error reply without its "-": "MOVED 3999 127.0.0.1:7002",
  // "TRYAGAIN ...", "CROSSSLOT ...".
  std::string redirect;
};

class CommandRouter {
 public:
  virtual ~CommandRouter() = default;
  // Routes a command's keys (at least one): the route of the first key's
  // slot, or CROSSSLOT when the keys are not all in that slot's partition.
  virtual Route RouteKeys(const std::vector<std::string_view>& keys) = 0;
  // Routes a command addressed to `slot` rather than to keys, as a key of
  // that slot would be; its store is that of the slot's whole partition.
  // REQUIRES: 0 <= slot < kHashSlots.
  virtual Route RouteSlot(int slot) = 0;
  // Answers CLUSTER (args[0] is "cluster").
  virtual void Cluster(const std::vector<std::string>& args, ReplyWriter& reply) = 0;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_COMMAND_ROUTER_H_
