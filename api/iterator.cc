#include "synapsed/storage/iterator.h"

namespace synapsed::storage {

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return std::nullopt;
}

KeyRange KeyRange::Prefix(std::string_view prefix) {
  KeyRange r;
  if (!prefix.empty()) r.start = std::string(prefix);
  r.end = PrefixSuccessor(prefix);
  return r;
}

namespace {
class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(absl::Status s) : status_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
};
}  // namespace

std::unique_ptr<Iterator> NewErrorIterator(absl::Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

}  // namespace synapsed::storage
