// RespParser: turns the bytes a client sends into commands, incrementally.
//
// Accepts the two request forms Redis accepts (docs/format/resp.md):
//   multibulk  *<n>\r\n then n times $<len>\r\n<len bytes>\r\n
//   inline     words separated by spaces, ending in \n (telnet-style)
// Bytes arrive in any fragmentation: Feed() appends them and Next() yields
// each complete command, keeping whatever is partial for the next call.
//
// Limits are checked on the length headers, before the payload is waited
// for, so an oversized argument is refused without being buffered: a key
// over `max_key` (at the positions `is_key` names), any other argument over
// `max_bulk`, more than `max_args` arguments, a command whose declared sizes
// add up to more than `max_request`, and header or inline lines over
// `max_inline`. A refusal is kError with a message in Redis's form
// ("Protocol error: ..."); the parser stays in error (the caller replies and
// closes the connection, as Redis does).
//
// Not thread-safe: one connection's thread uses its parser.
#ifndef SYNAPSED_SERVER_RESP_PARSER_H_
#define SYNAPSED_SERVER_RESP_PARSER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "synapsed/storage/options.h"

namespace synapsed::storage::server {

struct RespLimits {
  // One argument; a value can be no larger than the store takes.
  size_t max_bulk = kMaxValueSize;
  // An argument the command table says is a key.
  size_t max_key = kMaxKeySize;
  // Arguments in one command (Redis allows 2^31; a million is plenty for
  // MSET/MGET and keeps the argument vector's reservation small).
  size_t max_args = 1024 * 1024;
  // The sum of one command's declared argument lengths.
  size_t max_request = 256 * 1024 * 1024;
  // A length-header line or an inline command (Redis's PROTO_INLINE_MAX_SIZE).
  size_t max_inline = 64 * 1024;
};

class RespParser {
 public:
  enum class Result { kCommand, kNeedMore, kError };
  // Whether argument `index` (0 is the command name) of command `name` is a
  // key. Null: no argument is a key.
  using IsKeyFn = std::function<bool(std::string_view name, size_t index)>;

  explicit RespParser(RespLimits limits = {}, IsKeyFn is_key = nullptr)
      : limits_(limits), is_key_(std::move(is_key)) {}

  void Feed(std::string_view bytes);
  // kCommand: `args` holds the next command (never empty). kNeedMore: the
  // buffered bytes end inside a command. kError: error() says why; every
  // later call answers kError too.
  Result Next(std::vector<std::string>* args);
  const std::string& error() const { return error_; }
  // Bytes fed but not yet returned in a command.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  Result Fail(std::string message);
  Result ParseInline(std::vector<std::string>* args);
  // Reads a "\r\n"-terminated line starting at pos_; false if incomplete.
  bool ReadLine(std::string_view* line, Result* failed);
  // The length limit of argument `index` of command `name`; `what` names it.
  size_t LimitFor(std::string_view name, size_t index, std::string_view* what) const;

  RespLimits limits_;
  IsKeyFn is_key_;
  std::string buf_;
  size_t pos_ = 0;           // first unconsumed byte of buf_
  std::string error_;
  // A multibulk command in progress.
  long long args_left_ = -1;  // -1: between commands
  long long bulk_len_ = -1;   // -1: expecting a $<len> line
  size_t declared_ = 0;       // the declared lengths so far
  std::vector<std::string> partial_;
};

// Splits an inline command line into arguments, honouring "..." (with \n,
// \r, \t, \b, \a, \\, \" and \xHH escapes) and '...' quoting as redis-cli
// and Redis do. False on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_RESP_PARSER_H_
