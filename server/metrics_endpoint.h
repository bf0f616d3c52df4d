// MetricsEndpoint: a minimal HTTP/1.0 responder for Prometheus scrapes
// (`synapsed serve --metrics-listen HOST:PORT`), on its own thread and its
// own libuv loop, so that a scrape never waits behind the Redis loops'
// commands and a stuck scraper never delays them.
//
// It answers `GET /metrics` (and HEAD; a query string is ignored) with
// 200 and the text `render` returns, as
// `text/plain; version=0.0.4; charset=utf-8`; any other path 404, another
// method 405, a request line that is not `METHOD TARGET HTTP/1.x` 400, a
// render error 500. Every response closes the connection (HTTP/1.0).
//
// Bounded: a request (line and headers) over kMaxRequestBytes gets 431 and
// is closed without reading more; a connection that has not sent a whole
// request within kRequestTimeoutMs is closed; at most kMaxConnections are
// open at once (more are closed on accept). Bad requests affect only
// their own connection.
//
// Thread safety: Start, Stop and the destructor from one thread (Stop may
// also come from any thread once Start returned). `render` runs on the
// endpoint's thread, one call at a time.
#ifndef SYNAPSED_SERVER_METRICS_ENDPOINT_H_
#define SYNAPSED_SERVER_METRICS_ENDPOINT_H_

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace synapsed::storage::server {

class MetricsEndpoint {
 public:
  static constexpr size_t kMaxRequestBytes = 8192;
  static constexpr uint64_t kRequestTimeoutMs = 10'000;
  static constexpr size_t kMaxConnections = 64;

  using Render = std::function<absl::StatusOr<std::string>()>;
  explicit MetricsEndpoint(Render render);
  ~MetricsEndpoint();  // Stop() and wait
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Binds host:port (port 0: any free one) and starts serving.
  // InvalidArgument for an address that does not parse; Unavailable when
  // it cannot be bound.
  [[nodiscard]] absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  // Stops accepting, closes every connection and ends the thread.
  void Stop();

  // Responses sent, by status class (for tests and INFO).
  uint64_t ok_responses() const { return ok_.load(std::memory_order_relaxed); }
  uint64_t error_responses() const {
    return errors_.load(std::memory_order_relaxed);
  }

 private:
  struct HttpConnection;
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnStop(uv_async_t* async);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnTimeout(uv_timer_t* timer);
  static void OnClosed(uv_handle_t* handle);
  void Respond(HttpConnection* c);
  void Close(HttpConnection* c);

  const Render render_;
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_async_t stop_;
  bool started_ = false;
  int port_ = 0;
  absl::flat_hash_set<HttpConnection*> connections_;  // loop thread only
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> errors_{0};
  std::thread thread_;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_METRICS_ENDPOINT_H_
