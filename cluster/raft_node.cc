#include "cluster/raft_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <thread>

extern "C" {  // raft.h declares C functions without saying so
#include <raft.h>
#include <raft/uv.h>
}

#include "util/mutex.h"
#include "cluster/raft_auth_transport.h"
#include "cluster/raft_command.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {
namespace {

using Clock = std::chrono::steady_clock;

absl::Status RaftError(int rv, std::string_view what) {
  const std::string msg = fmt::format("{}: {}", what, raft_strerror(rv));
  switch (rv) {
    case RAFT_NOTLEADER: return absl::FailedPreconditionError(msg);
    case RAFT_LEADERSHIPLOST:
    case RAFT_SHUTDOWN:
    case RAFT_NOCONNECTION:
    case RAFT_BUSY: return absl::UnavailableError(msg);
    case RAFT_NOSPACE: return absl::ResourceExhaustedError(msg);
    case RAFT_CORRUPT: return absl::DataLossError(msg);
    case RAFT_IOERR: return absl::UnavailableError(msg);
    default: return absl::InternalError(msg);
  }
}

// Why a listener on `address` ("ip:port") could not start, as far as a
// bind of it now tells ("" if it can bind).
std::string ListenProblem(const std::string& address) {
  const size_t colon = address.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (colon == std::string::npos ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &a.sin_addr) != 1) {
    return "";
  }
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  const int err = errno;
  close(fd);
  return rc == 0 ? "" : fmt::format("cannot listen on {}: {}", address, std::strerror(err));
}

}  // namespace

struct RaftNode::Impl {
  RaftNodeOptions o;
  uv_loop_t loop{};
  uv_async_t wake{};
  raft_uv_transport transport{};              // without a cluster secret
  std::unique_ptr<RaftAuthTransport> auth;     // with one
  raft_io io{};
  raft_fsm fsm{};
  struct raft raft {};
  std::thread thread;

  Mutex mu;
  std::vector<std::function<void()>> queue ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;  // no more work is taken

  // Loop thread only.
  bool stopping = false;
  bool closing = false;  // raft_close was called; OnClosed will finish
  std::map<uint64_t, std::string> results;  // by index, while leading
  std::unique_ptr<std::string> snapshot;    // between snapshot and finalize
  raft_buffer snapshot_buf{};

  // Runs fn on the loop thread; false if the node is closed.
  bool Post(std::function<void()> fn) {
    MutexLock l(&mu);
    if (closed) return false;
    queue.push_back(std::move(fn));
    uv_async_send(&wake);
    return true;
  }

  void Drain() {
    std::vector<std::function<void()>> work;
    {
      MutexLock l(&mu);
      work.swap(queue);
    }
    for (auto& fn : work) fn();
  }

  // Voters heard from within an election timeout, this leader included.
  //
  // libraft's own flag (progress.recent_recv) is not enough: its leader
  // clears every flag once per election timeout and sets each again when
  // that follower next answers, so right after a clearing every follower
  // looks silent and a write would be refused with "insufficient replicas"
  // on a healthy group. reach_timer samples the flags each heartbeat into
  // last_heard, and a voter counts as reachable if its flag is set or it
  // was seen within an election timeout and a heartbeat.
  uint32_t ReachableVoters() {
    SampleReachability();
    const auto window = o.election_timeout + o.heartbeat_timeout;
    const auto now = Clock::now();
    uint32_t n = 0;
    for (unsigned i = 0; i < raft.configuration.n; ++i) {
      const raft_server& server = raft.configuration.servers[i];
      if (server.role != RAFT_VOTER) continue;
      auto heard = last_heard.find(server.id);
      if (server.id == raft.id ||
          (heard != last_heard.end() && now - heard->second <= window)) {
        ++n;
      }
    }
    return n;
  }

  // Loop thread: notes which followers answered since the flags were last
  // cleared. Forgets everything when this node does not lead (a new term's
  // leader starts from what it hears).
  void SampleReachability() {
    if (raft_state(&raft) != RAFT_LEADER) {
      last_heard.clear();
      return;
    }
    const auto now = Clock::now();
    for (unsigned i = 0; i < raft.configuration.n; ++i) {
      if (raft.leader_state.progress[i].recent_recv) {
        last_heard[raft.configuration.servers[i].id] = now;
      }
    }
  }
  uv_timer_t reach_timer{};
  std::map<uint64_t, Clock::time_point> last_heard;  // loop thread only

