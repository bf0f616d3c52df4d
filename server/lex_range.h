// The key range of a ZRANGEBYLEX-style `min max` pair, as SYNAPSED.RANGE
// takes it (commands_range.cc; docs/server.md, "Ordered ranges"):
//
//   bound := "-"          ; below every key (min only; as max: nothing)
//          | "+"          ; above every key (max only; as min: nothing)
//          | "[" key      ; key itself included
//          | "(" key      ; key itself excluded
//
// Keys are bytes in bytewise order. The store's ranges are half-open
// [start, end), and the key right after k is k followed by one zero byte,
// so "(k" as min starts at k + "\0" and "[k" as max ends at k + "\0".
//
// Pure functions: any thread.
#ifndef SYNAPSED_SERVER_LEX_RANGE_H_
#define SYNAPSED_SERVER_LEX_RANGE_H_

#include <optional>
#include <string_view>

#include "synapsed/storage/iterator.h"

namespace synapsed::storage::server {

// Redis's reply to a bound of another form.
inline constexpr std::string_view kLexRangeError = "ERR min or max not valid string range item";

// The keys from `min` to `max`; nullopt if either is not a bound. A range
// that holds no key (min above max, min "+" or max "-") comes back with
// Empty() true.
std::optional<KeyRange> ParseLexRange(std::string_view min, std::string_view max);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_LEX_RANGE_H_
