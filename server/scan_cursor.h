// SCAN cursors and the key patterns SCAN and KEYS accept.
//
// A SCAN position is the last key a call returned: the next call starts
// after it, so keys are visited in order and every key that exists for the
// whole scan is returned exactly once. Clients treat a cursor as a decimal
// number, and many (redis-cli --scan, most client libraries) parse it into
// a 64-bit integer, so the key is sent back in one of two forms:
//
//   - A key of at most kMaxDigitKeyBytes (6) bytes is written in digits:
//     "1" followed by each byte as three decimal digits ("ab" -> "1097098").
//     That is 1 + 3k digits, at most 19 (1255255255255255255 < 2^63), and
//     it holds the key itself, so it stays valid across a restart.
//   - A longer key is kept in the server's ScanCursorTable
//     (scan_cursor_table.h) and the cursor is 10^19 + its id: always 20
//     digits, a length the digit form never has, and at most 2^64 - 1. It
//     is valid while the table holds the id (not across a restart, not
//     after eviction); an unknown id is an invalid cursor, never a new scan.
//
// "0" starts and ends a scan, as in Redis. Digit-form cursors of longer
// keys (as servers before the table wrote them) are still accepted.
//
// Patterns: only those a range of the ordered store can answer — "*",
// "prefix*" and an exact key (no glob characters).
#ifndef SYNAPSED_SERVER_SCAN_CURSOR_H_
#define SYNAPSED_SERVER_SCAN_CURSOR_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "server/scan_cursor_table.h"
#include "synapsed/storage/iterator.h"

namespace synapsed::storage::server {

// Longest key written in the digit form.
inline constexpr size_t kMaxDigitKeyBytes = 6;

// The cursor after `last_key`; adds it to `table` when it is too long for
// the digit form.
std::string EncodeCursor(std::string_view last_key, ScanCursorTable& table);
// The key a cursor names; nullopt for "0" (a new scan). False if malformed
// or a table id `table` does not know.
bool DecodeCursor(std::string_view cursor, const ScanCursorTable& table,
                  std::optional<std::string>* last_key);

struct KeyPattern {
  KeyRange range;    // the keys the pattern can match
  bool exact = false;  // the range holds at most the one key
};
// nullopt for a pattern with glob characters anywhere but a final '*'.
std::optional<KeyPattern> ParsePattern(std::string_view pattern);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SCAN_CURSOR_H_