  // On the loop thread: why this node may not act as the leader now
  // (stopping, or not leading), or OK.
  absl::Status CheckLeading() {
    if (stopping) return absl::UnavailableError("the Raft node is stopping");
    if (raft_state(&raft) != RAFT_LEADER) return absl::FailedPreconditionError(NotLeaderMessage());
    return absl::OkStatus();
  }

  std::string NotLeaderMessage() {
    raft_id id = 0;
    const char* address = nullptr;
    raft_leader(&raft, &id, &address);
    return id == 0 ? std::string("not the leader; no leader is known yet")
                   : fmt::format("not the leader; the leader is node {} at {}", id,
                                 address != nullptr ? address : "?");
  }

  // --- the state machine, as libraft calls it ---
  static int FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
    auto* self = static_cast<Impl*>(fsm->data);
    *result = nullptr;  // results travel through `results`, never leak here
    const uint64_t index = raft_last_applied(&self->raft) + 1;
    auto command =
        UnframeCommand(std::string_view(static_cast<const char*>(buf->base), buf->len));
    std::string out = command ? self->o.state_machine->Apply(index, *command)
                              : std::string("ERR malformed log entry");
    if (raft_state(&self->raft) == RAFT_LEADER) {
      self->results[index] = std::move(out);
      // A result nobody collects (its proposer lost leadership and timed
      // out) is not kept forever.
      while (!self->results.empty() && self->results.begin()->first + 100000 < index) {
        self->results.erase(self->results.begin());
      }
    }
    return 0;
  }

  static int FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
    auto* self = static_cast<Impl*>(fsm->data);
    self->snapshot = std::make_unique<std::string>(self->o.state_machine->Snapshot());
    self->snapshot_buf.base = self->snapshot->data();
    self->snapshot_buf.len = self->snapshot->size();
    *bufs = &self->snapshot_buf;
    *n_bufs = 1;
    return 0;
  }

  static int FsmSnapshotFinalize(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
    auto* self = static_cast<Impl*>(fsm->data);
    self->snapshot.reset();
    *bufs = nullptr;
    *n_bufs = 0;
    return 0;
  }

  static int FsmRestore(raft_fsm* fsm, raft_buffer* buf) {
    auto* self = static_cast<Impl*>(fsm->data);
    absl::Status s = self->o.state_machine->Restore(
        std::string_view(static_cast<const char*>(buf->base), buf->len));
    if (!s.ok()) return RAFT_CORRUPT;
    raft_free(buf->base);  // on success the buffer is ours to free
    return 0;
  }

  // --- starting and stopping, on the loop thread ---
  raft_uv_transport* Transport() { return auth != nullptr ? auth->transport() : &transport; }
  // Frees the transport's memory (after Raft closed it, or never used it).
  void CloseTransport() {
    if (auth != nullptr) {
      auth.reset();
    } else {
      raft_uv_tcp_close(&transport);
    }
  }

  absl::Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(o.dir, ec);
    if (ec) return absl::UnavailableError(fmt::format("create {}: {}", o.dir, ec.message()));
    int rv = 0;
    if (o.cluster_secret != nullptr) {
      auto created = RaftAuthTransport::Create(&loop, *o.cluster_secret, o.handshake_timeout);
      if (!created.ok()) return created.status();
      auth = std::move(*created);
    } else {
      rv = raft_uv_tcp_init(&transport, &loop);
      if (rv != 0) return RaftError(rv, "raft_uv_tcp_init");
    }
    rv = raft_uv_init(&io, &loop, o.dir.c_str(), Transport());
    if (rv != 0) {
      CloseTransport();
      return RaftError(rv, fmt::format("raft_uv_init {}", o.dir));
    }
    fsm.version = 2;
    fsm.data = this;
    fsm.apply = FsmApply;
    fsm.snapshot = FsmSnapshot;
    fsm.snapshot_finalize = FsmSnapshotFinalize;
    fsm.restore = FsmRestore;
    rv = raft_init(&raft, &io, &fsm, o.id, o.address.c_str());
    if (rv != 0) {
      const absl::Status s = RaftError(rv, fmt::format("raft_init: {}", raft_errmsg(&raft)));
      raft_uv_close(&io);
      CloseTransport();
      return s;
    }
    raft.data = this;
    raft_set_election_timeout(&raft, static_cast<unsigned>(o.election_timeout.count()));
    raft_set_heartbeat_timeout(&raft, static_cast<unsigned>(o.heartbeat_timeout.count()));
    raft_set_install_snapshot_timeout(
        &raft, static_cast<unsigned>(o.install_snapshot_timeout.count()));
    raft_set_snapshot_threshold(&raft, o.snapshot_threshold);
    raft_set_snapshot_trailing(&raft, o.snapshot_trailing);
    if (!o.voters.empty()) {
      raft_configuration conf;
      raft_configuration_init(&conf);
      for (const RaftPeer& p : o.voters) {
        rv = raft_configuration_add(&conf, p.id, p.address.c_str(), RAFT_VOTER);
        if (rv != 0) break;
      }
      if (rv == 0) rv = raft_bootstrap(&raft, &conf);
      raft_configuration_close(&conf);
      if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) {  // CANTBOOTSTRAP: state exists already
        const absl::Status s = RaftError(rv, "raft_bootstrap");
        raft_close(&raft, OnClosed);
        closing = true;
        return s;
      }
    }
    rv = raft_start(&raft);
    if (rv != 0) {
      // libraft 0.15 leaves raft_errmsg empty when the I/O backend fails to
      // start (the transport's listen, for one): say what the layers below
      // said instead.
      std::string why = raft_errmsg(&raft);
      if (why.empty()) why = io.errmsg;
      if (why.empty()) why = Transport()->errmsg;
      if (why.empty()) why = ListenProblem(o.address);
      const absl::Status s =
          RaftError(rv, fmt::format("raft_start on {} ({}): {}", o.address, o.dir, why));
      raft_close(&raft, OnClosed);
      closing = true;
      return s;
    }
    return absl::OkStatus();
  }

  static void OnClosed(struct raft* r) {
    auto* self = static_cast<Impl*>(r->data);
    self->stopping = true;
    raft_uv_close(&self->io);
    self->CloseTransport();
    {
      MutexLock l(&self->mu);
      self->closed = true;
    }
    self->Drain();  // whatever was posted meanwhile fails fast (stopping)
    uv_close(reinterpret_cast<uv_handle_t*>(&self->wake), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->reach_timer), nullptr);
  }

  // libraft 0.15 crashed inside raft_close when it closed a leader whose
  // own log writes were still in flight (most runs of
  // ReplicatedLinearizability, whose clients keep several writes going).
  // Likely why: each cancelled write truncates the in-memory log from its
  // first entry, and the next one then releases entries already gone. So
  // a leader first lets its writes finish (new proposals are refused from
  // here on), for at most kStopDrain, checking every millisecond. A node
  // that is killed never gets here; this is for a clean stop.
  static constexpr std::chrono::milliseconds kStopDrain{2000};
  uv_timer_t stop_timer{};
  Clock::time_point stop_deadline;

  bool WritesInFlight() {
    return raft_state(&raft) == RAFT_LEADER && raft.last_stored < raft_last_index(&raft);
  }

  void BeginStop() {
    if (stopping) return;
    stopping = true;
    if (!WritesInFlight()) {
      raft_close(&raft, OnClosed);
      return;
    }
    stop_deadline = Clock::now() + kStopDrain;
    uv_timer_init(&loop, &stop_timer);
    stop_timer.data = this;
    uv_timer_start(&stop_timer, [](uv_timer_t* t) {
      auto* self = static_cast<Impl*>(t->data);
      if (self->WritesInFlight() && Clock::now() < self->stop_deadline) return;
      uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
      raft_close(&self->raft, OnClosed);
    }, 1, 1);
  }

  void Run(std::promise<absl::Status>* started) {
    // A peer that closed its socket makes the next write raise SIGPIPE,
    // which would kill the process; blocked on this thread (the only one
    // that writes to Raft sockets), the write fails with EPIPE instead.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    uv_loop_init(&loop);
    wake.data = this;
    uv_async_init(&loop, &wake, [](uv_async_t* a) { static_cast<Impl*>(a->data)->Drain(); });
    reach_timer.data = this;
    uv_timer_init(&loop, &reach_timer);
    const uint64_t every = std::max<int64_t>(1, o.heartbeat_timeout.count());
    uv_timer_start(&reach_timer, [](uv_timer_t* t) {
      static_cast<Impl*>(t->data)->SampleReachability();
    }, every, every);
    absl::Status s = Open();
    if (!s.ok() && !closing) {  // else OnClosed closes the rest
      {
        MutexLock l(&mu);
        closed = true;
      }
      uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&reach_timer), nullptr);
    }
    started->set_value(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

absl::StatusOr<std::unique_ptr<RaftNode>> RaftNode::Start(const RaftNodeOptions& options) {
  if (options.id == 0 || options.state_machine == nullptr || options.address.empty() ||
      options.dir.empty()) {
    return absl::InvalidArgumentError(
        "RaftNode: id (non-zero), address, dir and state_machine are required");
  }
  if (options.cluster_secret == nullptr && !options.address.starts_with("127.")) {
    return absl::InvalidArgumentError(fmt::format(
        "RaftNode: address {} is not loopback, so a cluster secret is required (the Raft "
        "port has no authentication of its own)",
        options.address));
  }
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  std::promise<absl::Status> started;
  auto done = started.get_future();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw, &started] { raw->Run(&started); });
  absl::Status s = done.get();
  if (!s.ok()) {
    impl->thread.join();
    return s;
  }
  return std::unique_ptr<RaftNode>(new RaftNode(std::move(impl)));
}

