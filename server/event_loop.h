// EventLoop: one thread running one libuv loop, with its own listening
// socket on the server's address (SO_REUSEPORT: the kernel spreads new
// connections over the loops) and the connections it accepted.
//
// Why libuv: it is the event loop the replicated mode's Raft library
// (Canonical's libraft, issue "replicated mode") is written against, so the
// server and the Raft transport can share loops later; it is packaged by
// Debian (libuv1-dev) and covers TCP, timers, signals, cross-thread wake-ups
// and a thread pool. io_uring would save some system calls per request, but
// the engine's log already uses it where it pays (wal/), and a second
// hand-written event loop would be one more thing to get right.
//
// A loop also runs a one-second timer: it closes connections idle longer
// than ServerOptions::idle_timeout_s and, on loop 0 under --sync everysec,
// syncs the store's log in libuv's thread pool (never two at once).
//
// Thread safety: everything but Stop() runs on the loop's own thread. Stop()
// may be called from any thread, and from a signal handler (uv_async_send).
#ifndef SYNAPSED_SERVER_EVENT_LOOP_H_
#define SYNAPSED_SERVER_EVENT_LOOP_H_

#include <uv.h>

#include <array>
#include <atomic>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "server/server_options.h"
#include "server/server_state.h"

namespace synapsed::storage::server {

class Connection;

class EventLoop {
 public:
  EventLoop(int index, const ServerOptions* options, ServerState* state);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Listens on `addr` (a bound, listening socket is made here).
  absl::Status Listen(const sockaddr* addr);
  // Starts the loop's thread. REQUIRES: Listen returned OK.
  void Start();
  void Stop();
  void Join();
  // The port the listening socket is bound to (after Start).
  int port() const { return port_; }

  // For connections, on the loop thread.
  uv_loop_t* loop() { return &loop_; }
  const ServerOptions& options() const { return *options_; }
  ServerState* state() { return state_; }
  bool stopping() const { return stopping_; }
  char* read_buffer() { return read_buffer_.data(); }
  size_t read_buffer_size() const { return read_buffer_.size(); }
  void Add(Connection* c) { connections_.insert(c); }
  void Remove(Connection* c);

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnStop(uv_async_t* async);
  static void OnTick(uv_timer_t* timer);
  static void OnDrainTimeout(uv_timer_t* timer);
  void SyncInBackground();

  const int index_;
  const ServerOptions* const options_;
  ServerState* const state_;
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_async_t stop_;
  uv_timer_t tick_;
  uv_work_t sync_work_;
  std::atomic<bool> stop_sent_{false};  // Stop() wakes the loop once
  bool sync_running_ = false;
  bool stopping_ = false;
  bool started_ = false;  // Start ran (the thread owns the handles)
  int port_ = 0;
  std::array<char, 64 * 1024> read_buffer_;
  absl::flat_hash_set<Connection*> connections_;
  std::thread thread_;
};

// Makes a non-blocking TCP socket bound to `addr` with SO_REUSEADDR and
// SO_REUSEPORT, listening. Returns the descriptor.
absl::StatusOr<int> ListenSocket(const sockaddr* addr);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_EVENT_LOOP_H_
