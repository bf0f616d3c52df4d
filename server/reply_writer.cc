#include "server/reply_writer.h"

#include "absl/strings/str_cat.h"

namespace synapsed::storage::server {

void ReplyWriter::Line(char type, std::string_view s) {
  out_->push_back(type);
  const size_t start = out_->size();
  out_->append(s);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyWriter::Status(std::string_view s) { Line('+', s); }
void ReplyWriter::Error(std::string_view message) { Line('-', message); }

void ReplyWriter::Integer(int64_t n) { absl::StrAppend(out_, ":", n, "\r\n"); }

void ReplyWriter::Bulk(std::string_view s) {
  absl::StrAppend(out_, "$", s.size(), "\r\n");
  out_->append(s);
  out_->append("\r\n");
}

void ReplyWriter::Null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyWriter::NullArray() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::Array(size_t n) { absl::StrAppend(out_, "*", n, "\r\n"); }

void ReplyWriter::Push(size_t n) {
  if (protocol_ >= 3) {
    absl::StrAppend(out_, ">", n, "\r\n");
  } else {
    Array(n);
  }
}

void ReplyWriter::Map(size_t n) {
  if (protocol_ >= 3) {
    absl::StrAppend(out_, "%", n, "\r\n");
  } else {
    Array(2 * n);
  }
}

void ReplyWriter::Set(size_t n) {
  if (protocol_ >= 3) {
    absl::StrAppend(out_, "~", n, "\r\n");
  } else {
    Array(n);
  }
}

void ReplyWriter::Verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) return Bulk(s);
  absl::StrAppend(out_, "=", s.size() + format.size() + 1, "\r\n");
  out_->append(format);
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n");
}

}  // namespace synapsed::storage::server