RaftNode::RaftNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RaftNode::~RaftNode() { Stop(); }

void RaftNode::Stop() {
  if (!impl_->thread.joinable()) return;
  Impl* self = impl_.get();
  self->Post([self] { self->BeginStop(); });
  impl_->thread.join();
}

absl::StatusOr<std::string> RaftNode::Propose(std::string_view command,
                                              std::chrono::milliseconds timeout,
                                              uint32_t min_replicas) {
  struct Request {
    struct raft_apply req {};
    Impl* self;
    std::promise<absl::StatusOr<std::string>> done;
  };
  auto request = std::make_unique<Request>();
  request->self = impl_.get();
  auto result = request->done.get_future();
  std::string entry = FrameCommand(command);
  Request* r = request.release();  // owned by the loop from here
  const bool posted = impl_->Post([r, entry = std::move(entry), min_replicas] {
    Impl* self = r->self;
    if (self->stopping) {
      r->done.set_value(absl::UnavailableError("the Raft node is stopping"));
      delete r;
      return;
    }
    if (raft_state(&self->raft) != RAFT_LEADER) {
      r->done.set_value(absl::FailedPreconditionError(self->NotLeaderMessage()));
      delete r;
      return;
    }
    if (const uint32_t reachable = self->ReachableVoters(); reachable < min_replicas) {
      r->done.set_value(absl::UnavailableError(
          fmt::format("insufficient replicas: {} required, {} reachable; nothing was applied",
                      min_replicas, reachable)));
      delete r;
      return;
    }
    raft_buffer buf;
    buf.len = entry.size();
    buf.base = raft_malloc(buf.len);
    std::memcpy(buf.base, entry.data(), buf.len);
    r->req.data = r;
    const int rv = raft_apply(&self->raft, &r->req, &buf, 1, [](struct raft_apply* req, int status,
                                                               void*) {
      auto* r = static_cast<Request*>(req->data);
      Impl* self = r->self;
      auto it = self->results.find(req->index);
      if (status != 0) {
        r->done.set_value(RaftError(status, "the entry did not commit here (it may still "
                                            "commit under the next leader)"));
      } else if (it == self->results.end()) {
        r->done.set_value(absl::InternalError("applied, but its result is gone"));
      } else {
        r->done.set_value(std::move(it->second));
      }
      if (it != self->results.end()) self->results.erase(it);
      delete r;
    });
    if (rv != 0) {
      raft_free(buf.base);
      r->done.set_value(RaftError(rv, "raft_apply"));
      delete r;
    }
  });
  if (!posted) {
    delete r;
    return absl::UnavailableError("the Raft node is stopped");
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    return absl::UnavailableError(fmt::format(
        "no answer within {} ms (the command may or may not be applied)", timeout.count()));
  }
  return result.get();
}

