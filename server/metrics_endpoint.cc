#include "server/metrics_endpoint.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace synapsed::storage::server {

// One scrape: the request read so far, then the response being written.
struct MetricsEndpoint::HttpConnection {
  MetricsEndpoint* endpoint = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t write;
  std::string request;
  std::string response;
  char buffer[1024];
  int open_handles = 2;  // tcp and timer; freed when both are closed
  bool closing = false;
};

namespace {

constexpr std::string_view kPrometheusType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string HttpResponse(int code, std::string_view reason,
                         std::string_view type, std::string_view body,
                         bool head) {
  return fmt::format(
      "HTTP/1.0 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: "
      "close\r\n\r\n{}",
      code, reason, type, body.size(), head ? std::string_view() : body);
}

std::string TextError(int code, std::string_view reason) {
  return HttpResponse(code, reason, "text/plain; charset=utf-8",
                      fmt::format("{}\n", reason), false);
}

// Where the request line and headers end (the index past the blank line),
// or npos while incomplete.
size_t HeaderEnd(std::string_view request) {
  const size_t crlf = request.find("\r\n\r\n");
  const size_t lf = request.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) {
    return std::string_view::npos;
  }
  if (crlf != std::string_view::npos &&
      (lf == std::string_view::npos || crlf < lf)) {
    return crlf + 4;
  }
  return lf + 2;
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(Render render) : render_(std::move(render)) {}

MetricsEndpoint::~MetricsEndpoint() { Stop(); }

absl::Status MetricsEndpoint::Start(const std::string& host_in, int port) {
  if (started_)
    return absl::FailedPreconditionError(
        "the metrics endpoint is already started");
  const std::string host = host_in == "localhost" ? "127.0.0.1" : host_in;
  sockaddr_storage addr{};
  const bool v6 = host.find(':') != std::string::npos;
  if ((v6 ? uv_ip6_addr(host.c_str(), port,
                        reinterpret_cast<sockaddr_in6*>(&addr))
          : uv_ip4_addr(host.c_str(), port,
                        reinterpret_cast<sockaddr_in*>(&addr))) != 0) {
    return absl::InvalidArgumentError(
        fmt::format("not an IP address: {}", host_in));
  }
  uv_loop_init(&loop_);
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  uv_async_init(&loop_, &stop_, OnStop);
  stop_.data = this;
  int r = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (r == 0)
    r = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128,
                  OnConnection);
  if (r != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return absl::UnavailableError(fmt::format(
        "metrics endpoint: binding {}:{}: {}", host_in, port, uv_strerror(r)));
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6
                    ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  started_ = true;
  thread_ = std::thread([this] {
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  });
  return absl::OkStatus();
}

void MetricsEndpoint::Stop() {
  if (!started_) return;
  uv_async_send(&stop_);
  if (thread_.joinable()) thread_.join();
  started_ = false;
}

void MetricsEndpoint::OnStop(uv_async_t* async) {
  auto* ep = static_cast<MetricsEndpoint*>(async->data);
  uv_close(reinterpret_cast<uv_handle_t*>(&ep->listener_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&ep->stop_), nullptr);
  const std::vector<HttpConnection*> open(ep->connections_.begin(),
                                          ep->connections_.end());
  for (HttpConnection* c : open) ep->Close(c);
}

void MetricsEndpoint::OnConnection(uv_stream_t* listener, int status) {
  auto* ep = static_cast<MetricsEndpoint*>(listener->data);
  if (status < 0) return;
  auto* c = new HttpConnection;
  c->endpoint = ep;
  uv_tcp_init(&ep->loop_, &c->tcp);
  c->tcp.data = c;
  uv_timer_init(&ep->loop_, &c->timer);
  c->timer.data = c;
  ep->connections_.insert(c);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
      ep->connections_.size() > kMaxConnections) {
    ep->Close(c);
    return;
  }
  uv_timer_start(&c->timer, OnTimeout, kRequestTimeoutMs, 0);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* conn = static_cast<HttpConnection*>(h->data);
        *buf = uv_buf_init(conn->buffer, sizeof(conn->buffer));
      },
      OnRead);
}

void MetricsEndpoint::OnTimeout(uv_timer_t* timer) {
  auto* c = static_cast<HttpConnection*>(timer->data);
  c->endpoint->Close(c);
}

void MetricsEndpoint::OnRead(uv_stream_t* stream, ssize_t nread,
                             const uv_buf_t* buf) {
  auto* c = static_cast<HttpConnection*>(stream->data);
  if (nread < 0) return c->endpoint->Close(c);
  if (nread == 0) return;  // EAGAIN: nothing read
  // Never hold more than the limit and one read beyond it.
  c->request.append(buf->base, static_cast<size_t>(nread));
  const size_t end = HeaderEnd(c->request);
  if (end == std::string::npos && c->request.size() <= kMaxRequestBytes) return;
  c->endpoint->Respond(c);
}

void MetricsEndpoint::Respond(HttpConnection* c) {
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  uv_timer_stop(&c->timer);
  const size_t end = HeaderEnd(c->request);
  bool ok = false;
  if (end == std::string::npos || end > kMaxRequestBytes) {
    c->response = TextError(431, "Request Header Fields Too Large");
  } else {
    const std::string_view request(c->request);
    const std::string_view line =
        request.substr(0, request.find_first_of("\r\n"));
    std::vector<std::string_view> parts;
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(line.data(), line.size()), ' ')) {
      parts.emplace_back(part.data(), part.size());
    }
    if (parts.size() != 3 || !parts[2].starts_with("HTTP/1.") ||
        parts[1].empty()) {
      c->response = TextError(400, "Bad Request");
    } else if (parts[0] != "GET" && parts[0] != "HEAD") {
      c->response = TextError(405, "Method Not Allowed");
    } else if (parts[1].substr(0, parts[1].find('?')) != "/metrics") {
      c->response = TextError(404, "Not Found");
    } else if (absl::StatusOr<std::string> body = render_(); !body.ok()) {
      c->response = TextError(500, "Internal Server Error");
    } else {
      c->response =
          HttpResponse(200, "OK", kPrometheusType, *body, parts[0] == "HEAD");
      ok = true;
    }
  }
  (ok ? ok_ : errors_).fetch_add(1, std::memory_order_relaxed);
  c->write.data = c;
  uv_buf_t out = uv_buf_init(c->response.data(),
                             static_cast<unsigned>(c->response.size()));
  if (uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &out, 1,
               [](uv_write_t* w, int) {
                 auto* conn = static_cast<HttpConnection*>(w->data);
                 conn->endpoint->Close(conn);
               }) != 0) {
    Close(c);
  }
}

void MetricsEndpoint::Close(HttpConnection* c) {
  if (c->closing) return;
  c->closing = true;
  connections_.erase(c);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), OnClosed);
}

void MetricsEndpoint::OnClosed(uv_handle_t* handle) {
  auto* c = static_cast<HttpConnection*>(handle->data);
  if (--c->open_handles == 0) delete c;
}

}  // namespace synapsed::storage::server
