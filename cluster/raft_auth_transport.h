// RaftAuthTransport: libraft's TCP transport (raft_uv_tcp) with the cluster
// secret's handshake (raft_auth.h) between its preamble and the Raft
// traffic. Give transport() to raft_uv_init in place of a raft_uv_tcp one.
//
//   - Outgoing: once raft_uv_tcp has connected and sent its preamble, this
//     side says hello, checks the acceptor's proof and sends its own; only
//     then does Raft get the connection. A wrong proof, a closed socket or
//     no answer within the handshake timeout fails the attempt
//     (RAFT_NOCONNECTION), and Raft retries later as for any failed connect.
//   - Incoming: once raft_uv_tcp has read the preamble, this side waits for
//     the hello, answers with its nonce and proof, and checks the
//     connector's proof; only then does Raft see the connection. Anything
//     else (a wrong or malformed message, a close, silence past the
//     timeout) closes the socket and counts in rejected().
//
// Every read asks for exactly the bytes of the message it waits for, so no
// byte of the Raft traffic that follows is taken by the handshake.
//
// Loop thread only, like the rest of raft_uv, except accepted() and
// rejected(), which any thread may read. Destroy it after Raft has closed
// it (raft_close's callback), or if it was never given to raft_uv_init.
#ifndef SYNAPSED_CLUSTER_RAFT_AUTH_TRANSPORT_H_
#define SYNAPSED_CLUSTER_RAFT_AUTH_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "crypto/secure_key.h"

struct raft_uv_transport;
struct uv_loop_s;

namespace synapsed::storage::cluster {

class RaftAuthTransport {
 public:
  // `secret` outlives the transport.
  static absl::StatusOr<std::unique_ptr<RaftAuthTransport>> Create(
      uv_loop_s* loop, const crypto::SecureKey& secret,
      std::chrono::milliseconds handshake_timeout);
  ~RaftAuthTransport();
  RaftAuthTransport(const RaftAuthTransport&) = delete;
  RaftAuthTransport& operator=(const RaftAuthTransport&) = delete;

  raft_uv_transport* transport();
  // Incoming connections that proved the secret, and those refused.
  uint64_t accepted() const;
  uint64_t rejected() const;

  struct Impl;

 private:
  explicit RaftAuthTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_RAFT_AUTH_TRANSPORT_H_