namespace {

// A barrier is a read: losing leadership under it is the same answer as not
// having been the leader, which a client retries at the new leader.
absl::Status BarrierStatus(int rv) {
  if (rv == 0) return absl::OkStatus();
  if (rv == RAFT_LEADERSHIPLOST || rv == RAFT_NOTLEADER) {
    return absl::FailedPreconditionError(
        "not the leader; leadership was lost during the read barrier");
  }
  return RaftError(rv, "barrier");
}

}  // namespace

absl::Status RaftNode::Barrier(std::chrono::milliseconds timeout) {
  struct Request {
    struct raft_barrier req {};
    Impl* self;
    std::promise<absl::Status> done;
  };
  auto request = std::make_unique<Request>();
  request->self = impl_.get();
  auto result = request->done.get_future();
  Request* r = request.release();
  const bool posted = impl_->Post([r] {
    Impl* self = r->self;
    if (absl::Status s = self->CheckLeading(); !s.ok()) {
      r->done.set_value(std::move(s));
      delete r;
      return;
    }
    r->req.data = r;
    const int rv = raft_barrier(&self->raft, &r->req, [](struct raft_barrier* req, int status) {
      auto* r = static_cast<Request*>(req->data);
      r->done.set_value(BarrierStatus(status));
      delete r;
    });
    if (rv != 0) {
      r->done.set_value(BarrierStatus(rv));
      delete r;
    }
  });
  if (!posted) {
    delete r;
    return absl::UnavailableError("the Raft node is stopped");
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    return absl::UnavailableError(fmt::format("no barrier within {} ms", timeout.count()));
  }
  return result.get();
}

