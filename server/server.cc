#include "server/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <uv.h>

#include <thread>

#include "fmt/format.h"
#include "server/event_loop.h"

namespace synapsed::storage::server {

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a;
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

Server::Server(Store* store, ServerOptions options)
    : options_(std::move(options)), state_(store, options_.sync) {
  if (options_.threads <= 0) {
    options_.threads = std::max(1u, std::thread::hardware_concurrency());
  }
  state_.threads = options_.threads;
  state_.max_clients = options_.max_clients;
  state_.idle_timeout_s = options_.idle_timeout_s;
  state_.max_output_bytes = options_.max_output_bytes;
  state_.router = options_.router;
  state_.request_shutdown = [this] { RequestShutdown(); };
}

Server::~Server() {
  RequestShutdown();
  Wait();
}

absl::Status Server::Start() {
  const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  sockaddr_storage addr{};
  const bool v6 = host.find(':') != std::string::npos;
  if ((v6 ? uv_ip6_addr(host.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr))
          : uv_ip4_addr(host.c_str(), options_.port, reinterpret_cast<sockaddr_in*>(&addr))) !=
      0) {
    return absl::InvalidArgumentError(fmt::format("not an IP address: {}", options_.host));
  }
  // Every loop listens before any runs: the state the loops read is final
  // by then.
  std::vector<std::unique_ptr<EventLoop>> loops;
  for (int i = 0; i < options_.threads; ++i) {
    auto loop = std::make_unique<EventLoop>(i, &options_, &state_);
    if (absl::Status s = loop->Listen(reinterpret_cast<sockaddr*>(&addr)); !s.ok()) {
      return absl::Status(s.code(), fmt::format("listening on {}:{}: {}", options_.host,
                                                options_.port, std::string(s.message())));
    }
    if (i == 0) {
      // The first loop picked the port when asked for 0; the others share it.
      state_.port = loop->port();
      if (v6) {
        reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(state_.port);
      } else {
        reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(state_.port);
      }
    }
    loops.push_back(std::move(loop));
  }
  state_.listen = fmt::format("{}:{}", host, state_.port);
  loops_ = std::move(loops);
  for (auto& loop : loops_) loop->Start();
  return absl::OkStatus();
}

void Server::RequestShutdown() {
  for (auto& loop : loops_) loop->Stop();
}

void Server::Wait() {
  for (auto& loop : loops_) loop->Join();
}

}  // namespace synapsed::storage::server
