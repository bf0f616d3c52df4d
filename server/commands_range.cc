// SYNAPSED.RANGE slot min max count [REV]: up to `count` key-value pairs of
// the ordered range from `min` to `max` (lex_range.h), walked upward, or
// with REV downward from max to min — min and max keep their places, unlike
// ZREVRANGEBYLEX. Redis has no ordered read of keys; the distributed client
// reads one per partition and merges them (docs/server.md, "Ordered
// ranges").
//
//   reply := [ key1, value1, key2, value2, ... ]   ; walk order; [] if none
//
// A reply stops short of `count` once its keys and values reach
// kRangeReplyBytes (backends/range_command.h); only a shorter reply under
// that many bytes is the end of the range.
//
// `slot` routes the command in cluster mode (kSlotArgument; the session
// checks it there), and the range is read from the whole store of that
// slot's partition — every slot it holds. Without cluster mode the slot is
// checked and the range read from the whole store.
//
// The pairs come from one iterator, so from one state of the store. It is
// made through the session's KeyAccess like KEYS and SCAN: under access
// control the range needs READ as a whole (a denial is -NOPERM, never a
// silent subset); inside EXEC it reads the transaction.
#include <charconv>
#include <string>
#include <vector>

#include "backends/range_command.h"
#include "server/command.h"
#include "server/command_router.h"
#include "server/lex_range.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kCountError =
    "ERR count out of range: expected an integer from 1 to 10000";

void Range(CommandContext& c) {
  if (!ParseSlot(c.args[1])) return c.reply.Error(kSlotError);
  const std::optional<KeyRange> range = ParseLexRange(c.args[2], c.args[3]);
  if (!range) return c.reply.Error(kLexRangeError);
  size_t count = 0;
  const std::string& n = c.args[4];
  const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
  if (ec != std::errc() || end != n.data() + n.size() || count < 1 || count > kRangeMaxCount) {
    return c.reply.Error(kCountError);
  }
  const bool reverse = c.args.size() == 6;
  if (c.args.size() > 6 || (reverse && !EqualsIgnoreCase(c.args[5], "rev"))) {
    return c.reply.Error(kSyntaxError);
  }
  if (range->Empty()) return c.reply.Array(0);

  // Up to `count` pairs, and no more once the bytes reach the reply's
  // bound (range_command.h): a client reads on after the last key.
  std::vector<std::string> pairs;
  size_t bytes = 0;
  auto it = c.access().NewIterator(*range);
  for (reverse ? it->SeekToLast() : it->SeekToFirst();
       it->Valid() && pairs.size() < 2 * count && bytes < kRangeReplyBytes;
       reverse ? it->Prev() : it->Next()) {
    pairs.emplace_back(it->key());
    pairs.emplace_back(it->value());
    bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok()) return c.ReplyError(it->status());
  c.reply.BulkArray(pairs);
}

}  // namespace

void AddRangeCommands(std::vector<CommandSpec>* t) {
  t->push_back({"synapsed.range", -5, kReadOnly | kSlotArgument, 0, 0, 0, Range});
}

}  // namespace synapsed::storage::server