namespace {

// One membership change in flight: libraft calls back with `req`, and
// `then` (when set) makes the change's next step (raft_add, then
// raft_assign) with the same request.
struct ChangeRequest {
  struct raft_change req {};
  std::promise<absl::Status> done;
  std::function<int(struct raft_change*)> then;
};

void OnChange(struct raft_change* req, int status) {
  auto* r = static_cast<ChangeRequest*>(req->data);
  if (status == 0 && r->then) {
    auto next = std::move(r->then);
    r->then = nullptr;
    status = next(req);
    if (status == 0) return;  // called back again when it commits
  }
  r->done.set_value(status == 0 ? absl::OkStatus()
                                : RaftError(status, "the membership change did not commit"));
  delete r;
}

absl::Status AwaitChange(std::future<absl::Status> result, std::chrono::milliseconds timeout) {
  if (result.wait_for(timeout) != std::future_status::ready) {
    return absl::UnavailableError(fmt::format(
        "the membership change did not commit within {} ms (it may still)", timeout.count()));
  }
  return result.get();
}

}  // namespace

absl::Status RaftNode::AddVoter(uint64_t id, const std::string& address,
                                std::chrono::milliseconds timeout) {
  if (id == 0 || address.empty()) {
    return absl::InvalidArgumentError("AddVoter: a member needs an id (non-zero) and an address");
  }
  auto* r = new ChangeRequest;
  r->req.data = r;
  auto result = r->done.get_future();
  Impl* self = impl_.get();
  const bool posted = self->Post([self, r, id, address] {
    if (absl::Status s = self->CheckLeading(); !s.ok()) {
      r->done.set_value(std::move(s));
      delete r;
      return;
    }
    auto promote = [self, id](struct raft_change* req) {
      return raft_assign(&self->raft, req, id, RAFT_VOTER, OnChange);
    };
    const raft_server* known = nullptr;
    for (unsigned i = 0; i < self->raft.configuration.n; ++i) {
      if (self->raft.configuration.servers[i].id == id) known = &self->raft.configuration.servers[i];
    }
    int rv = 0;
    if (known == nullptr) {
      r->then = promote;
      rv = raft_add(&self->raft, &r->req, id, address.c_str(), OnChange);
    } else if (known->role != RAFT_VOTER) {
      rv = promote(&r->req);  // added before (a retry): promote it
    } else {
      r->done.set_value(absl::OkStatus());  // a voter already
      delete r;
      return;
    }
    if (rv != 0) {
      r->done.set_value(RaftError(rv, fmt::format("adding member {} at {}", id, address)));
      delete r;
    }
  });
  if (!posted) {
    delete r;
    return absl::UnavailableError("the Raft node is stopped");
  }
  return AwaitChange(std::move(result), timeout);
}

