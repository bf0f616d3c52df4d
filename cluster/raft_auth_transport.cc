#include "cluster/raft_auth_transport.h"

#include <uv.h>

#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <vector>

extern "C" {  // raft.h declares C functions without saying so
#include <raft.h>
#include <raft/uv.h>
}

#include "cluster/raft_auth.h"
#include "crypto/random_bytes.h"
#include "fmt/format.h"

namespace synapsed::storage::cluster {
namespace {

// One connection between raft_uv_tcp's preamble and Raft.
struct Handshake {
  enum class Step {
    kConnecting,  // outgoing: raft_uv_tcp is still connecting
    kHello,       // incoming: waiting for the connector's hello
    kChallenge,   // outgoing: hello sent, waiting for the acceptor's answer
    kProof,       // waiting for (incoming) or sending (outgoing) the connector's proof
  };

  RaftAuthTransport::Impl* t = nullptr;
  bool outgoing = false;
  Step step = Step::kConnecting;
  RaftAuthTranscript transcript;

  raft_uv_connect inner_req{};             // outgoing: raft_uv_tcp's request
  raft_uv_connect* outer_req = nullptr;    // outgoing: Raft's request
  std::string peer_address;                // incoming: for Raft's accept callback

  uv_stream_t* stream = nullptr;  // ours until handed to Raft or closed
  uv_timer_t timer{};
  int open_handles = 0;  // the stream and the timer, while this side owns them
  bool finished = false;

  uint8_t in[kRaftAuthChallengeSize]{};
  size_t want = 0;
  size_t got = 0;
  uint8_t out[kRaftAuthChallengeSize]{};
  uv_write_t write_req{};
  bool writing = false;
  bool verified = false;  // incoming: the proof checked, our answer still being written
};

}  // namespace

struct RaftAuthTransport::Impl {
  raft_uv_transport outer{};  // what Raft uses
  raft_uv_transport inner{};  // raft_uv_tcp
  bool inner_initialized = false;
  uv_loop_t* loop = nullptr;
  const crypto::SecureKey* secret = nullptr;
  std::chrono::milliseconds timeout{};
  raft_id id = 0;
  raft_uv_accept_cb accept_cb = nullptr;
  std::set<Handshake*> live;  // every handshake not yet freed
  bool closing = false;
  bool inner_closed = false;
  raft_uv_transport_close_cb close_cb = nullptr;
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};

  static Impl* Of(raft_uv_transport* outer) { return static_cast<Impl*>(outer->impl); }

  void MaybeFinishClose() {
    if (closing && inner_closed && live.empty() && close_cb != nullptr) {
      raft_uv_transport_close_cb cb = close_cb;
      close_cb = nullptr;
      cb(&outer);
    }
  }

  void Free(Handshake* h) {
    live.erase(h);
    delete h;
    MaybeFinishClose();
  }

  static void OnHandleClosed(Handshake* h) {
    if (--h->open_handles == 0 && !h->writing) h->t->Free(h);
  }

