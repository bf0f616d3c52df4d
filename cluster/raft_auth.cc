#include "cluster/raft_auth.h"

#include <openssl/crypto.h>

#include <cstring>
#include <string>

#include "security/audit_hash.h"
#include "util/coding.h"

namespace synapsed::storage::cluster {
namespace {

constexpr char kMagic[4] = {'S', 'Y', 'R', 'A'};

std::string_view Domain(RaftAuthRole role) {
  return role == RaftAuthRole::kAcceptor ? "synapsed raft acceptor" : "synapsed raft connector";
}

}  // namespace

std::array<uint8_t, kRaftAuthHelloSize> EncodeRaftAuthHello(const RaftAuthNonce& nonce) {
  std::array<uint8_t, kRaftAuthHelloSize> hello{};
  std::memcpy(hello.data(), kMagic, sizeof(kMagic));
  hello[4] = kRaftAuthVersion;  // bytes 5..7 stay zero
  std::memcpy(hello.data() + 8, nonce.data(), nonce.size());
  return hello;
}

bool DecodeRaftAuthHello(std::span<const uint8_t, kRaftAuthHelloSize> hello,
                         RaftAuthNonce* nonce) {
  if (std::memcmp(hello.data(), kMagic, sizeof(kMagic)) != 0 || hello[4] != kRaftAuthVersion ||
      hello[5] != 0 || hello[6] != 0 || hello[7] != 0) {
    return false;
  }
  std::memcpy(nonce->data(), hello.data() + 8, nonce->size());
  return true;
}

absl::StatusOr<RaftAuthProof> RaftAuthProve(const crypto::SecureKey& secret, RaftAuthRole role,
                                            const RaftAuthTranscript& t) {
  std::string data;
  data.append(reinterpret_cast<const char*>(t.connector_nonce.data()), t.connector_nonce.size());
  data.append(reinterpret_cast<const char*>(t.acceptor_nonce.data()), t.acceptor_nonce.size());
  PutFixed64(&data, t.connector_id);
  PutFixed64(&data, t.acceptor_id);
  return security::HmacSha256(secret.bytes(), Domain(role), data);
}

bool RaftAuthCheck(const crypto::SecureKey& secret, RaftAuthRole role,
                   const RaftAuthTranscript& t,
                   std::span<const uint8_t, kRaftAuthProofSize> proof) {
  absl::StatusOr<RaftAuthProof> expected = RaftAuthProve(secret, role, t);
  return expected.ok() &&
         CRYPTO_memcmp(expected->data(), proof.data(), kRaftAuthProofSize) == 0;
}

}  // namespace synapsed::storage::cluster
