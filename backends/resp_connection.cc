#include "backends/resp_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"

namespace synapsed::storage {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, at least 0.
int MsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool Wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, MsLeft(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the call itself report it
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RespConnection>> RespConnection::Connect(
    const std::string& host, int port, std::chrono::milliseconds timeout) {
  const std::string address = fmt::format("{}:{}", host, port);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    return absl::InvalidArgumentError(fmt::format("not an IPv4 address and port: {}", address));
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::UnavailableError(fmt::format("socket: {}", std::strerror(errno)));
  const auto deadline = Clock::now() + timeout;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  if (rc != 0 && errno == EINPROGRESS) {
    if (!Wait(fd, POLLOUT, deadline)) {
      close(fd);
      return absl::UnavailableError(
          fmt::format("connect to {}: no answer within {} ms", address, timeout.count()));
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    errno = err;
    rc = err == 0 ? 0 : -1;
  }
  if (rc != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(fmt::format("connect to {}: {}", address, std::strerror(err)));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RespConnection>(new RespConnection(fd, address, timeout));
}

RespConnection::~RespConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::Status RespConnection::Break(std::string_view why) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  in_.clear();
  return absl::UnavailableError(fmt::format("{}: {}", address_, why));
}

absl::Status RespConnection::SendAll(std::string_view bytes) {
  const auto deadline = Clock::now() + timeout_;
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!Wait(fd_, POLLOUT, deadline)) {
        return Break(fmt::format("could not send within {} ms", timeout_.count()));
      }
      continue;
    }
    return Break(fmt::format("send: {}", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<RespReply> RespConnection::ReadReply() {
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    if (!in_.empty()) {
      RespReply reply;
      size_t used = 0;
      std::string error;
      switch (ParseReply(in_, &reply, &used, &error)) {
        case ParseOutcome::kDone:
          in_.erase(0, used);
          return reply;
        case ParseOutcome::kMalformed:
          return Break(error);
        case ParseOutcome::kIncomplete:
          break;
      }
    }
    char buf[64 << 10];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return Break("the server closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!Wait(fd_, POLLIN, deadline)) {
        return Break(fmt::format("no reply within {} ms", timeout_.count()));
      }
      continue;
    }
    return Break(fmt::format("recv: {}", std::strerror(errno)));
  }
}

absl::StatusOr<RespReply> RespConnection::Call(const std::vector<std::string_view>& args) {
  if (fd_ < 0) return absl::UnavailableError(fmt::format("{}: the connection is broken", address_));
  std::string request;
  AppendCommand(args, &request);
  if (absl::Status s = SendAll(request); !s.ok()) return s;
  return ReadReply();
}

absl::StatusOr<std::vector<RespReply>> RespConnection::CallAll(
    const std::vector<std::vector<std::string_view>>& commands) {
  if (fd_ < 0) return absl::UnavailableError(fmt::format("{}: the connection is broken", address_));
  std::string request;
  for (const auto& args : commands) AppendCommand(args, &request);
  if (absl::Status s = SendAll(request); !s.ok()) return s;
  std::vector<RespReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    absl::StatusOr<RespReply> r = ReadReply();
    if (!r.ok()) return r.status();
    replies.push_back(*std::move(r));
  }
  return replies;
}

}  // namespace synapsed::storage
