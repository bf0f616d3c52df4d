// Server: a Redis-protocol front for one Store (docs/format/resp.md).
//
//   Server server(store, options);
//   SYNAPSED_RETURN_IF_ERROR(server.Start());   // listening when it returns
//   ... server.RequestShutdown() from a signal handler, or SHUTDOWN ...
//   server.Wait();                               // every loop drained
//   store->Flush();                              // the caller closes the store
//
// One event loop per thread (event_loop.h), all serving the same store; a
// command runs on the loop thread of its connection and calls the store
// synchronously (storage.h: the store is thread-safe and a sync write's
// group commit shares one sync among the loops' concurrent writers).
//
// Thread safety: Start and Wait from one thread; RequestShutdown from any
// thread or a signal handler once Start has returned OK.
#ifndef SYNAPSED_SERVER_SERVER_H_
#define SYNAPSED_SERVER_SERVER_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "server/server_options.h"
#include "server/server_state.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::server {

class EventLoop;

class Server {
 public:
  Server(Store* store, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds options.host:port and starts the loops. InvalidArgument for an
  // address that does not parse; Unavailable when it cannot be bound.
  [[nodiscard]] absl::Status Start();
  // The bound port (the chosen one when options.port was 0).
  int port() const { return state_.port; }
  // Async-signal-safe: wakes every loop, which stops accepting, sends each
  // connection its pending replies and closes it.
  void RequestShutdown();
  // Returns when every loop has stopped.
  void Wait();
  ServerState& state() { return state_; }

 private:
  ServerOptions options_;
  ServerState state_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, "localhost").
bool IsLoopback(const std::string& host);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SERVER_H_