  // Ends a handshake: hands the stream to Raft on success, closes it
  // otherwise. `status` is what an outgoing attempt reports to Raft.
  void Finish(Handshake* h, bool success, int status) {
    if (h->finished) return;
    h->finished = true;
    uv_timer_stop(&h->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&h->timer), [](uv_handle_t* handle) {
      OnHandleClosed(static_cast<Handshake*>(handle->data));
    });
    uv_stream_t* stream = h->stream;
    h->stream = nullptr;
    uv_read_stop(stream);
    if (success) {
      --h->open_handles;  // Raft owns the stream now, and sets its data
      if (h->outgoing) {
        h->outer_req->cb(h->outer_req, stream, 0);
      } else {
        accepted.fetch_add(1, std::memory_order_relaxed);
        accept_cb(&outer, h->transcript.connector_id, h->peer_address.c_str(), stream);
      }
      return;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* handle) {
      auto* h = static_cast<Handshake*>(handle->data);
      raft_free(handle);  // raft_uv_tcp allocated it with raft's allocator
      OnHandleClosed(h);
    });
    if (h->outgoing) {
      h->outer_req->cb(h->outer_req, nullptr, status);
    } else if (!closing) {
      rejected.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void Fail(Handshake* h) { Finish(h, false, RAFT_NOCONNECTION); }

  void Read(Handshake* h, size_t n) {
    h->want = n;
    h->got = 0;
    const int rv = uv_read_start(
        h->stream,
        [](uv_handle_t* handle, size_t, uv_buf_t* buf) {
          auto* h = static_cast<Handshake*>(handle->data);
          // Exactly the rest of this message: never a byte of what follows.
          buf->base = reinterpret_cast<char*>(h->in + h->got);
          buf->len = h->want - h->got;
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
          auto* h = static_cast<Handshake*>(stream->data);
          if (nread == 0) return;
          if (nread < 0) return h->t->Fail(h);
          h->got += static_cast<size_t>(nread);
          if (h->got < h->want) return;
          uv_read_stop(stream);
          h->t->OnMessage(h);
        });
    if (rv != 0) Fail(h);
  }

  void Write(Handshake* h, const uint8_t* data, size_t n) {
    std::memcpy(h->out, data, n);
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(h->out), static_cast<unsigned>(n));
    h->write_req.data = h;
    h->writing = true;
    const int rv = uv_write(&h->write_req, h->stream, &buf, 1, [](uv_write_t* req, int status) {
      auto* h = static_cast<Handshake*>(req->data);
      h->writing = false;
      if (h->finished) {  // closed meanwhile: this write was cancelled
        if (h->open_handles == 0) h->t->Free(h);
        return;
      }
      if (status < 0) return h->t->Fail(h);
      if (h->outgoing && h->step == Handshake::Step::kProof) return h->t->Finish(h, true, 0);
      if (!h->outgoing && h->verified) return h->t->Finish(h, true, 0);
    });
    if (rv != 0) {
      h->writing = false;
      Fail(h);
    }
  }

  // Takes a stream raft_uv_tcp finished its preamble on.
  bool Begin(Handshake* h, uv_stream_t* stream) {
    h->stream = stream;
    stream->data = h;
    h->open_handles = 2;
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    uv_timer_start(&h->timer, [](uv_timer_t* timer) {
      auto* h = static_cast<Handshake*>(timer->data);
      h->t->Fail(h);
    }, static_cast<uint64_t>(timeout.count()), 0);
    RaftAuthNonce& mine =
        h->outgoing ? h->transcript.connector_nonce : h->transcript.acceptor_nonce;
    if (!crypto::RandomBytes(mine).ok()) {
      Fail(h);
      return false;
    }
    return true;
  }

  void OnMessage(Handshake* h) {
    switch (h->step) {
      case Handshake::Step::kHello: {  // incoming
        if (!DecodeRaftAuthHello(std::span<const uint8_t, kRaftAuthHelloSize>(h->in, kRaftAuthHelloSize),
                                 &h->transcript.connector_nonce)) {
          return Fail(h);
        }
        absl::StatusOr<RaftAuthProof> proof =
            RaftAuthProve(*secret, RaftAuthRole::kAcceptor, h->transcript);
        if (!proof.ok()) return Fail(h);
        uint8_t answer[kRaftAuthChallengeSize];
        std::memcpy(answer, h->transcript.acceptor_nonce.data(), kRaftAuthNonceSize);
        std::memcpy(answer + kRaftAuthNonceSize, proof->data(), kRaftAuthProofSize);
        h->step = Handshake::Step::kProof;
        Write(h, answer, sizeof(answer));
        if (!h->finished) Read(h, kRaftAuthProofSize);
        return;
      }
      case Handshake::Step::kChallenge: {  // outgoing
        std::memcpy(h->transcript.acceptor_nonce.data(), h->in, kRaftAuthNonceSize);
        if (!RaftAuthCheck(*secret, RaftAuthRole::kAcceptor, h->transcript,
                           std::span<const uint8_t, kRaftAuthProofSize>(
                               h->in + kRaftAuthNonceSize, kRaftAuthProofSize))) {
          return Fail(h);
        }
        absl::StatusOr<RaftAuthProof> proof =
            RaftAuthProve(*secret, RaftAuthRole::kConnector, h->transcript);
        if (!proof.ok()) return Fail(h);
        h->step = Handshake::Step::kProof;
        return Write(h, proof->data(), proof->size());  // Raft gets it once written
      }
      case Handshake::Step::kProof: {  // incoming
        if (!RaftAuthCheck(*secret, RaftAuthRole::kConnector, h->transcript,
                           std::span<const uint8_t, kRaftAuthProofSize>(h->in, kRaftAuthProofSize))) {
          return Fail(h);
        }
        h->verified = true;
        if (!h->writing) Finish(h, true, 0);  // else once our answer is written
        return;
      }
      case Handshake::Step::kConnecting:
        return Fail(h);
    }
  }

  // --- raft_uv_tcp's callbacks ---
  static void OnInnerAccept(raft_uv_transport* inner, raft_id id, const char* address,
                            uv_stream_t* stream) {
    Impl* t = static_cast<Impl*>(inner->data);
    auto* h = new Handshake;
    h->t = t;
    h->step = Handshake::Step::kHello;
    h->peer_address = address;
    h->transcript.connector_id = id;
    h->transcript.acceptor_id = t->id;
    t->live.insert(h);
    if (t->Begin(h, stream)) t->Read(h, kRaftAuthHelloSize);
  }

  static void OnInnerConnect(raft_uv_connect* req, uv_stream_t* stream, int status) {
    auto* h = static_cast<Handshake*>(req->data);
    Impl* t = h->t;
    if (status != 0 || t->closing) {
      if (status == 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* handle) { raft_free(handle); });
        status = RAFT_CANCELED;
      }
      h->outer_req->cb(h->outer_req, nullptr, status);
      t->Free(h);
      return;
    }
    h->step = Handshake::Step::kChallenge;
    if (!t->Begin(h, stream)) return;
    const std::array<uint8_t, kRaftAuthHelloSize> hello =
        EncodeRaftAuthHello(h->transcript.connector_nonce);
    t->Write(h, hello.data(), hello.size());
    if (!h->finished) t->Read(h, kRaftAuthChallengeSize);
  }

  // --- the raft_uv_transport interface Raft calls ---
  static int Init(raft_uv_transport* outer, raft_id id, const char* address) {
    Impl* t = Of(outer);
    t->id = id;
    const int rv = t->inner.init(&t->inner, id, address);
    if (rv != 0) std::memcpy(outer->errmsg, t->inner.errmsg, sizeof(outer->errmsg));
    return rv;
  }

  static int Listen(raft_uv_transport* outer, raft_uv_accept_cb cb) {
    Impl* t = Of(outer);
    t->accept_cb = cb;
    const int rv = t->inner.listen(&t->inner, OnInnerAccept);
    if (rv != 0) std::memcpy(outer->errmsg, t->inner.errmsg, sizeof(outer->errmsg));
    return rv;
  }

  static int Connect(raft_uv_transport* outer, raft_uv_connect* req, raft_id id,
                     const char* address, raft_uv_connect_cb cb) {
    Impl* t = Of(outer);
    req->cb = cb;
    auto* h = new Handshake;
    h->t = t;
    h->outgoing = true;
    h->outer_req = req;
    h->inner_req.data = h;
    h->transcript.connector_id = t->id;
    h->transcript.acceptor_id = id;
    const int rv = t->inner.connect(&t->inner, &h->inner_req, id, address, OnInnerConnect);
    if (rv != 0) {
      std::memcpy(outer->errmsg, t->inner.errmsg, sizeof(outer->errmsg));
      delete h;
      return rv;
    }
    t->live.insert(h);
    return 0;
  }

  static void Close(raft_uv_transport* outer, raft_uv_transport_close_cb cb) {
    Impl* t = Of(outer);
    t->closing = true;
    t->close_cb = cb;
    // Handshakes still connecting are cancelled by raft_uv_tcp's close.
    std::vector<Handshake*> running;
    for (Handshake* h : t->live) {
      if (h->step != Handshake::Step::kConnecting && !h->finished) running.push_back(h);
    }
    for (Handshake* h : running) t->Finish(h, false, RAFT_CANCELED);
    t->inner.close(&t->inner, [](raft_uv_transport* inner) {
      Impl* t = static_cast<Impl*>(inner->data);
      t->inner_closed = true;
      t->MaybeFinishClose();
    });
  }
};