absl::Status RaftNode::RemoveMember(uint64_t id, std::chrono::milliseconds timeout) {
  auto* r = new ChangeRequest;
  r->req.data = r;
  auto result = r->done.get_future();
  Impl* self = impl_.get();
  const bool posted = self->Post([self, r, id] {
    if (absl::Status s = self->CheckLeading(); !s.ok()) {
      r->done.set_value(std::move(s));
      delete r;
      return;
    }
    if (const int rv = raft_remove(&self->raft, &r->req, id, OnChange); rv != 0) {
      r->done.set_value(RaftError(rv, fmt::format("removing member {}", id)));
      delete r;
    }
  });
  if (!posted) {
    delete r;
    return absl::UnavailableError("the Raft node is stopped");
  }
  return AwaitChange(std::move(result), timeout);
}

absl::Status RaftNode::TransferLeadership(uint64_t id, std::chrono::milliseconds timeout) {
  struct Request {
    struct raft_transfer req {};
    std::promise<absl::Status> done;
  };
  auto* r = new Request;
  r->req.data = r;
  auto result = r->done.get_future();
  Impl* self = impl_.get();
  const bool posted = self->Post([self, r, id] {
    if (absl::Status s = self->CheckLeading(); !s.ok()) {
      r->done.set_value(std::move(s));
      delete r;
      return;
    }
    // libraft calls back once the target leads or an election timeout
    // passed; whether it worked is asked below.
    const int rv = raft_transfer(&self->raft, &r->req, id, [](struct raft_transfer* req) {
      auto* r = static_cast<Request*>(req->data);
      r->done.set_value(absl::OkStatus());
      delete r;
    });
    if (rv != 0) {
      r->done.set_value(RaftError(rv, fmt::format("transferring leadership to {}", id)));
      delete r;
    }
  });
  if (!posted) {
    delete r;
    return absl::UnavailableError("the Raft node is stopped");
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    return absl::UnavailableError(
        fmt::format("leadership was not handed over within {} ms", timeout.count()));
  }
  RETURN_IF_ERROR(result.get());
  const RaftStatus s = Status();
  if (s.leader_id == 0 || s.is_leader || (id != 0 && s.leader_id != id)) {
    return absl::FailedPreconditionError(fmt::format(
        "leadership was not handed over to {} (the leader now: {})", id == 0 ? "a voter" : std::to_string(id),
        s.leader_id));
  }
  return absl::OkStatus();
}

RaftStatus RaftNode::Status() {
  auto done = std::make_shared<std::promise<RaftStatus>>();
  auto result = done->get_future();
  Impl* self = impl_.get();
  RaftStatus st;
  st.id = self->o.id;
  if (!self->Post([self, done] {
        RaftStatus s;
        s.id = self->o.id;
        if (!self->stopping) {
          raft_id id = 0;
          const char* address = nullptr;
          raft_leader(&self->raft, &id, &address);
          s.leader_id = id;
          s.leader_address = address != nullptr ? address : "";
          s.is_leader = raft_state(&self->raft) == RAFT_LEADER;
          s.term = self->raft.current_term;
          s.commit_index = self->raft.commit_index;
          s.last_applied = raft_last_applied(&self->raft);
          s.rejected_connections = self->auth != nullptr ? self->auth->rejected() : 0;
          if (s.is_leader) {
            s.reachable_voters = self->ReachableVoters();
            for (unsigned i = 0; i < self->raft.configuration.n; ++i) {
              const raft_server& server = self->raft.configuration.servers[i];
              const raft_progress& p = self->raft.leader_state.progress[i];
              s.peers.push_back({.id = server.id,
                                 .address = server.address,
                                 .voter = server.role == RAFT_VOTER,
                                 .match_index = server.id == self->o.id ? s.last_applied
                                                                        : p.match_index,
                                 .reachable = server.id == self->o.id || p.recent_recv});
            }
          }
        }
        done->set_value(s);
      })) {
    return st;
  }
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return st;
  return result.get();
}

}  // namespace synapsed::storage::cluster
