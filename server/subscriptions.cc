#include "server/subscriptions.h"

#include <fnmatch.h>

#include "fmt/format.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kKeyspacePrefix = "__keyspace@0__:";
constexpr std::string_view kKeyeventPrefix = "__keyevent@0__:";

std::string_view EventName(ChangeType type) {
  return type == ChangeType::kPut ? "set" : "del";
}

bool IsKeyspaceChannel(std::string_view channel) {
  return channel.starts_with(kKeyspacePrefix) || channel.starts_with(kKeyeventPrefix);
}

}  // namespace

bool GlobMatches(std::string_view pattern, std::string_view channel) {
  if (pattern.find('\0') != std::string_view::npos ||
      channel.find('\0') != std::string_view::npos) {
    return false;
  }
  return ::fnmatch(std::string(pattern).c_str(), std::string(channel).c_str(), 0) == 0;
}

Subscriptions::~Subscriptions() = default;

void Subscriptions::Confirm(std::string_view kind, const std::string* name,
                            ReplyWriter& reply) {
  reply.Push(3);
  reply.Bulk(kind);
  if (name != nullptr) {
    reply.Bulk(*name);
  } else {
    reply.Null();
  }
  reply.Integer(static_cast<int64_t>(count()));
}

bool Subscriptions::EnsureKeyspaceStream(ReplyWriter& reply) {
  if (keyspace_ != nullptr) return true;
  auto stream = store_->Subscribe(KeyRange::All(), {});
  if (!stream.ok()) {
    reply.Error("ERR " + std::string(stream.status().message()));
    return false;
  }
  keyspace_ = *std::move(stream);
  if (wake_) keyspace_->SetNotify(wake_);
  return true;
}

void Subscriptions::MaybeDropKeyspaceStream() {
  if (!patterns_.empty()) return;
  for (const std::string& c : channels_) {
    if (IsKeyspaceChannel(c)) return;
  }
  keyspace_.reset();
}

void Subscriptions::Subscribe(std::span<const std::string> channels, ReplyWriter& reply) {
  for (const std::string& c : channels) {
    if (IsKeyspaceChannel(c) && !EnsureKeyspaceStream(reply)) continue;
    channels_.insert(c);
    Confirm("subscribe", &c, reply);
  }
}

void Subscriptions::PSubscribe(std::span<const std::string> patterns, ReplyWriter& reply) {
  for (const std::string& p : patterns) {
    if (!EnsureKeyspaceStream(reply)) continue;
    patterns_.insert(p);
    Confirm("psubscribe", &p, reply);
  }
}

void Subscriptions::Unsubscribe(std::span<const std::string> channels, ReplyWriter& reply) {
  Leave(&channels_, channels, "unsubscribe", reply);
}

void Subscriptions::PUnsubscribe(std::span<const std::string> patterns, ReplyWriter& reply) {
  Leave(&patterns_, patterns, "punsubscribe", reply);
}

void Subscriptions::Leave(std::set<std::string>* joined, std::span<const std::string> names,
                          std::string_view verb, ReplyWriter& reply) {
  // No names: every one joined (a copy, since each is erased in turn).
  std::vector<std::string> leaving(names.begin(), names.end());
  if (leaving.empty()) leaving.assign(joined->begin(), joined->end());
  if (leaving.empty()) return Confirm(verb, nullptr, reply);
  for (const std::string& name : leaving) {
    joined->erase(name);
    MaybeDropKeyspaceStream();
    Confirm(verb, &name, reply);
  }
}

void Subscriptions::SubscribeStream(const std::string& prefix, std::optional<uint64_t> from,
                                    ReplyWriter& reply) {
  if (streams_.count(prefix) > 0) {
    return reply.Error(fmt::format(
        "ERR this connection already has a SYNAPSED.SUBSCRIBE stream for the prefix '{}'",
        prefix));
  }
  SubscribeOptions options;
  options.from_sequence = from;
  auto stream = store_->Subscribe(KeyRange::Prefix(prefix), options);
  if (!stream.ok()) return reply.Error("ERR " + std::string(stream.status().message()));
  if (wake_) (*stream)->SetNotify(wake_);
  streams_[prefix] = *std::move(stream);
  Confirm("synapsed.subscribe", &prefix, reply);
}

