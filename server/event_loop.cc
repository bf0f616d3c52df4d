#include "server/event_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "server/connection.h"

namespace synapsed::storage::server {

absl::StatusOr<int> ListenSocket(const sockaddr* addr) {
  const int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(fmt::format("socket: {}", std::strerror(errno)));
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
  const socklen_t len =
      addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (bind(fd, addr, len) != 0 || listen(fd, 511) != 0) {
    const int e = errno;
    close(fd);
    return absl::UnavailableError(fmt::format("bind/listen: {}", std::strerror(e)));
  }
  return fd;
}

EventLoop::EventLoop(int index, const ServerOptions* options, ServerState* state)
    : index_(index), options_(options), state_(state) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_, OnStop);
  stop_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  sync_work_.data = this;
}

EventLoop::~EventLoop() {
  if (!started_) {
    // Never started (a later loop failed to listen): close the handles here.
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&listener_),
                           reinterpret_cast<uv_handle_t*>(&stop_),
                           reinterpret_cast<uv_handle_t*>(&tick_)}) {
      uv_close(h, nullptr);
    }
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  Join();
  uv_loop_close(&loop_);
}

absl::Status EventLoop::Listen(const sockaddr* addr) {
  auto fd = ListenSocket(addr);
  if (!fd.ok()) return fd.status();
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(*fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (int r = uv_tcp_open(&listener_, *fd); r != 0) {
    close(*fd);
    return absl::UnavailableError(fmt::format("uv_tcp_open: {}", uv_strerror(r)));
  }
  if (int r = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511, OnConnection);
      r != 0) {
    return absl::UnavailableError(fmt::format("listen: {}", uv_strerror(r)));
  }
  return absl::OkStatus();
}

void EventLoop::Start() {
  uv_timer_start(&tick_, OnTick, 1000, 1000);
  started_ = true;
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

void EventLoop::Stop() {
  // Once: after OnStop the handle is closed. An atomic exchange is
  // async-signal-safe, as uv_async_send is.
  if (!stop_sent_.exchange(true)) uv_async_send(&stop_);
}

void EventLoop::Join() {
  if (thread_.joinable()) thread_.join();
}

void EventLoop::Remove(Connection* c) {
  connections_.erase(c);
  if (stopping_ && connections_.empty()) {
    uv_timer_stop(&tick_);
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&tick_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    }
  }
}

void EventLoop::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<EventLoop*>(listener->data);
  if (status < 0 || self->stopping_) return;
  Connection::Accept(self, listener);
}

void EventLoop::OnStop(uv_async_t* async) {
  auto* self = static_cast<EventLoop*>(async->data);
  if (self->stopping_) return;
  self->stopping_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&self->listener_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_), nullptr);
  // Drain may close a connection at once (which erases it from the set).
  const std::vector<Connection*> open(self->connections_.begin(), self->connections_.end());
  for (Connection* c : open) c->Drain();
  uv_timer_stop(&self->tick_);
  if (self->connections_.empty()) {
    uv_close(reinterpret_cast<uv_handle_t*>(&self->tick_), nullptr);
  } else {
    uv_timer_start(&self->tick_, OnDrainTimeout,
                   static_cast<uint64_t>(self->options_->drain_timeout_s) * 1000, 0);
  }
}

void EventLoop::OnDrainTimeout(uv_timer_t* timer) {
  auto* self = static_cast<EventLoop*>(timer->data);
  const std::vector<Connection*> open(self->connections_.begin(), self->connections_.end());
  for (Connection* c : open) c->Close();
}

void EventLoop::OnTick(uv_timer_t* timer) {
  auto* self = static_cast<EventLoop*>(timer->data);
  if (self->options_->idle_timeout_s > 0) {
    const int64_t cutoff = NowMs() - int64_t{self->options_->idle_timeout_s} * 1000;
    std::vector<Connection*> idle;
    for (Connection* c : self->connections_) {
      if (c->last_activity_ms() < cutoff) idle.push_back(c);
    }
    for (Connection* c : idle) c->Close();
  }
  if (self->index_ == 0 && self->state_->sync == SyncMode::kEverySec) self->SyncInBackground();
}

// An empty batch written with sync=true syncs the log without adding to it
// (engine/db_impl.cc, WriteImpl), through any backend's public API.
void EventLoop::SyncInBackground() {
  if (sync_running_) return;
  sync_running_ = true;
  uv_queue_work(
      &loop_, &sync_work_,
      [](uv_work_t* work) {
        auto* self = static_cast<EventLoop*>(work->data);
        WriteOptions o;
        o.sync = true;
        if (self->state_->store->Write(o, WriteBatch()).ok()) {
          self->state_->stats.syncs.fetch_add(1);
        } else {
          self->state_->stats.sync_errors.fetch_add(1);
        }
      },
      [](uv_work_t* work, int) { static_cast<EventLoop*>(work->data)->sync_running_ = false; });
}

}  // namespace synapsed::storage::server
