// String commands: GET, SET, GETDEL, MGET, MSET, INCR, INCRBY, DECR, DECRBY,
// APPEND, STRLEN. Every value is a Redis string; there are no TTLs, so SET's
// EX/PX/EXAT/PXAT are refused saying so (KEEPTTL is accepted: there is no
// TTL to keep). Read-modify-write commands run through
// CommandContext::Atomically (key_access.h).
#include <charconv>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kNoTtl =
    "ERR SET with EX/PX/EXAT/PXAT is not supported: this server keeps no TTLs";

void CountHit(CommandContext& c, bool hit) {
  (hit ? c.state->stats.keyspace_hits : c.state->stats.keyspace_misses)
      .fetch_add(1, std::memory_order_relaxed);
}

void ReplyValue(CommandContext& c, const std::optional<std::string>& v) {
  CountHit(c, v.has_value());
  if (v) {
    c.reply.Bulk(*v);
  } else {
    c.reply.Null();
  }
}

// Redis's string2ll: an optional '-', digits, no leading zeros or spaces.
bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && (s[0] == '0' || (s[0] == '-' && s[1] == '0'))) return false;
  if (s == "-") return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

void Get(CommandContext& c) {
  auto v = c.access().Get(c.args[1]);
  if (!v.ok()) return c.ReplyError(v.status());
  ReplyValue(c, *v);
}

