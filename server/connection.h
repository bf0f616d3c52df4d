// Connection: one client socket on an event loop. Reads bytes into the
// request parser, runs each command through the session, writes the replies.
//
// Backpressure: when the replies handed to the socket but not yet sent pass
// ServerOptions::max_output_bytes, the connection stops reading (and stops
// running commands it already has) until they drain to half; the client's
// further requests wait in the kernel's buffers and then its own.
// A malformed request gets "-ERR Protocol error: ..." and the connection
// closes once the reply is sent; other connections are not affected.
//
// Subscriptions (server/subscriptions.h): the store's change streams wake
// the connection through a uv_async handle from the writers' threads; the
// loop thread then moves their messages into the output while it is below
// max_output_bytes, and resumes when the socket has drained to half. A
// subscribed connection is not closed for being idle (as in Redis).
//
// Lives on its loop's thread only; deletes itself when its handle closes.
#ifndef SYNAPSED_SERVER_CONNECTION_H_
#define SYNAPSED_SERVER_CONNECTION_H_

#include <uv.h>

#include <string>

#include "server/resp_parser.h"
#include "server/server_state.h"
#include "server/session.h"

namespace synapsed::storage::server {

class EventLoop;

class Connection {
 public:
  // Accepts a pending connection on `listener` (its loop's listening socket).
  static void Accept(EventLoop* loop, uv_stream_t* listener);

  // Stop reading, send what is written, then close (shutdown).
  void Drain();
  // Close now, dropping unsent replies.
  void Close();
  int64_t last_activity_ms() const {
    return session_.subscribed() ? NowMs() : info_.last_ms.load(std::memory_order_relaxed);
  }

 private:
  explicit Connection(EventLoop* loop);
  ~Connection();

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);
  static void OnWake(uv_async_t* async);

  // Writes the subscriptions' messages while the output has room.
  void DeliverChanges();
  // Runs the complete commands buffered, as far as backpressure allows.
  void Process();
  // Hands the written replies to the socket.
  void Flush();
  void StartReading();
  void StopReading();
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  EventLoop* const loop_;
  ServerState* const state_;
  uv_tcp_t tcp_;
  uv_async_t wake_;        // subscriptions' wake-up (uv_async_send from any thread)
  int open_handles_ = 0;   // tcp_ and wake_ until both are closed
  bool deliver_pending_ = false;  // messages wait for the output to drain
  ClientInfo info_;
  bool registered_ = false;  // in state_->clients
  std::string out_;          // replies not yet handed to the socket
  size_t unsent_ = 0;        // bytes handed to the socket, not yet written
  RespParser parser_;
  Session session_;
  bool reading_ = false;
  bool draining_ = false;           // no more requests; close when sent
  bool closing_ = false;            // uv_close called
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_CONNECTION_H_
