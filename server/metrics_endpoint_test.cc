// The metrics endpoint over real sockets: a scrape of a store with the
// metrics layer parses as Prometheus text, and bad requests get their
// status and leave the endpoint serving.
#include "server/metrics_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "layers/prometheus_text_test_util.h"
#include "synapsed/storage/builder.h"
#include "util/status_matchers.h"

namespace synapsed::storage::server {
namespace {

using ::synapsed::storage::testing::ParsePrometheusText;

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // Never hang the test: a read that waits this long fails it.
  timeval tv{.tv_sec = 20, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Sends `request` (errors ignored: the endpoint may close first) and reads
// the whole response, to the endpoint's close.
std::string Exchange(int port, const std::string& request) {
  const int fd = Connect(port);
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

std::string StatusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(MetricsEndpoint, ServesTheStoresMetricsAsPrometheusText) {
  ASSERT_OK_AND_ASSIGN(
      auto store,
      StorageBuilder(StorageConfig::Memory()).WithMetrics().Build());
  for (int i = 0; i < 7; ++i)
    ASSERT_OK(store->Put("k" + std::to_string(i), "v"));
  EXPECT_FALSE(store->Get("missing").ok());
  MetricsEndpoint endpoint(
      [&] { return store->GetProperty("metrics.prometheus"); });
  ASSERT_OK(endpoint.Start("127.0.0.1", 0));
  ASSERT_GT(endpoint.port(), 0);

  const std::string response =
      Exchange(endpoint.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(StatusLine(response), "HTTP/1.0 200 OK") << response.substr(0, 200);
  const size_t body_at = response.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  const std::string headers = response.substr(0, body_at);
  const std::string body = response.substr(body_at + 4);
  EXPECT_NE(headers.find("Content-Type: text/plain; version=0.0.4"),
            std::string::npos);
  EXPECT_NE(
      headers.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
      std::string::npos)
      << headers;
  ASSERT_OK_AND_ASSIGN(auto samples, ParsePrometheusText(body));
  EXPECT_EQ(samples.at(R"(synapsed_operations_total{op="put"})"), 7);
  EXPECT_EQ(
      samples.at(
          R"(synapsed_operation_errors_total{op="get",code="not_found"})"),
      1);
  EXPECT_EQ(
      samples.at(R"(synapsed_operation_duration_seconds_count{op="put"})"), 7);

  // A query string is ignored; HEAD has the headers and no body.
  EXPECT_EQ(StatusLine(
                Exchange(endpoint.port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n")),
            "HTTP/1.0 200 OK");
  const std::string head =
      Exchange(endpoint.port(), "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusLine(head), "HTTP/1.0 200 OK");
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head.substr(head.size() - 20);
  EXPECT_EQ(endpoint.ok_responses(), 3u);
}

TEST(MetricsEndpoint, BadRequestsGetTheirStatusAndTheEndpointStaysUp) {
  int renders = 0;
  MetricsEndpoint endpoint([&]() -> absl::StatusOr<std::string> {
    ++renders;
    return std::string("# TYPE up gauge\nup 1\n");
  });
  ASSERT_OK(endpoint.Start("127.0.0.1", 0));
  const int port = endpoint.port();
  // A client that sends half a request and stalls holds only its own
  // connection.
  const int stalled = Connect(port);
  ASSERT_EQ(send(stalled, "GET /met", 8, MSG_NOSIGNAL), 8);

  EXPECT_EQ(StatusLine(Exchange(port, "GET / HTTP/1.0\r\n\r\n")),
            "HTTP/1.0 404 Not Found");
  EXPECT_EQ(StatusLine(Exchange(port, "GET /metricsx HTTP/1.0\r\n\r\n")),
            "HTTP/1.0 404 Not Found");
  EXPECT_EQ(StatusLine(Exchange(port, "POST /metrics HTTP/1.0\r\n\r\n")),
            "HTTP/1.0 405 Method Not Allowed");
  EXPECT_EQ(StatusLine(Exchange(port, "garbage\r\n\r\n")),
            "HTTP/1.0 400 Bad Request");
  EXPECT_EQ(StatusLine(Exchange(port, "GET /metrics SMTP\r\n\r\n")),
            "HTTP/1.0 400 Bad Request");
  // One byte over the limit without an end of headers: refused before more
  // is read. (Exactly one byte over, so that the endpoint has read all of
  // it when it closes: unread bytes would make the kernel reset the
  // connection, and the reply could be lost.)
  std::string huge = "GET /metrics HTTP/1.0\r\nX: ";
  huge.resize(MetricsEndpoint::kMaxRequestBytes + 1, 'a');
  EXPECT_EQ(StatusLine(Exchange(port, huge)),
            "HTTP/1.0 431 Request Header Fields Too Large");
  // A client that connects and leaves at once.
  close(Connect(port));
  EXPECT_EQ(renders, 0);

  const std::string ok = Exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusLine(ok), "HTTP/1.0 200 OK");
  EXPECT_TRUE(ok.ends_with("\r\n\r\nup 1\n") || ok.ends_with("up 1\n")) << ok;
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(endpoint.error_responses(), 6u);
  // The stalled client still gets its answer once it finishes.
  ASSERT_EQ(send(stalled, "rics HTTP/1.0\r\n\r\n", 17, MSG_NOSIGNAL), 17);
  char buf[64];
  const ssize_t n = recv(stalled, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 15),
            "HTTP/1.0 200 OK");
  close(stalled);
  endpoint.Stop();
}

TEST(MetricsEndpoint, RefusesAnAddressItCannotUse) {
  MetricsEndpoint endpoint([] { return absl::StatusOr<std::string>(""); });
  EXPECT_EQ(endpoint.Start("not-an-ip", 0).code(),
            absl::StatusCode::kInvalidArgument);
  MetricsEndpoint first([] { return absl::StatusOr<std::string>(""); });
  ASSERT_OK(first.Start("127.0.0.1", 0));
  MetricsEndpoint second([] { return absl::StatusOr<std::string>(""); });
  EXPECT_EQ(second.Start("127.0.0.1", first.port()).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace synapsed::storage::server
