#include "server/lex_range.h"

#include <string>

namespace synapsed::storage::server {
namespace {

// One bound as the store's start (`min`) or end (`max`): nullopt for no
// limit. False if `arg` is not a bound; `*nothing` when the range it opens
// is empty whatever the other bound ("+" as min, "-" as max).
bool ParseBound(std::string_view arg, bool is_min, std::optional<std::string>* bound,
                bool* nothing) {
  if (arg == "-" || arg == "+") {
    // "-" as min and "+" as max leave that side open.
    *nothing = is_min ? arg == "+" : arg == "-";
    bound->reset();
    return true;
  }
  if (arg.empty() || (arg[0] != '[' && arg[0] != '(')) return false;
  std::string key(arg.substr(1));
  // Start after an excluded min, end after an included max.
  if ((arg[0] == '(') == is_min) key.push_back('\0');
  *bound = std::move(key);
  return true;
}

}  // namespace

std::optional<KeyRange> ParseLexRange(std::string_view min, std::string_view max) {
  KeyRange range;
  bool nothing_above = false, nothing_below = false;
  if (!ParseBound(min, /*is_min=*/true, &range.start, &nothing_above) ||
      !ParseBound(max, /*is_min=*/false, &range.end, &nothing_below)) {
    return std::nullopt;
  }
  if (nothing_above || nothing_below) return KeyRange::Between("", "");  // Empty()
  return range;
}

}  // namespace synapsed::storage::server
