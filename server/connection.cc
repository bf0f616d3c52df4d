#include "server/connection.h"

#include "server/command.h"
#include "server/event_loop.h"

namespace synapsed::storage::server {
namespace {

// A write in flight owns its bytes until libuv calls back.
struct WriteRequest {
  uv_write_t req;
  std::string data;
};

std::string AddressOf(const sockaddr_storage& ss) {
  char ip[64] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
    return std::string("[") + ip + "]:" + std::to_string(port);
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
  uv_ip4_name(a, ip, sizeof(ip));
  port = ntohs(a->sin_port);
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(EventLoop* loop)
    : loop_(loop),
      state_(loop->state()),
      parser_(loop->options().limits, IsKeyArgument),
      session_(loop->state(), &info_, &out_, [this] { uv_async_send(&wake_); }) {
  uv_tcp_init(loop->loop(), &tcp_);
  tcp_.data = this;
  uv_async_init(loop->loop(), &wake_, OnWake);
  wake_.data = this;
  open_handles_ = 2;
  info_.created_ms = NowMs();
  info_.last_ms.store(info_.created_ms);
}

Connection::~Connection() = default;

void Connection::Accept(EventLoop* loop, uv_stream_t* listener) {
  auto* c = new Connection(loop);
  loop->Add(c);
  if (uv_accept(listener, c->stream()) != 0) return c->Close();
  uv_tcp_nodelay(&c->tcp_, 1);
  sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&c->tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->info_.addr = AddressOf(ss);
  }
  len = sizeof(ss);
  if (uv_tcp_getsockname(&c->tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->info_.laddr = AddressOf(ss);
  }
  ServerState* state = loop->state();
  state->stats.connections_received.fetch_add(1, std::memory_order_relaxed);
  if (!state->clients.Add(&c->info_, loop->options().max_clients)) {
    state->stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    c->out_ = "-ERR max number of clients reached\r\n";
    c->draining_ = true;
    c->Flush();
    return;
  }
  c->registered_ = true;
  c->StartReading();
}

void Connection::StartReading() {
  if (reading_ || closing_ || draining_) return;
  reading_ = uv_read_start(stream(), OnAlloc, OnRead) == 0;
}

void Connection::StopReading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(c->loop_->read_buffer(), c->loop_->read_buffer_size());
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    // EOF or an error: the client is gone; what it pipelined but did not
    // wait for is not run (Redis does the same).
    c->Close();
    return;
  }
  if (nread == 0) return;
  c->state_->stats.net_input_bytes.fetch_add(nread, std::memory_order_relaxed);
  c->info_.last_ms.store(NowMs(), std::memory_order_relaxed);
  c->parser_.Feed(std::string_view(buf->base, static_cast<size_t>(nread)));
  c->Process();
}

void Connection::Process() {
  const size_t limit = loop_->options().max_output_bytes;
  std::vector<std::string> args;
  while (!closing_ && !draining_ && unsent_ + out_.size() < limit) {
    const RespParser::Result r = parser_.Next(&args);
    if (r == RespParser::Result::kNeedMore) break;
    if (r == RespParser::Result::kError) {
      state_->stats.protocol_errors.fetch_add(1, std::memory_order_relaxed);
      session_.FlushBatch();
      ReplyWriter(&out_).Error("ERR " + parser_.error());
      draining_ = true;
      break;
    }
    session_.Execute(std::move(args));
    args.clear();
    if (session_.close_requested()) draining_ = true;
  }
  session_.FlushBatch();
  DeliverChanges();
  Flush();
  if (closing_) return;
  if (draining_) {
    StopReading();
    if (unsent_ == 0) Close();
  } else if (unsent_ >= limit) {
    StopReading();
  } else {
    StartReading();
  }
}

void Connection::Flush() {
  if (out_.empty() || closing_) return;
  auto* w = new WriteRequest;
  w->req.data = this;
  w->data.swap(out_);
  unsent_ += w->data.size();
  state_->stats.net_output_bytes.fetch_add(w->data.size(), std::memory_order_relaxed);
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (uv_write(&w->req, stream(), &buf, 1, OnWrite) != 0) {
    unsent_ -= w->data.size();
    delete w;
    Close();
  }
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteRequest*>(req);
  auto* c = static_cast<Connection*>(req->data);
  c->unsent_ -= w->data.size();
  delete w;
  if (c->closing_) return;
  if (status < 0) return c->Close();
  if (c->draining_) {
    if (c->unsent_ == 0) c->Close();
    return;
  }
  // Resume once the backlog has drained to half the limit.
  if (c->unsent_ > c->loop_->options().max_output_bytes / 2) return;
  if (!c->reading_) {
    c->Process();
  } else if (c->deliver_pending_) {
    c->DeliverChanges();
    c->Flush();
  }
}

void Connection::OnWake(uv_async_t* async) {
  auto* c = static_cast<Connection*>(async->data);
  c->DeliverChanges();
  c->Flush();
}

void Connection::DeliverChanges() {
  if (closing_ || draining_ || !session_.subscribed()) return;
  if (session_.KeyspaceEnded()) {
    // Its stream fell behind while the output was backed up: drop the
    // subscriber, as Redis's client-output-buffer-limit for pubsub does.
    state_->stats.subscribers_dropped.fetch_add(1, std::memory_order_relaxed);
    return Close();
  }
  const size_t limit = loop_->options().max_output_bytes;
  const size_t backlog = unsent_ + out_.size();
  deliver_pending_ = backlog >= limit;
  if (deliver_pending_) return;
  switch (session_.Deliver(limit - backlog)) {
    case Subscriptions::Delivery::kIdle:
      break;
    case Subscriptions::Delivery::kFull:
      deliver_pending_ = true;
      break;
    case Subscriptions::Delivery::kDrop:
      // Its stream fell behind: drop the subscriber, as Redis's
      // client-output-buffer-limit for pubsub clients does.
      state_->stats.subscribers_dropped.fetch_add(1, std::memory_order_relaxed);
      Close();
      break;
  }
}

void Connection::Drain() {
  if (closing_) return;
  draining_ = true;
  StopReading();
  session_.FlushBatch();
  Flush();
  if (unsent_ == 0) Close();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  StopReading();
  if (registered_) state_->clients.Remove(&info_);
  registered_ = false;
  // No stream calls wake_ once this returns: then it can close.
  session_.EndSubscriptions();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), OnClose);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  if (--c->open_handles_ > 0) return;
  c->loop_->Remove(c);
  delete c;
}

}  // namespace synapsed::storage::server