absl::StatusOr<std::unique_ptr<RaftAuthTransport>> RaftAuthTransport::Create(
    uv_loop_s* loop, const crypto::SecureKey& secret,
    std::chrono::milliseconds handshake_timeout) {
  auto impl = std::make_unique<Impl>();
  impl->loop = loop;
  impl->secret = &secret;
  impl->timeout = handshake_timeout;
  const int rv = raft_uv_tcp_init(&impl->inner, loop);
  if (rv != 0) {
    return absl::InternalError(fmt::format("raft_uv_tcp_init: {}", raft_strerror(rv)));
  }
  impl->inner_initialized = true;
  impl->inner.data = impl.get();
  impl->outer.impl = impl.get();
  impl->outer.init = Impl::Init;
  impl->outer.listen = Impl::Listen;
  impl->outer.connect = Impl::Connect;
  impl->outer.close = Impl::Close;
  return std::unique_ptr<RaftAuthTransport>(new RaftAuthTransport(std::move(impl)));
}

RaftAuthTransport::RaftAuthTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RaftAuthTransport::~RaftAuthTransport() {
  if (impl_->inner_initialized) raft_uv_tcp_close(&impl_->inner);
}

raft_uv_transport* RaftAuthTransport::transport() { return &impl_->outer; }
uint64_t RaftAuthTransport::accepted() const {
  return impl_->accepted.load(std::memory_order_relaxed);
}
uint64_t RaftAuthTransport::rejected() const {
  return impl_->rejected.load(std::memory_order_relaxed);
}

}  // namespace synapsed::storage::cluster
