// VectorIterator: a sorted vector of (internal key, value) behind the
// InternalIterator interface, for the tests of what consumes one (the
// compaction iterator, the merging iterator).
#ifndef SYNAPSED_COMPACTION_VECTOR_ITERATOR_TEST_UTIL_H_
#define SYNAPSED_COMPACTION_VECTOR_ITERATOR_TEST_UTIL_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "util/internal_iterator.h"
#include "util/internal_key.h"

namespace synapsed::storage::testing {

// `end_status` is what status() says once the iterator ran off an end.
class VectorIterator final : public InternalIterator {
 public:
  explicit VectorIterator(
      std::vector<std::pair<std::string, std::string>> entries,
      absl::Status end_status = absl::OkStatus())
      : entries_(std::move(entries)), end_status_(std::move(end_status)) {}

  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override {
    pos_ = entries_.empty() ? 0 : entries_.size() - 1;
  }
  void Seek(std::string_view target) override {
    pos_ = std::lower_bound(entries_.begin(), entries_.end(), target,
                            [](const auto& e, std::string_view t) {
                              return CompareInternalKeys(e.first, t) < 0;
                            }) -
           entries_.begin();
  }
  void Next() override { ++pos_; }
  void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
  std::string_view key() const override { return entries_[pos_].first; }
  std::string_view value() const override { return entries_[pos_].second; }
  absl::Status status() const override {
    return pos_ >= entries_.size() ? end_status_ : absl::OkStatus();
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  absl::Status end_status_;
  size_t pos_ = 0;
};

}  // namespace synapsed::storage::testing

#endif  // SYNAPSED_COMPACTION_VECTOR_ITERATOR_TEST_UTIL_H_
