// SCAN cursors and the key patterns SCAN and KEYS accept.
//
// A cursor is the last key a SCAN call returned, so a scan resumes from it
// even across a server restart, and sees every key that exists for the whole
// scan exactly once (keys are visited in order; the next call starts after
// the cursor). Redis clients treat cursors as decimal numbers, so a key is
// written in digits: "1" followed by each byte as three decimal digits
// ("ab" -> "1097098"); "0" starts and ends a scan, as in Redis. Clients
// that parse the cursor as a 64-bit integer (redis-cli --scan) therefore
// work only while keys are at most 6 bytes; ones that pass it back as a
// string or a big integer (redis-cli SCAN, redis-py) work for any key.
//
// Patterns: only those a range of the ordered store can answer — "*",
// "prefix*" and an exact key (no glob characters).
#ifndef SYNAPSED_SERVER_SCAN_CURSOR_H_
#define SYNAPSED_SERVER_SCAN_CURSOR_H_

#include <optional>
#include <string>
#include <string_view>

#include "synapsed/storage/iterator.h"

namespace synapsed::storage::server {

std::string EncodeCursor(std::string_view last_key);
// The key a cursor names; nullopt for "0" (a new scan). False if malformed.
bool DecodeCursor(std::string_view cursor, std::optional<std::string>* last_key);

struct KeyPattern {
  KeyRange range;    // the keys the pattern can match
  bool exact = false;  // the range holds at most the one key
};
// nullopt for a pattern with glob characters anywhere but a final '*'.
std::optional<KeyPattern> ParsePattern(std::string_view pattern);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SCAN_CURSOR_H_
