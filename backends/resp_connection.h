// RespConnection: one TCP connection to a Redis-protocol server, sending
// commands and reading their replies (resp_reply.h) — what the
// `distributed` backend talks to a cluster's nodes with.
//
//   ASSIGN_OR_RETURN(auto c, RespConnection::Connect("127.0.0.1", 7001, 2s));
//   ASSIGN_OR_RETURN(RespReply r, c->Call({"GET", "foo"}));
//
// Every wait (connecting, sending, a reply) is bounded by the timeout. A
// failure of the connection itself — refused, reset, closed by the peer,
// timed out, or a malformed reply — is Unavailable naming the address, and
// the connection is broken from then on (a reply may be half read): drop
// it and connect again. An error reply (-ERR ...) is not a failure of the
// connection: it is a RespReply of type kError.
//
// Not thread-safe: one caller at a time.
#ifndef SYNAPSED_BACKENDS_RESP_CONNECTION_H_
#define SYNAPSED_BACKENDS_RESP_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/resp_reply.h"

namespace synapsed::storage {

class RespConnection {
 public:
  // `host` is a numeric IPv4 address.
  static absl::StatusOr<std::unique_ptr<RespConnection>> Connect(
      const std::string& host, int port, std::chrono::milliseconds timeout);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Sends one command and reads its reply.
  absl::StatusOr<RespReply> Call(const std::vector<std::string_view>& args);
  // Sends every command at once (pipelined) and reads their replies, in order.
  absl::StatusOr<std::vector<RespReply>> CallAll(
      const std::vector<std::vector<std::string_view>>& commands);

  const std::string& address() const { return address_; }
  bool broken() const { return fd_ < 0; }

 private:
  RespConnection(int fd, std::string address, std::chrono::milliseconds timeout)
      : fd_(fd), address_(std::move(address)), timeout_(timeout) {}
  absl::Status SendAll(std::string_view bytes);
  absl::StatusOr<RespReply> ReadReply();
  // Closes the socket and returns Unavailable naming the address and `why`.
  absl::Status Break(std::string_view why);

  int fd_;
  const std::string address_;  // "host:port"
  const std::chrono::milliseconds timeout_;
  std::string in_;  // bytes read past the last whole reply
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_RESP_CONNECTION_H_
