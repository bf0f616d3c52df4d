// Test helpers for Raft groups on loopback: a free port, a bounded wait, and
// a group of RaftNodes in one process, each in its own directory.
#ifndef SYNAPSED_CLUSTER_RAFT_TEST_UTIL_H_
#define SYNAPSED_CLUSTER_RAFT_TEST_UTIL_H_

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/raft_node.h"
#include "crypto/secure_key.h"
#include "fmt/format.h"
#include "util/mutex.h"

namespace synapsed::storage::cluster::testing {

// Whether nothing is bound to loopback port `port` now.
inline bool PortIsFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return free;
}

// Claims `port` for this process until it exits: an exclusive flock on a
// file named after the port, in a directory every test process shares. A
// port is handed out while nothing listens on it yet, and a killed node's
// port stays unbound until it restarts; without the claim a test process
// running beside (ctest -j) could hand the same port to one of its own
// nodes in that window (CI saw "bind/listen: Address already in use").
// The descriptor is kept open on purpose; the kernel drops the lock when
// the process ends, however it ends.
inline bool ClaimPort(int port) {
  const std::string dir = "/tmp/synapsed-test-ports";
  mkdir(dir.c_str(), 0777);
  const std::string path = fmt::format("{}/{}", dir, port);
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return true;  // no shared directory (another user's): claim nothing, as before
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return false;
  }
  return true;
}

// `count` consecutive loopback ports (partition p's group of a node listens
// on its raft_port + p), the first of them. Each is unbound now, not handed
// out before by this process (two members on one port make a group that
// cannot start), claimed against every other test process (ClaimPort), and
// below the kernel's ephemeral range. A node that is stopped or killed must
// get its port back when it restarts; an ephemeral port could meanwhile
// become the local end of any outgoing connection (the tests' own clients
// open thousands), and the restarted node would fail to listen (CI saw
// raft_start fail so). Random within the range, so that test processes
// running side by side rarely try the same one.
inline int FreePorts(int count) {
  static Mutex mu;
  static std::set<int> given;
  static std::mt19937 rng(static_cast<unsigned>(getpid()) * 7919u +
                          static_cast<unsigned>(time(nullptr)));
  MutexLock l(&mu);
  int ephemeral_low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) {
    range >> ephemeral_low;
  }
  const int low = 10000, high = std::max(low + 1000, ephemeral_low) - count;
  for (;;) {
    const int first = low + static_cast<int>(rng() % static_cast<unsigned>(high - low));
    bool free = true;
    for (int p = first; p < first + count && free; ++p) {
      free = !given.count(p) && PortIsFree(p);
    }
    // Claims are taken only once every port of the run looked free; a claim
    // that fails leaves the earlier ones of this run held and unused, which
    // costs nothing but a file.
    for (int p = first; p < first + count && free; ++p) free = ClaimPort(p);
    if (!free) continue;
    for (int p = first; p < first + count; ++p) given.insert(p);
    return first;
  }
}

// One such port.
inline int FreePort() { return FreePorts(1); }

// Polls `done` every 20 ms for at most `limit`; its last answer.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// The index of the first of `size` members whose node leads, once one does
// (at most 10 s), or -1. node(i) may be null (a member that is down).
inline int WaitForLeader(int size, const std::function<RaftNode*(int)>& node) {
  int leader = -1;
  WaitFor([&] {
    for (int i = 0; i < size; ++i) {
      if (node(i) != nullptr && node(i)->Status().is_leader) {
        leader = i;
        return true;
      }
    }
    return false;
  }, std::chrono::seconds(10));
  return leader;
}

// A cluster secret for tests (fixed, so a failure can be replayed).
inline const crypto::SecureKey& TestSecret() {
  static const crypto::SecureKey* const key = new crypto::SecureKey(
      *crypto::SecureKey::FromHex(
          "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"));
  return *key;
}

// `size` voters under a fresh directory; the state machines are the
// caller's (machine(i) is asked each time node i starts). Every node holds
// TestSecret() unless `secret` says otherwise.
class TestRaftGroup {
 public:
  TestRaftGroup(const std::string& name, int size,
                std::function<RaftStateMachine*(int)> machine)
      : machine_(std::move(machine)) {
    root_ = std::filesystem::temp_directory_path() /
            fmt::format("synapsed-raft-{}-{}", getpid(), name);
    std::filesystem::remove_all(root_);
    for (int i = 0; i < size; ++i) {
      peers_.push_back({static_cast<uint64_t>(i + 1), fmt::format("127.0.0.1:{}", FreePort())});
    }
    nodes_.resize(size);
  }
  ~TestRaftGroup() {
    nodes_.clear();
    std::filesystem::remove_all(root_);
  }

  int size() const { return static_cast<int>(nodes_.size()); }
  const RaftPeer& peer(int i) const { return peers_[i]; }
  RaftNode* node(int i) { return nodes_[i].get(); }
  std::string dir(int i) const { return (root_ / fmt::format("node{}", i + 1)).string(); }
  unsigned snapshot_threshold = 1024;
  std::function<const crypto::SecureKey*(int)> secret = [](int) { return &TestSecret(); };

  RaftNodeOptions Options(int i) {
    RaftNodeOptions o;
    o.id = peers_[i].id;
    o.address = peers_[i].address;
    o.dir = dir(i);
    o.voters = peers_;
    o.state_machine = machine_(i);
    o.snapshot_threshold = snapshot_threshold;
    o.snapshot_trailing = 8;
    o.install_snapshot_timeout = std::chrono::milliseconds(1000);
    o.cluster_secret = secret(i);
    return o;
  }
  absl::Status Start(int i) { return Start(i, Options(i)); }
  absl::Status Start(int i, const RaftNodeOptions& o) {
    auto n = RaftNode::Start(o);
    if (!n.ok()) return n.status();
    nodes_[i] = std::move(*n);
    return absl::OkStatus();
  }
  absl::Status StartAll() {
    for (int i = 0; i < size(); ++i) {
      if (absl::Status s = Start(i); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  void Stop(int i) { nodes_[i].reset(); }

  // The running node that leads, once one does (at most 10 s), or -1.
  int Leader() {
    return WaitForLeader(size(), [this](int i) { return nodes_[i].get(); });
  }

 private:
  std::function<RaftStateMachine*(int)> machine_;
  std::filesystem::path root_;
  std::vector<RaftPeer> peers_;
  std::vector<std::unique_ptr<RaftNode>> nodes_;
};

}  // namespace synapsed::storage::cluster::testing

#endif  // SYNAPSED_CLUSTER_RAFT_TEST_UTIL_H_
