// The cluster secret's handshake on a Raft connection
// (docs/format/raft_auth.md). libraft's TCP transport has no authentication
// of its own: after its preamble (protocol, node id, address) the two ends
// prove to each other that they hold the cluster's 32-byte secret, and only
// then does either side's Raft see the connection.
//
//   hello     connector -> acceptor  "SYRA" | version:u8 (1) | 3 zero bytes | connector nonce[16]
//   challenge acceptor -> connector  acceptor nonce[16] | acceptor proof[32]
//   proof     connector -> acceptor  connector proof[32]
//
//   proof = HMAC-SHA-256(secret, role ‖ 0x00 ‖ connector nonce ‖ acceptor nonce
//                                ‖ u64le(connector id) ‖ u64le(acceptor id))
//   role  = "synapsed raft acceptor" or "synapsed raft connector"
//
// Each side's nonce is fresh from the CSPRNG, so a recorded handshake proves
// nothing on a later connection, and the two roles' proofs are apart, so an
// acceptor's proof cannot be reflected back to it as a connector's. The
// secret itself never crosses the wire. The handshake authenticates; it
// does not encrypt the Raft traffic that follows.
#ifndef SYNAPSED_CLUSTER_RAFT_AUTH_H_
#define SYNAPSED_CLUSTER_RAFT_AUTH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "crypto/secure_key.h"

namespace synapsed::storage::cluster {

inline constexpr uint8_t kRaftAuthVersion = 1;
inline constexpr size_t kRaftAuthNonceSize = 16;
inline constexpr size_t kRaftAuthProofSize = 32;
inline constexpr size_t kRaftAuthHelloSize = 8 + kRaftAuthNonceSize;
inline constexpr size_t kRaftAuthChallengeSize = kRaftAuthNonceSize + kRaftAuthProofSize;

using RaftAuthNonce = std::array<uint8_t, kRaftAuthNonceSize>;
using RaftAuthProof = std::array<uint8_t, kRaftAuthProofSize>;

enum class RaftAuthRole { kAcceptor, kConnector };

// What both proofs cover: the two nonces and the two node ids.
struct RaftAuthTranscript {
  RaftAuthNonce connector_nonce{};
  RaftAuthNonce acceptor_nonce{};
  uint64_t connector_id = 0;
  uint64_t acceptor_id = 0;
};

std::array<uint8_t, kRaftAuthHelloSize> EncodeRaftAuthHello(const RaftAuthNonce& nonce);
// False (and `nonce` unchanged) unless `hello` is a version-1 hello.
[[nodiscard]] bool DecodeRaftAuthHello(std::span<const uint8_t, kRaftAuthHelloSize> hello,
                                       RaftAuthNonce* nonce);

[[nodiscard]] absl::StatusOr<RaftAuthProof> RaftAuthProve(const crypto::SecureKey& secret,
                                                          RaftAuthRole role,
                                                          const RaftAuthTranscript& t);
// Whether `proof` is `role`'s proof of `t` under `secret` (compared in
// constant time).
[[nodiscard]] bool RaftAuthCheck(const crypto::SecureKey& secret, RaftAuthRole role,
                                 const RaftAuthTranscript& t,
                                 std::span<const uint8_t, kRaftAuthProofSize> proof);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_RAFT_AUTH_H_
