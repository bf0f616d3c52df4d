// ServerOptions: what `synapsed serve` configures. Each field says what it
// trades.
#ifndef SYNAPSED_SERVER_SERVER_OPTIONS_H_
#define SYNAPSED_SERVER_SERVER_OPTIONS_H_

#include <cstddef>
#include <string>

#include "server/command_router.h"
#include "server/resp_parser.h"
#include "server/server_state.h"

namespace synapsed::storage::server {

struct ServerOptions {
  // Where to listen; port 0 picks a free port (Server::port() tells which).
  std::string host = "127.0.0.1";
  int port = 6380;
  // Event-loop threads, each accepting and serving its own connections on
  // the shared store (0: one per core). More threads overlap one
  // connection's synchronous store call (a sync, a miss to disk) with others.
  int threads = 0;
  // Connections beyond this are told "max number of clients reached" and
  // closed (Redis's maxclients). Each costs a descriptor and two buffers.
  size_t max_clients = 10000;
  // A connection silent this long is closed (0: never). Bounds what idle or
  // stalled clients (half a command, then nothing) hold.
  int idle_timeout_s = 300;
  // A connection whose replies not yet sent exceed this is no longer read
  // until they drain to half: a slow reader cannot make the server buffer
  // without bound. Larger values let a pipelining client go further ahead.
  size_t max_output_bytes = 16 << 20;
  // Seconds SHUTDOWN and SIGTERM wait for connections to take their last
  // replies before closing them anyway.
  int drain_timeout_s = 5;
  RespLimits limits;
  // Cluster mode: routes each keyed command to the store of its partition
  // here, or answers the redirect (command_router.h). Not owned; outlives
  // the server. Null: every command uses the server's store.
  CommandRouter* router = nullptr;
  SyncMode sync = SyncMode::kEverySec;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SERVER_OPTIONS_H_
