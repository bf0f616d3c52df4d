// ReplyWriter: encodes replies in RESP2, or RESP3 after HELLO 3
// (docs/format/resp.md, "Replies").
//
// Each method appends one value (or an aggregate's header; the caller then
// writes its elements) to the string it was given. Where RESP3 has a type
// RESP2 lacks, the RESP2 shape is Redis's: a map is a flat array of
// key, value, ...; a set is an array; null is $-1 (or *-1 for a missing
// array); a verbatim string is a bulk string.
//
// Not thread-safe: one connection's thread writes its replies.
#ifndef SYNAPSED_SERVER_REPLY_WRITER_H_
#define SYNAPSED_SERVER_REPLY_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace synapsed::storage::server {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string* out() { return out_; }

  // +OK. `s` must not hold \r or \n (they are replaced by spaces).
  void Status(std::string_view s);
  // -ERR ...: `message` starts with the error code ("ERR", "WRONGTYPE", ...);
  // \r and \n are replaced by spaces.
  void Error(std::string_view message);
  void Integer(int64_t n);
  void Bulk(std::string_view s);
  // A missing value: $-1 (RESP2) or _ (RESP3).
  void Null();
  // A missing aggregate, as EXEC after a WATCH conflict: *-1 or _.
  void NullArray();
  void Array(size_t n);
  // An out-of-band message (pub/sub): RESP3's push type (>n), an array in
  // RESP2. n elements follow.
  void Push(size_t n);
  // n key-value pairs follow.
  void Map(size_t n);
  void Set(size_t n);
  // A RESP3 verbatim string (=len\r\ntxt:...); a bulk string in RESP2.
  void Verbatim(std::string_view s, std::string_view format = "txt");
  // A bulk string per element.
  void BulkArray(const auto& strings) {
    Array(strings.size());
    for (const auto& s : strings) Bulk(s);
  }

 private:
  void Line(char type, std::string_view s);

  std::string* out_;
  int protocol_;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_REPLY_WRITER_H_