void Subscriptions::UnsubscribeStream(std::span<const std::string> prefixes,
                                      ReplyWriter& reply) {
  std::vector<std::string> names(prefixes.begin(), prefixes.end());
  if (names.empty()) {
    for (const auto& [prefix, stream] : streams_) names.push_back(prefix);
  }
  if (names.empty()) return Confirm("synapsed.unsubscribe", nullptr, reply);
  for (const std::string& p : names) {
    streams_.erase(p);
    Confirm("synapsed.unsubscribe", &p, reply);
  }
}

void Subscriptions::KeyspaceMessages(const ChangeBatch& batch, ReplyWriter& reply) {
  for (const ChangeEvent& e : batch.events) {
    const std::string_view event = EventName(e.type);
    // Redis's order: the keyspace notification, then the keyevent one; for
    // each, the channel subscribers, then the patterns.
    const std::string channels[2] = {std::string(kKeyspacePrefix) + e.key,
                                     std::string(kKeyeventPrefix) + std::string(event)};
    const std::string_view payloads[2] = {event, e.key};
    for (int i = 0; i < 2; ++i) {
      if (channels_.count(channels[i]) > 0) {
        reply.Push(3);
        reply.Bulk("message");
        reply.Bulk(channels[i]);
        reply.Bulk(payloads[i]);
      }
      for (const std::string& p : patterns_) {
        if (!GlobMatches(p, channels[i])) continue;
        reply.Push(4);
        reply.Bulk("pmessage");
        reply.Bulk(p);
        reply.Bulk(channels[i]);
        reply.Bulk(payloads[i]);
      }
    }
  }
}

Subscriptions::Delivery Subscriptions::Deliver(ReplyWriter& reply, size_t budget) {
  const size_t start = reply.out()->size();
  auto room = [&] { return reply.out()->size() - start < budget; };
  if (keyspace_ != nullptr) {
    while (room()) {
      absl::StatusOr<ChangeBatch> b = keyspace_->Next(absl::ZeroDuration());
      if (b.ok()) {
        KeyspaceMessages(*b, reply);
        continue;
      }
      if (absl::IsDeadlineExceeded(b.status())) break;
      // Fell behind (or the store is closing): drop the subscriber.
      return Delivery::kDrop;
    }
    if (!room()) return Delivery::kFull;
  }
  for (auto it = streams_.begin(); it != streams_.end();) {
    bool ended = false;
    while (room()) {
      absl::StatusOr<ChangeBatch> b = it->second->Next(absl::ZeroDuration());
      if (absl::IsDeadlineExceeded(b.status())) break;
      if (!b.ok()) {
        // [synapsed.end, prefix, resume sequence, why]: the stream is gone.
        reply.Push(4);
        reply.Bulk("synapsed.end");
        reply.Bulk(it->first);
        reply.Integer(static_cast<int64_t>(it->second->resume_sequence()));
        reply.Bulk(std::string(b.status().message()));
        ended = true;
        break;
      }
      // [synapsed.batch, prefix, next sequence, [[seq, set|del, key, value|nil], ...]]
      reply.Push(4);
      reply.Bulk("synapsed.batch");
      reply.Bulk(it->first);
      reply.Integer(static_cast<int64_t>(b->next_sequence));
      reply.Array(b->events.size());
      for (const ChangeEvent& e : b->events) {
        reply.Array(4);
        reply.Integer(static_cast<int64_t>(e.sequence));
        reply.Bulk(EventName(e.type));
        reply.Bulk(e.key);
        if (e.type == ChangeType::kPut) {
          reply.Bulk(e.value);
        } else {
          reply.Null();
        }
      }
    }
    it = ended ? streams_.erase(it) : std::next(it);
    if (!room()) return Delivery::kFull;
  }
  return Delivery::kIdle;
}

}  // namespace synapsed::storage::server