void Set(CommandContext& c) {
  bool nx = false, xx = false, get = false;
  for (size_t i = 3; i < c.args.size(); ++i) {
    const std::string opt = absl::AsciiStrToUpper(c.args[i]);
    if (opt == "NX" && !xx) {
      nx = true;
    } else if (opt == "XX" && !nx) {
      xx = true;
    } else if (opt == "GET") {
      get = true;
    } else if (opt == "KEEPTTL") {
    } else if ((opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") &&
               i + 1 < c.args.size()) {
      return c.reply.Error(kNoTtl);
    } else {
      return c.reply.Error(kSyntaxError);
    }
  }
  const std::string& key = c.args[1];
  const std::string& value = c.args[2];
  if (!nx && !xx && !get) {
    absl::Status s = c.access().Put(key, value);
    if (!s.ok()) return c.ReplyError(s);
    return c.reply.Status("OK");
  }
  std::optional<std::string> old;
  bool written = false;
  absl::Status s = c.Atomically({c.args[1]}, [&](KeyAccess& a) -> absl::Status {
    auto v = a.Get(key);
    if (!v.ok()) return v.status();
    old = std::move(*v);
    written = !(nx && old) && !(xx && !old);
    return written ? a.Put(key, value) : absl::OkStatus();
  });
  if (!s.ok()) return c.ReplyError(s);
  if (get) return ReplyValue(c, old);
  if (!written) return c.reply.Null();
  c.reply.Status("OK");
}

void GetDel(CommandContext& c) {
  std::optional<std::string> old;
  absl::Status s = c.Atomically({c.args[1]}, [&](KeyAccess& a) -> absl::Status {
    auto v = a.Get(c.args[1]);
    if (!v.ok()) return v.status();
    old = std::move(*v);
    return old ? a.Delete(c.args[1]) : absl::OkStatus();
  });
  if (!s.ok()) return c.ReplyError(s);
  ReplyValue(c, old);
}

void MGet(CommandContext& c) {
  std::vector<std::optional<std::string>> values;
  if (c.txn == nullptr) {
    // One consistent read of every key (storage.h, BatchGet).
    std::vector<std::string_view> keys(c.args.begin() + 1, c.args.end());
    auto got = c.session->store().BatchGet(ReadOptions(), keys);
    if (!got.ok()) return c.ReplyError(got.status());
    values = std::move(*got);
  } else {
    for (size_t i = 1; i < c.args.size(); ++i) {
      auto v = c.txn->Get(c.args[i]);
      if (!v.ok()) return c.ReplyError(v.status());
      values.push_back(std::move(*v));
    }
  }
  c.reply.Array(values.size());
  for (const auto& v : values) ReplyValue(c, v);
}

// MSET outside a pipeline batch (inside EXEC, or a write the batch refused).
void MSet(CommandContext& c) {
  if (c.args.size() % 2 == 0) {
    return c.reply.Error("ERR wrong number of arguments for 'mset' command");
  }
  absl::Status s;
  if (c.txn != nullptr) {
    for (size_t i = 1; i < c.args.size() && s.ok(); i += 2) s = c.txn->Put(c.args[i], c.args[i + 1]);
  } else {
    WriteBatch batch;
    std::vector<std::string> keys;
    for (size_t i = 1; i < c.args.size() && s.ok(); i += 2) {
      s = batch.Put(c.args[i], c.args[i + 1]);
      keys.push_back(c.args[i]);
    }
    if (s.ok()) {
      auto intent = c.state->watches.Intend(keys);
      s = c.session->store().Write(c.state->write_options(), batch);
    }
  }
  if (!s.ok()) return c.ReplyError(s);
  c.reply.Status("OK");
}

void IncrBy(CommandContext& c, int64_t delta) {
  int64_t result = 0;
  std::string_view error;
  absl::Status s = c.Atomically({c.args[1]}, [&](KeyAccess& a) -> absl::Status {
    error = {};
    auto v = a.Get(c.args[1]);
    if (!v.ok()) return v.status();
    int64_t n = 0;
    if (*v && !ParseInt64(**v, &n)) {
      error = kNotInteger;
      return absl::OkStatus();
    }
    if ((delta > 0 && n > std::numeric_limits<int64_t>::max() - delta) ||
        (delta < 0 && n < std::numeric_limits<int64_t>::min() - delta)) {
      error = "ERR increment or decrement would overflow";
      return absl::OkStatus();
    }
    result = n + delta;
    return a.Put(c.args[1], std::to_string(result));
  });
  if (!s.ok()) return c.ReplyError(s);
  if (!error.empty()) return c.reply.Error(error);
  c.reply.Integer(result);
}

void Incr(CommandContext& c) { IncrBy(c, 1); }
void Decr(CommandContext& c) { IncrBy(c, -1); }

void IncrByCommand(CommandContext& c, bool negate) {
  int64_t delta = 0;
  if (!ParseInt64(c.args[2], &delta)) return c.reply.Error(kNotInteger);
  if (negate) {
    if (delta == std::numeric_limits<int64_t>::min()) {
      return c.reply.Error("ERR decrement would overflow");
    }
    delta = -delta;
  }
  IncrBy(c, delta);
}
void IncrByArg(CommandContext& c) { IncrByCommand(c, false); }
void DecrByArg(CommandContext& c) { IncrByCommand(c, true); }

void Append(CommandContext& c) {
  size_t length = 0;
  bool too_big = false;
  absl::Status s = c.Atomically({c.args[1]}, [&](KeyAccess& a) -> absl::Status {
    auto v = a.Get(c.args[1]);
    if (!v.ok()) return v.status();
    std::string value = v->value_or("");
    too_big = value.size() + c.args[2].size() > kMaxValueSize;
    if (too_big) return absl::OkStatus();
    value += c.args[2];
    length = value.size();
    return a.Put(c.args[1], value);
  });
  if (!s.ok()) return c.ReplyError(s);
  if (too_big) return c.reply.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  c.reply.Integer(static_cast<int64_t>(length));
}

void StrLen(CommandContext& c) {
  auto v = c.access().Get(c.args[1]);
  if (!v.ok()) return c.ReplyError(v.status());
  c.reply.Integer(*v ? static_cast<int64_t>((*v)->size()) : 0);
}

}  // namespace

void AddStringCommands(std::vector<CommandSpec>* t) {
  t->push_back({"get", 2, kReadOnly | kFast, 1, 1, 1, Get});
  t->push_back({"set", -3, kWrite, 1, 1, 1, Set});
  t->push_back({"getdel", 2, kWrite | kFast, 1, 1, 1, GetDel});
  t->push_back({"mget", -2, kReadOnly | kFast, 1, -1, 1, MGet});
  t->push_back({"mset", -3, kWrite, 1, -1, 2, MSet});
  t->push_back({"incr", 2, kWrite | kFast, 1, 1, 1, Incr});
  t->push_back({"decr", 2, kWrite | kFast, 1, 1, 1, Decr});
  t->push_back({"incrby", 3, kWrite | kFast, 1, 1, 1, IncrByArg});
  t->push_back({"decrby", 3, kWrite | kFast, 1, 1, 1, DecrByArg});
  t->push_back({"append", 3, kWrite, 1, 1, 1, Append});
  t->push_back({"strlen", 2, kReadOnly | kFast, 1, 1, 1, StrLen});
}

}  // namespace synapsed::storage::server
