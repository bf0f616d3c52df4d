// RaftNode: one member of one Raft group, on libraft (Canonical's C Raft,
// 0.15 in Debian) with its libuv TCP transport and segment store (raft_uv).
// It owns a libuv loop and the thread that runs it; every libraft call is
// made on that thread, and the public methods hand work to it and wait.
//
// What libraft leaves to its user, and how this class handles it:
//   - raft.h has no extern "C": it is included inside one here.
//   - An entry whose length is not a multiple of 8 makes a restart fail to
//     load the log: every command is framed as [u32 length][bytes][zero
//     padding to a multiple of 8] (raft_command.h), and Apply sees the bytes.
//   - apply() is not told the entry's index: it is raft_last_applied() + 1
//     when apply runs, passed to the state machine, which stores it with
//     its data and skips entries at or below it (a replay after a restart).
//   - An apply that returns an error wedges the apply loop: apply always
//     succeeds, and a command's failure is in the result bytes the state
//     machine returns (the proposer decodes them).
//   - apply()'s result pointer is handed only to the leader's request, and
//     leaks on followers if allocated: results are kept here by index,
//     only while this node leads, and handed to the waiting Propose.
//   - raft_uv wants a file system with O_DIRECT (ext4, xfs) or tmpfs for
//     `dir`; it probes the directory when it starts.
//   - A write to a peer that went away raises SIGPIPE: the loop thread
//     blocks it, so the process lives and the write fails.
//   - The transport has no authentication: with a cluster secret every
//     connection proves it first (raft_auth_transport.h); without one the
//     node refuses any address but loopback.
//
// Thread-safe: every public method may be called from any thread but the
// loop's own (they wait for it). Stop (or the destructor) closes the node.
#ifndef SYNAPSED_CLUSTER_RAFT_NODE_H_
#define SYNAPSED_CLUSTER_RAFT_NODE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/secure_key.h"

namespace synapsed::storage::cluster {

// What a Raft group replicates into. Called on the node's loop thread only,
// one call at a time.
class RaftStateMachine {
 public:
  virtual ~RaftStateMachine() = default;
  // Applies the committed command at `index` (indexes rise by one, except
  // that entries the log holds for Raft itself are not passed) and returns
  // the result for whoever proposed it. Must not fail: a command that cannot
  // be carried out says so in its result.
  virtual std::string Apply(uint64_t index, std::string_view command) = 0;
  // The whole state, for a follower too far behind the log.
  virtual std::string Snapshot() = 0;
  // Replaces the state with a snapshot's.
  [[nodiscard]] virtual absl::Status Restore(std::string_view snapshot) = 0;
};

struct RaftPeer {
  uint64_t id = 0;
  std::string address;  // "127.0.0.1:port"
};

struct RaftNodeOptions {
  uint64_t id = 0;
  std::string address;  // this node's, as in `voters`
  std::string dir;      // the log and snapshots (created if missing)
  // The first configuration, used only when `dir` holds no Raft state yet.
  // Empty: the node joins a group that exists — it waits, with no
  // configuration of its own, until a leader adds it (AddVoter) and sends
  // it the log or a snapshot.
  std::vector<RaftPeer> voters;
  RaftStateMachine* state_machine = nullptr;  // not owned; outlives the node
  // The secret every member of the group holds: each connection, in and
  // out, proves it before Raft sees it (docs/format/raft_auth.md). Not
  // owned; outlives the node. Required unless `address` is loopback
  // (127.x.x.x).
  const crypto::SecureKey* cluster_secret = nullptr;
  // How long a connection may take to prove the secret before it is closed.
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds election_timeout{500};
  std::chrono::milliseconds heartbeat_timeout{50};
  std::chrono::milliseconds install_snapshot_timeout{5000};
  // Entries after which a snapshot is taken (and the log before it trimmed,
  // keeping snapshot_trailing entries).
  unsigned snapshot_threshold = 1024;
  unsigned snapshot_trailing = 128;
};

struct RaftPeerProgress {
  uint64_t id = 0;
  std::string address;
  bool voter = false;
  uint64_t match_index = 0;  // highest entry known to be on it
  // Heard from within the last election timeout (this node included).
  bool reachable = false;
};

struct RaftStatus {
  uint64_t id = 0;
  uint64_t leader_id = 0;  // 0: no leader known
  std::string leader_address;
  bool is_leader = false;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t last_applied = 0;
  // On the leader: every member's progress, and how many voters (itself
  // included) are reachable. Elsewhere: empty and 0.
  std::vector<RaftPeerProgress> peers;
  uint32_t reachable_voters = 0;
  // Incoming connections closed for not proving the cluster secret (0
  // without one).
  uint64_t rejected_connections = 0;
};

class RaftNode {
 public:
  // Starts the node: opens (or bootstraps) its log in options.dir, listens
  // on options.address, and joins elections.
  static absl::StatusOr<std::unique_ptr<RaftNode>> Start(const RaftNodeOptions& options);
  ~RaftNode();
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  // Proposes a command; returns its result once this node applied it.
  // FailedPrecondition "not the leader" (with the leader's address if
  // known) when this node does not lead; Unavailable if leadership was lost
  // before the entry committed (it may or may not commit later) or the
  // deadline passed. With min_replicas > 0, fewer reachable voters than
  // that (this node included) is Unavailable "insufficient replicas"
  // naming both counts, and nothing is proposed.
  absl::StatusOr<std::string> Propose(std::string_view command,
                                      std::chrono::milliseconds timeout,
                                      uint32_t min_replicas = 0);
  // Returns once every entry committed before the call is applied here,
  // having confirmed this node still leads (a strong read may follow).
  absl::Status Barrier(std::chrono::milliseconds timeout);
  RaftStatus Status();

  // Membership changes, on the leader (FailedPrecondition "not the leader"
  // elsewhere), one at a time (libraft refuses a second while one is under
  // way). Each returns once the new configuration has committed.
  //
  // Adds member `id` at `address` as a voter: it enters as a spare,
  // libraft catches it up (by the log, or by a snapshot when the entries it
  // lacks are trimmed) and promotes it once it is within a round of the
  // leader. A member that is already a voter is left as it is.
  absl::Status AddVoter(uint64_t id, const std::string& address,
                        std::chrono::milliseconds timeout);
  // Removes member `id` — this leader too: it leads until the change
  // commits, then steps down and the rest elect a leader among themselves.
  absl::Status RemoveMember(uint64_t id, std::chrono::milliseconds timeout);
  // Hands leadership to voter `id` (0: the most up-to-date one) and returns
  // once `id` leads, or FailedPrecondition if it did not within `timeout`.
  absl::Status TransferLeadership(uint64_t id, std::chrono::milliseconds timeout);

  // Leaves the group's elections and closes the log. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit RaftNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_RAFT_NODE_H_
