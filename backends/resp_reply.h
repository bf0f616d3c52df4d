// RespReply: one reply of a Redis-protocol server as the `distributed`
// backend's client reads it (RESP2: the client never asks for RESP3), and
// the parser that reads it from bytes as they arrive. The server side is
// server/resp_parser.h; the format is docs/format/resp.md, "Replies".
//
//   +OK\r\n            kStatus  "OK"
//   -MOVED 3999 h:p\r\n kError   "MOVED 3999 h:p"
//   :42\r\n            kInteger 42
//   $3\r\nbar\r\n      kBulk    "bar"      ($-1\r\n and *-1\r\n: kNull)
//   *2\r\n...          kArray   two replies
//
// A server's bytes are not trusted: a reply nested deeper than
// kMaxReplyDepth, a bulk longer than kMaxBulkBytes, an array of more than
// kMaxArrayElements, a bad type byte, length or line end is malformed —
// the caller drops the connection, never reads past it.
#ifndef SYNAPSED_BACKENDS_RESP_REPLY_H_
#define SYNAPSED_BACKENDS_RESP_REPLY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace synapsed::storage {

inline constexpr size_t kMaxReplyDepth = 16;
inline constexpr size_t kMaxBulkBytes = 512 << 20;  // Redis's proto-max-bulk-len
inline constexpr size_t kMaxArrayElements = 1 << 20;

struct RespReply {
  enum class Type { kStatus, kError, kInteger, kBulk, kNull, kArray };
  Type type = Type::kNull;
  std::string str;  // kStatus, kError, kBulk
  int64_t integer = 0;
  std::vector<RespReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  // For failures and tests: "+OK", "-ERR x", ":1", "$bar", "(nil)", "[a, b]".
  std::string ToString() const;
};

enum class ParseOutcome { kDone, kIncomplete, kMalformed };

// Parses one whole reply from the front of `bytes`. kDone: *reply holds it
// and *consumed its length. kIncomplete: more bytes are needed (call again
// with them appended). kMalformed: *error says what is wrong.
ParseOutcome ParseReply(std::string_view bytes, RespReply* reply, size_t* consumed,
                        std::string* error);

// The request bytes of one command: an array of bulk strings.
void AppendCommand(const std::vector<std::string_view>& args, std::string* out);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_RESP_REPLY_H_
