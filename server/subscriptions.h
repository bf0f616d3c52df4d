// Subscriptions: one connection's pub/sub state — Redis keyspace
// notifications and SYNAPSED.SUBSCRIBE streams (docs/server.md,
// "Subscriptions"; the wire shapes in docs/format/resp.md).
//
//   SUBSCRIBE / PSUBSCRIBE     channels and glob patterns (fnmatch(3), as
//                              Redis's glob: * ? [...] and \ escapes). The
//                              store's commits are published on
//                              __keyspace@0__:<key> (message: set | del) and
//                              __keyevent@0__:<set | del> (message: the key).
//   SYNAPSED.SUBSCRIBE prefix from_sequence
//                              the commits to keys starting with `prefix`,
//                              from a sequence (or $: now), batch by batch
//                              with their sequence numbers.
//
// Where the events come from: one ChangeStream over the whole store while
// any channel or pattern is subscribed, and one per SYNAPSED.SUBSCRIBE
// prefix (synapsed/storage/change_stream.h). Their notify callbacks call
// `wake` (on a writer's thread: the connection's uv_async_send); the
// connection's loop thread then calls Deliver, which turns what the streams
// hold into messages while the connection's output has room.
//
// A slow subscriber never holds up writers or other clients: its stream's
// queue is bounded (SubscribeOptions::max_queued_bytes); when it overflows,
// a keyspace subscriber is disconnected (as Redis's
// client-output-buffer-limit pubsub does) and a SYNAPSED.SUBSCRIBE stream
// gets a synapsed.end message naming the sequence to resume from.
//
// Not thread-safe: the connection's loop thread owns it (only `wake` runs
// elsewhere).
#ifndef SYNAPSED_SERVER_SUBSCRIPTIONS_H_
#define SYNAPSED_SERVER_SUBSCRIPTIONS_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "server/reply_writer.h"
#include "server/server_state.h"
#include "synapsed/storage/change_stream.h"

namespace synapsed::storage::server {

class Subscriptions {
 public:
  // `store`: the store the connection's commands use (its principal's,
  // under access control, so that streams show only what it may read);
  // it must outlive this object.
  Subscriptions(Store* store, std::function<void()> wake)
      : store_(store), wake_(std::move(wake)) {}
  ~Subscriptions();

  // Channels + patterns + SYNAPSED.SUBSCRIBE streams (Redis's count in
  // each (un)subscribe reply; 0: the connection is not subscribed).
  size_t count() const { return channels_.size() + patterns_.size() + streams_.size(); }

  // One confirmation per name, as Redis: [subscribe, name, count].
  void Subscribe(std::span<const std::string> channels, ReplyWriter& reply);
  void PSubscribe(std::span<const std::string> patterns, ReplyWriter& reply);
  // Empty: every channel (pattern); with none, one reply with a null name.
  void Unsubscribe(std::span<const std::string> channels, ReplyWriter& reply);
  void PUnsubscribe(std::span<const std::string> patterns, ReplyWriter& reply);
  // SYNAPSED.SUBSCRIBE: an error reply (and nothing subscribed) if the store
  // refuses (OutOfRange names the oldest sequence) or the prefix is taken.
  void SubscribeStream(const std::string& prefix, std::optional<uint64_t> from,
                       ReplyWriter& reply);
  void UnsubscribeStream(std::span<const std::string> prefixes, ReplyWriter& reply);

  enum class Delivery {
    kIdle,  // the streams have nothing more now
    kFull,  // stopped at `budget` bytes: call again when output drains
    kDrop,  // a keyspace subscriber fell behind: close the connection
  };
  // Appends messages for what the streams hold, up to about `budget` bytes.
  Delivery Deliver(ReplyWriter& reply, size_t budget);
  // The keyspace stream has ended (fell behind): drop the subscriber now,
  // without delivering what it queued before.
  bool KeyspaceEnded() const { return keyspace_ != nullptr && keyspace_->Ended(); }

 private:
  // The store-wide stream for channels and patterns: made with the first,
  // dropped with the last. False (and an error reply) if the store refuses.
  bool EnsureKeyspaceStream(ReplyWriter& reply);
  void MaybeDropKeyspaceStream();
  void KeyspaceMessages(const ChangeBatch& batch, ReplyWriter& reply);
  void Confirm(std::string_view kind, const std::string* name, ReplyWriter& reply);
  // (P)UNSUBSCRIBE: leaves `names` (every one in `joined` if none), each
  // confirmed with `verb`, as Redis does.
  void Leave(std::set<std::string>* joined, std::span<const std::string> names,
             std::string_view verb, ReplyWriter& reply);

  Store* const store_;
  const std::function<void()> wake_;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
  std::unique_ptr<ChangeStream> keyspace_;
  std::map<std::string, std::unique_ptr<ChangeStream>> streams_;  // by prefix
};

// Whether `channel` matches the Redis glob `pattern` (fnmatch(3) without
// flags). Bytes NUL in either never match (C strings).
bool GlobMatches(std::string_view pattern, std::string_view channel);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SUBSCRIPTIONS_H_
