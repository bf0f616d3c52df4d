// The cluster secret's handshake: its messages and proofs
// (docs/format/raft_auth.md), a node with the wrong secret shut out of its
// group, and strangers on a node's Raft port closed without harm.
#include "cluster/raft_auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cluster/raft_command.h"
#include "cluster/raft_node.h"
#include "cluster/raft_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TestRaftGroup;
using testing::WaitFor;

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

RaftAuthNonce NonceFrom(uint8_t first) {
  RaftAuthNonce n;
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(first + i);
  return n;
}

crypto::SecureKey Key(std::string_view hex) { return *crypto::SecureKey::FromHex(hex); }

const std::string_view kDocSecret =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

RaftAuthTranscript DocTranscript() {
  return {.connector_nonce = NonceFrom(0xa0), .acceptor_nonce = NonceFrom(0xb0), .connector_id = 2,
          .acceptor_id = 1};
}

TEST(RaftAuth, DocExample) {
  // docs/format/raft_auth.md, "Worked example".
  const crypto::SecureKey secret = Key(kDocSecret);
  const RaftAuthTranscript t = DocTranscript();
  const auto hello = EncodeRaftAuthHello(t.connector_nonce);
  EXPECT_EQ(std::vector<uint8_t>(hello.begin(), hello.end()),
            FromHex("5359524101000000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"));
  RaftAuthNonce decoded{};
  ASSERT_TRUE(DecodeRaftAuthHello(hello, &decoded));
  EXPECT_EQ(decoded, t.connector_nonce);

  ASSERT_OK_AND_ASSIGN(RaftAuthProof acceptor, RaftAuthProve(secret, RaftAuthRole::kAcceptor, t));
  EXPECT_EQ(std::vector<uint8_t>(acceptor.begin(), acceptor.end()),
            FromHex("0af07e90b2c1ee0386c26f579e126ed852dd3fa3582a78953a332fa1bec7e2ff"));
  ASSERT_OK_AND_ASSIGN(RaftAuthProof connector,
                       RaftAuthProve(secret, RaftAuthRole::kConnector, t));
  EXPECT_EQ(std::vector<uint8_t>(connector.begin(), connector.end()),
            FromHex("19e0fdd602b1a7e78e597e2cee2e0d96bec2968a20f5098dd3ca775a23fafcf4"));
  EXPECT_TRUE(RaftAuthCheck(secret, RaftAuthRole::kAcceptor, t, acceptor));
  EXPECT_TRUE(RaftAuthCheck(secret, RaftAuthRole::kConnector, t, connector));
}

TEST(RaftAuth, HelloOfAnotherKindIsRefused) {
  const auto good = EncodeRaftAuthHello(NonceFrom(1));
  for (size_t at : {0, 3, 4, 5, 7}) {
    auto bad = good;
    bad[at] ^= 0x01;
    RaftAuthNonce nonce = NonceFrom(9);
    EXPECT_FALSE(DecodeRaftAuthHello(bad, &nonce)) << "byte " << at;
    EXPECT_EQ(nonce, NonceFrom(9)) << "byte " << at;
  }
}

TEST(RaftAuth, AProofHoldsOnlyForItsSecretRoleNoncesAndIds) {
  const crypto::SecureKey secret = Key(kDocSecret);
  const RaftAuthTranscript t = DocTranscript();
  ASSERT_OK_AND_ASSIGN(RaftAuthProof proof, RaftAuthProve(secret, RaftAuthRole::kAcceptor, t));

  EXPECT_FALSE(RaftAuthCheck(secret, RaftAuthRole::kConnector, t, proof)) << "reflected";
  EXPECT_FALSE(RaftAuthCheck(
      Key("100102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
      RaftAuthRole::kAcceptor, t, proof)) << "another secret";
  std::vector<RaftAuthTranscript> changed(4, t);
  changed[0].connector_nonce[15] ^= 1;
  changed[1].acceptor_nonce[0] ^= 1;
  changed[2].connector_id = 3;
  changed[3].acceptor_id = 3;
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_FALSE(RaftAuthCheck(secret, RaftAuthRole::kAcceptor, changed[i], proof)) << i;
  }
  RaftAuthProof flipped = proof;
  flipped[31] ^= 0x80;
  EXPECT_FALSE(RaftAuthCheck(secret, RaftAuthRole::kAcceptor, t, flipped));
}

// Counts what it applies; nothing else.
class CountingMachine : public RaftStateMachine {
 public:
  std::string Apply(uint64_t, std::string_view) override {
    applied_.fetch_add(1);
    return "OK";
  }
  std::string Snapshot() override { return std::to_string(applied_.load()); }
  absl::Status Restore(std::string_view s) override {
    applied_.store(std::stoull(std::string(s)));
    return absl::OkStatus();
  }
  uint64_t applied() const { return applied_.load(); }

 private:
  std::atomic<uint64_t> applied_{0};
};

