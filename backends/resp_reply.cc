#include "backends/resp_reply.h"

#include <charconv>

#include "fmt/format.h"

namespace synapsed::storage {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view bytes) : in_(bytes) {}

  ParseOutcome Parse(RespReply* out, size_t depth) {
    if (depth > kMaxReplyDepth) return Malformed(fmt::format("nested deeper than {}", kMaxReplyDepth));
    std::string_view line;
    if (ParseOutcome o = Line(&line); o != ParseOutcome::kDone) return o;
    if (line.empty()) return Malformed("an empty line where a reply starts");
    const char type = line[0];
    line.remove_prefix(1);
    switch (type) {
      case '+':
        out->type = RespReply::Type::kStatus;
        out->str = line;
        return ParseOutcome::kDone;
      case '-':
        out->type = RespReply::Type::kError;
        out->str = line;
        return ParseOutcome::kDone;
      case ':':
        out->type = RespReply::Type::kInteger;
        return Integer(line, &out->integer) ? ParseOutcome::kDone
                                            : Malformed("an integer reply that is not one");
      case '$': {
        int64_t n = 0;
        if (!Integer(line, &n) || n < -1) return Malformed("a bad bulk length");
        if (n == -1) {
          out->type = RespReply::Type::kNull;
          return ParseOutcome::kDone;
        }
        if (static_cast<uint64_t>(n) > kMaxBulkBytes) {
          return Malformed(fmt::format("a bulk of {} bytes (at most {})", n, kMaxBulkBytes));
        }
        if (in_.size() - at_ < static_cast<size_t>(n) + 2) return ParseOutcome::kIncomplete;
        if (in_.substr(at_ + n, 2) != "\r\n") return Malformed("a bulk not followed by CRLF");
        out->type = RespReply::Type::kBulk;
        out->str = in_.substr(at_, n);
        at_ += n + 2;
        return ParseOutcome::kDone;
      }
      case '*': {
        int64_t n = 0;
        if (!Integer(line, &n) || n < -1) return Malformed("a bad array length");
        if (n == -1) {
          out->type = RespReply::Type::kNull;
          return ParseOutcome::kDone;
        }
        if (static_cast<uint64_t>(n) > kMaxArrayElements) {
          return Malformed(fmt::format("an array of {} elements (at most {})", n, kMaxArrayElements));
        }
        out->type = RespReply::Type::kArray;
        out->elements.clear();
        for (int64_t i = 0; i < n; ++i) {
          if (ParseOutcome o = Parse(&out->elements.emplace_back(), depth + 1);
              o != ParseOutcome::kDone) {
            return o;
          }
        }
        return ParseOutcome::kDone;
      }
      default:
        return Malformed(fmt::format("type byte 0x{:02x}", static_cast<unsigned char>(type)));
    }
  }

  size_t consumed() const { return at_; }
  const std::string& error() const { return error_; }

 private:
  // The next line without its CRLF. A line longer than this with no CRLF
  // is not a reply header.
  static constexpr size_t kMaxLine = 64 << 10;

  ParseOutcome Line(std::string_view* line) {
    const size_t end = in_.find("\r\n", at_);
    if (end == std::string_view::npos) {
      return in_.size() - at_ > kMaxLine ? Malformed("a line with no CRLF") : ParseOutcome::kIncomplete;
    }
    *line = in_.substr(at_, end - at_);
    at_ = end + 2;
    return ParseOutcome::kDone;
  }

  static bool Integer(std::string_view s, int64_t* v) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  }

  ParseOutcome Malformed(std::string why) {
    error_ = fmt::format("malformed reply at byte {}: {}", at_, why);
    return ParseOutcome::kMalformed;
  }

  std::string_view in_;
  size_t at_ = 0;
  std::string error_;
};

}  // namespace

std::string RespReply::ToString() const {
  switch (type) {
    case Type::kStatus: return "+" + str;
    case Type::kError: return "-" + str;
    case Type::kInteger: return fmt::format(":{}", integer);
    case Type::kBulk: return "$" + str;
    case Type::kNull: return "(nil)";
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        out += (i > 0 ? ", " : "") + elements[i].ToString();
      }
      return out + "]";
    }
  }
  return "?";
}

ParseOutcome ParseReply(std::string_view bytes, RespReply* reply, size_t* consumed,
                        std::string* error) {
  Parser p(bytes);
  const ParseOutcome o = p.Parse(reply, 0);
  if (o == ParseOutcome::kDone) *consumed = p.consumed();
  if (o == ParseOutcome::kMalformed) *error = p.error();
  return o;
}

void AppendCommand(const std::vector<std::string_view>& args, std::string* out) {
  *out += fmt::format("*{}\r\n", args.size());
  for (std::string_view a : args) {
    *out += fmt::format("${}\r\n", a.size());
    out->append(a);
    *out += "\r\n";
  }
}

}  // namespace synapsed::storage
