// Keyspace commands: DEL, UNLINK, EXISTS, SCAN, KEYS, DBSIZE, FLUSHDB.
// SCAN's cursor and the patterns SCAN and KEYS accept: scan_cursor.h.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "server/command.h"
#include "server/scan_cursor.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kPatternError =
    "ERR only patterns of the form 'prefix*', '*' or an exact key are supported";
// FLUSHDB deletes in batches of this many keys.
constexpr size_t kFlushBatchKeys = 1000;

// DEL and UNLINK (the same here: nothing is freed lazily).
void Del(CommandContext& c) {
  int64_t removed = 0;
  absl::Status s = c.Atomically(c.KeysFrom(1), [&](KeyAccess& a) -> absl::Status {
    removed = 0;
    for (size_t i = 1; i < c.args.size(); ++i) {
      auto v = a.Get(c.args[i]);
      if (!v.ok()) return v.status();
      if (!*v) continue;
      ++removed;
      if (absl::Status d = a.Delete(c.args[i]); !d.ok()) return d;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return c.ReplyError(s);
  c.reply.Integer(removed);
}

void Exists(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.args.size(); ++i) {
    if (c.txn == nullptr) {
      auto e = c.session->store().Exists(ReadOptions(), c.args[i]);
      if (!e.ok()) return c.ReplyError(e.status());
      n += *e ? 1 : 0;
    } else {
      auto v = c.txn->Get(c.args[i]);
      if (!v.ok()) return c.ReplyError(v.status());
      n += v->has_value() ? 1 : 0;
    }
  }
  c.reply.Integer(n);
}

void Scan(CommandContext& c) {
  std::optional<std::string> after;
  if (!DecodeCursor(c.args[1], c.state->scan_cursors, &after)) {
    return c.reply.Error("ERR invalid cursor");
  }
  std::optional<KeyPattern> pattern = KeyPattern{};
  int64_t count = 10;
  bool other_type = false;
  for (size_t i = 2; i < c.args.size(); i += 2) {
    const std::string opt = absl::AsciiStrToUpper(c.args[i]);
    if (i + 1 >= c.args.size()) return c.reply.Error(kSyntaxError);
    if (opt == "COUNT") {
      if (!absl::SimpleAtoi(c.args[i + 1], &count)) return c.reply.Error(kNotInteger);
      if (count < 1) return c.reply.Error(kSyntaxError);
    } else if (opt == "MATCH") {
      pattern = ParsePattern(c.args[i + 1]);
      if (!pattern) return c.reply.Error(kPatternError);
    } else if (opt == "TYPE") {
      other_type = !EqualsIgnoreCase(c.args[i + 1], "string");
    } else {
      return c.reply.Error(kSyntaxError);
    }
  }
  std::vector<std::string> keys;
  std::string next = "0";
  if (!other_type) {
    auto it = c.access().NewIterator(pattern->range);
    if (after) {
      it->Seek(*after);
      if (it->Valid() && it->key() == *after) it->Next();
    } else {
      it->SeekToFirst();
    }
    for (; it->Valid() && keys.size() < static_cast<size_t>(count); it->Next()) {
      keys.emplace_back(it->key());
    }
    if (!it->status().ok()) return c.ReplyError(it->status());
    if (it->Valid()) next = EncodeCursor(keys.back(), c.state->scan_cursors);
  }
  c.reply.Array(2);
  c.reply.Bulk(next);
  c.reply.BulkArray(keys);
}

void Keys(CommandContext& c) {
  std::optional<KeyPattern> pattern = ParsePattern(c.args[1]);
  if (!pattern) return c.reply.Error(kPatternError);
  std::vector<std::string> keys;
  auto it = c.access().NewIterator(pattern->range);
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
  if (!it->status().ok()) return c.ReplyError(it->status());
  c.reply.BulkArray(keys);
}

void DbSize(CommandContext& c) {
  int64_t n = 0;
  auto it = c.access().NewIterator(KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  if (!it->status().ok()) return c.ReplyError(it->status());
  c.reply.Integer(n);
}

// Deletes every key: in EXEC's transaction there, else in batches of
// kFlushBatchKeys (each atomic; the whole is not — a reader may see part of
// it, as with Redis's FLUSHDB ASYNC).
absl::Status FlushAll(CommandContext& c) {
  if (c.txn != nullptr) {
    std::vector<std::string> keys;
    auto it = c.txn->NewIterator(KeyRange::All());
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    if (!it->status().ok()) return it->status();
    for (const std::string& k : keys) {
      if (absl::Status s = c.txn->Delete(k); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  auto intent = c.state->watches.IntendAll();
  while (true) {
    WriteBatch batch;
    auto it = c.session->store().NewIterator(ReadOptions(), KeyRange::All());
    for (it->SeekToFirst(); it->Valid() && batch.Count() < kFlushBatchKeys; it->Next()) {
      if (absl::Status s = batch.Delete(it->key()); !s.ok()) return s;
    }
    if (!it->status().ok()) return it->status();
    if (batch.Empty()) return absl::OkStatus();
    if (absl::Status s = c.session->store().Write(c.state->write_options(), batch); !s.ok()) {
      return s;
    }
  }
}

void FlushDb(CommandContext& c) {
  if (c.args.size() > 2 ||
      (c.args.size() == 2 && !EqualsIgnoreCase(c.args[1], "async") &&
       !EqualsIgnoreCase(c.args[1], "sync"))) {
    return c.reply.Error(kSyntaxError);
  }
  if (absl::Status s = FlushAll(c); !s.ok()) return c.ReplyError(s);
  c.reply.Status("OK");
}

}  // namespace

void AddKeyspaceCommands(std::vector<CommandSpec>* t) {
  t->push_back({"del", -2, kWrite, 1, -1, 1, Del});
  t->push_back({"unlink", -2, kWrite | kFast, 1, -1, 1, Del});
  t->push_back({"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists});
  t->push_back({"scan", -2, kReadOnly, 0, 0, 0, Scan});
  t->push_back({"keys", 2, kReadOnly, 0, 0, 0, Keys});
  t->push_back({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, DbSize});
  t->push_back({"flushdb", -1, kWrite | kAdmin, 0, 0, 0, FlushDb});
}

}  // namespace synapsed::storage::server