TEST(RaftAuthCluster, ANodeWithAnotherSecretIsShutOut) {
  CountingMachine machines[3];
  const crypto::SecureKey other =
      Key("0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
  TestRaftGroup group("auth-outsider", 3, [&](int i) { return &machines[i]; });
  group.secret = [&](int i) { return i == 2 ? &other : &testing::TestSecret(); };
  ASSERT_OK(group.StartAll());

  // Nodes 1 and 2 are a majority on their own: they elect and commit.
  const int leader = group.Leader();
  ASSERT_GE(leader, 0);
  ASSERT_NE(leader, 2) << "the node with the wrong secret got votes";
  ASSERT_OK_AND_ASSIGN(std::string result,
                       group.node(leader)->Propose("put", 5s, /*min_replicas=*/2));
  EXPECT_EQ(result, "OK");

  // The leader's appends to node 3 are refused there, and node 3's vote
  // requests are refused by the other two; it never applies anything.
  EXPECT_TRUE(WaitFor([&] { return group.node(2)->Status().rejected_connections > 0; }, 10s));
  EXPECT_TRUE(WaitFor([&] { return group.node(leader)->Status().rejected_connections > 0 ||
                                   group.node(1 - leader)->Status().rejected_connections > 0; },
                      10s));
  EXPECT_EQ(machines[2].applied(), 0u);
  EXPECT_EQ(group.node(2)->Status().leader_id, 0u);
  // With min_replicas 3, the leader sees only two reachable voters.
  absl::StatusOr<std::string> three = group.node(leader)->Propose("put", 5s, 3);
  EXPECT_THAT(three.status().message(), HasSubstr("insufficient replicas: 3 required, 2"));
}

// A TCP client on a node's Raft port, bounded by a receive timeout.
class RawClient {
 public:
  explicit RawClient(const std::string& address) {
    const size_t colon = address.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }

  // raft_uv's preamble: protocol 1, a node id, and an address padded to 8.
  void SendPreamble(uint64_t id) {
    std::string address("127.0.0.1:9");
    address.resize(16, '\0');
    std::string p(24, '\0');
    const uint64_t words[3] = {1, id, address.size()};
    std::memcpy(p.data(), words, sizeof(words));
    Send(p + address);
  }
  void Send(std::string_view bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `n` bytes or the end; what it got.
  std::string Receive(size_t n) {
    std::string out;
    char buf[256];
    while (out.size() < n) {
      const ssize_t r = recv(fd_, buf, std::min(sizeof(buf), n - out.size()), 0);
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }
  // True once the node closed the connection: a read returns 0, or fails
  // with a reset (a close with our bytes still unread sends one). False if
  // the receive timeout passed first.
  bool ClosedByPeer() {
    char c;
    const ssize_t r = recv(fd_, &c, 1, 0);
    return r == 0 || (r < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string AsString(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(RaftAuthCluster, StrangersAreClosedAndTheNodeServesOn) {
  CountingMachine machine;
  TestRaftGroup group("auth-strangers", 1, [&](int) { return &machine; });
  RaftNodeOptions o = group.Options(0);
  o.handshake_timeout = 300ms;
  ASSERT_OK(group.Start(0, o));
  ASSERT_EQ(group.Leader(), 0);
  const std::string address = group.peer(0).address;
  uint64_t rejected = 0;
  auto rejected_more = [&] {
    return WaitFor([&] { return group.node(0)->Status().rejected_connections > rejected; }, 5s);
  };

  {  // A hello of another protocol.
    RawClient c(address);
    ASSERT_TRUE(c.connected());
    c.SendPreamble(7);
    c.Send("HTTP/1.1 200 OK\r\n\r\nhello!");
    EXPECT_TRUE(c.ClosedByPeer());
    EXPECT_TRUE(rejected_more());
    rejected = group.node(0)->Status().rejected_connections;
  }
  {  // Silence after the preamble: closed after the handshake timeout.
    RawClient c(address);
    ASSERT_TRUE(c.connected());
    c.SendPreamble(7);
    EXPECT_TRUE(c.ClosedByPeer());
    EXPECT_TRUE(rejected_more());
    rejected = group.node(0)->Status().rejected_connections;
  }
  {  // A good hello, then a proof made without the secret.
    RawClient c(address);
    ASSERT_TRUE(c.connected());
    c.SendPreamble(7);
    const auto hello = EncodeRaftAuthHello(NonceFrom(0x40));
    c.Send(AsString(hello));
    const std::string challenge = c.Receive(kRaftAuthChallengeSize);
    ASSERT_EQ(challenge.size(), kRaftAuthChallengeSize);
    // The node proved the secret: its proof checks out for this transcript.
    RaftAuthTranscript t{.connector_nonce = NonceFrom(0x40), .connector_id = 7, .acceptor_id = 1};
    std::memcpy(t.acceptor_nonce.data(), challenge.data(), kRaftAuthNonceSize);
    EXPECT_TRUE(RaftAuthCheck(
        testing::TestSecret(), RaftAuthRole::kAcceptor, t,
        std::span<const uint8_t, kRaftAuthProofSize>(
            reinterpret_cast<const uint8_t*>(challenge.data()) + kRaftAuthNonceSize,
            kRaftAuthProofSize)));
    c.Send(std::string(kRaftAuthProofSize, '\0'));
    EXPECT_TRUE(c.ClosedByPeer());
    EXPECT_TRUE(rejected_more());
    rejected = group.node(0)->Status().rejected_connections;
  }
  {  // Closed halfway through the hello.
    RawClient c(address);
    ASSERT_TRUE(c.connected());
    c.SendPreamble(7);
    c.Send("SYRA");
  }
  EXPECT_TRUE(rejected_more());

  // The node still leads and applies.
  ASSERT_OK_AND_ASSIGN(std::string result, group.node(0)->Propose("put", 5s));
  EXPECT_EQ(result, "OK");
}

TEST(RaftAuthCluster, ANonLoopbackAddressNeedsASecret) {
  CountingMachine machine;
  RaftNodeOptions o;
  o.id = 1;
  o.address = "10.1.2.3:7000";
  o.dir = "/nonexistent-never-created";
  o.state_machine = &machine;
  o.voters = {{1, o.address}};
  absl::StatusOr<std::unique_ptr<RaftNode>> node = RaftNode::Start(o);
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(node.status().message(), HasSubstr("cluster secret is required"));
}

}  // namespace
}  // namespace synapsed::storage::cluster
