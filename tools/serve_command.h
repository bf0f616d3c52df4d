// `synapsed serve`: a Redis-protocol server for one store
// (server/server.h; what it accepts: docs/format/resp.md).
//
//   serve --dir DIR | --config FILE [--key-file F]
//         [--listen 127.0.0.1:6380] [--sync always|everysec|never]
//         [--threads N] [--max-clients N] [--idle-timeout S] [--allow-remote]
//
// Creates the database when DIR holds none. Listens on loopback unless
// --allow-remote: the server has no authentication yet, so accepting
// connections from the network must be asked for. Prints one line,
// "synapsed serve: listening on HOST:PORT pid PID ..." (PORT is the chosen
// one with --listen HOST:0), then serves until SIGTERM, SIGINT or SHUTDOWN:
// each connection gets its pending replies, the store is flushed (Store::Flush)
// and closed, and the exit code is 0.
//
//   serve --cluster cluster.json --node-id N --dir DIR [--cluster-secret F]
//
// Cluster mode: node N of the cluster the file describes
// (docs/format/cluster_config.md) holds its partitions' replicas under DIR,
// listens on the client port the file gives it, and routes each keyed
// command to its partition, answering -MOVED, -TRYAGAIN and -CROSSSLOT as
// Redis Cluster does (cluster/cluster_node.h).
#ifndef SYNAPSED_TOOLS_SERVE_COMMAND_H_
#define SYNAPSED_TOOLS_SERVE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddServeCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_SERVE_COMMAND_H_
