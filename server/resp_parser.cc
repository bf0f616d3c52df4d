#include "server/resp_parser.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "fmt/format.h"

namespace synapsed::storage::server {
namespace {

// A decimal length as Redis reads it (string2ll): optional '-', digits,
// nothing else.
bool ParseLength(std::string_view s, long long* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void RespParser::Feed(std::string_view bytes) {
  // Drop what was consumed once it dominates, so the buffer does not grow
  // with the connection's lifetime and the copy stays amortised O(1).
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

RespParser::Result RespParser::Fail(std::string message) {
  error_ = "Protocol error: " + std::move(message);
  return Result::kError;
}

bool RespParser::ReadLine(std::string_view* line, Result* failed) {
  // The same message whether the line's end has arrived or not, so that the
  // outcome does not depend on how the bytes were split.
  const char* too_big = args_left_ < 0 ? "too big mbulk count string" : "too big bulk count string";
  const size_t nl = buf_.find("\r\n", pos_);
  if (nl == std::string::npos) {
    // The line is at least this long (a final '\r' may begin its CRLF).
    size_t known = buf_.size() - pos_;
    if (known > 0 && buf_.back() == '\r') --known;
    if (known > limits_.max_inline) *failed = Fail(too_big);
    return false;
  }
  if (nl - pos_ > limits_.max_inline) {
    *failed = Fail(too_big);
    return false;
  }
  *line = std::string_view(buf_).substr(pos_, nl - pos_);
  pos_ = nl + 2;
  return true;
}

size_t RespParser::LimitFor(std::string_view name, size_t index,
                            std::string_view* what) const {
  if (index == 0) {
    *what = "command name";
    return limits_.max_inline;
  }
  if (is_key_ && is_key_(name, index)) {
    *what = "key";
    return limits_.max_key;
  }
  *what = "bulk";
  return limits_.max_bulk;
}

RespParser::Result RespParser::Next(std::vector<std::string>* args) {
  if (!error_.empty()) return Result::kError;
  while (true) {
    if (args_left_ < 0) {
      if (pos_ == buf_.size()) return Result::kNeedMore;
      if (buf_[pos_] != '*') {
        const Result r = ParseInline(args);
        if (r == Result::kCommand && args->empty()) continue;  // a blank line
        return r;
      }
      // *<n>\r\n
      Result failed = Result::kNeedMore;
      std::string_view line;
      if (!ReadLine(&line, &failed)) return failed;
      long long n = 0;
      if (!ParseLength(line.substr(1), &n) || n > static_cast<long long>(limits_.max_args)) {
        return Fail("invalid multibulk length");
      }
      if (n <= 0) continue;  // *0 and *-1 are no command (Redis skips them)
      args_left_ = n;
      bulk_len_ = -1;
      declared_ = 0;
      partial_.clear();
      partial_.reserve(std::min<long long>(n, 1024));
    }
    while (args_left_ > 0) {
      if (bulk_len_ < 0) {
        // $<len>\r\n
        if (pos_ == buf_.size()) return Result::kNeedMore;
        if (buf_[pos_] != '$') {
          return Fail(fmt::format("expected '$', got '{}'", buf_[pos_]));
        }
        Result failed = Result::kNeedMore;
        std::string_view line;
        if (!ReadLine(&line, &failed)) return failed;
        long long len = 0;
        if (!ParseLength(line.substr(1), &len) || len < 0) {
          return Fail("invalid bulk length");
        }
        const size_t index = partial_.size();
        std::string_view what;
        const size_t limit =
            LimitFor(index == 0 ? std::string_view() : partial_[0], index, &what);
        if (static_cast<unsigned long long>(len) > limit) {
          return Fail(fmt::format("{} length {} exceeds the limit of {} bytes", what, len,
                                  limit));
        }
        declared_ += static_cast<size_t>(len);
        if (declared_ > limits_.max_request) {
          return Fail(fmt::format("request exceeds the limit of {} bytes",
                                  limits_.max_request));
        }
        bulk_len_ = len;
      }
      const size_t need = static_cast<size_t>(bulk_len_) + 2;
      if (buf_.size() - pos_ < need) return Result::kNeedMore;
      if (buf_[pos_ + need - 2] != '\r' || buf_[pos_ + need - 1] != '\n') {
        return Fail("expected CRLF after a bulk string");
      }
      partial_.emplace_back(buf_, pos_, static_cast<size_t>(bulk_len_));
      pos_ += need;
      bulk_len_ = -1;
      --args_left_;
    }
    args_left_ = -1;
    *args = std::move(partial_);
    partial_.clear();
    return Result::kCommand;
  }
}

RespParser::Result RespParser::ParseInline(std::vector<std::string>* args) {
  const size_t nl = buf_.find('\n', pos_);
  if (nl == std::string::npos) {
    if (buf_.size() - pos_ > limits_.max_inline) return Fail("too big inline request");
    return Result::kNeedMore;
  }
  if (nl - pos_ > limits_.max_inline) return Fail("too big inline request");
  std::string_view line = std::string_view(buf_).substr(pos_, nl - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos_ = nl + 1;
  args->clear();
  if (!SplitInlineArgs(line, args)) return Fail("unbalanced quotes in request");
  if (args->size() > limits_.max_args) return Fail("invalid multibulk length");
  for (size_t i = 0; i < args->size(); ++i) {
    std::string_view what;
    const size_t limit = LimitFor((*args)[0], i, &what);
    if ((*args)[i].size() > limit) {
      return Fail(fmt::format("{} length {} exceeds the limit of {} bytes", what,
                              (*args)[i].size(), limit));
    }
  }
  return Result::kCommand;
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && absl::ascii_isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i == n) return true;
    std::string arg;
    bool in_double = false, in_single = false;
    while (true) {
      if (in_double) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          arg.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 4;
        } else if (line[i] == '\\' && i + 1 < n) {
          const char c = line[i + 1];
          arg.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t'
                        : c == 'b' ? '\b' : c == 'a' ? '\a' : c);
          i += 2;
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !absl::ascii_isspace(static_cast<unsigned char>(line[i + 1]))) {
            return false;
          }
          ++i;
          break;
        } else {
          arg.push_back(line[i++]);
        }
      } else if (in_single) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          arg.push_back('\'');
          i += 2;
        } else if (line[i] == '\'') {
          if (i + 1 < n && !absl::ascii_isspace(static_cast<unsigned char>(line[i + 1]))) {
            return false;
          }
          ++i;
          break;
        } else {
          arg.push_back(line[i++]);
        }
      } else {
        if (i == n || absl::ascii_isspace(static_cast<unsigned char>(line[i]))) break;
        if (line[i] == '"') {
          in_double = true;
        } else if (line[i] == '\'') {
          in_single = true;
        } else {
          arg.push_back(line[i]);
        }
        ++i;
      }
    }
    out->push_back(std::move(arg));
  }
}

}  // namespace synapsed::storage::server
