#include "api/bounded_iterator.h"

namespace synapsed::storage {
namespace {

class BoundedIterator final : public Iterator {
 public:
  BoundedIterator(std::unique_ptr<Iterator> base, KeyRange range)
      : base_(std::move(base)), range_(std::move(range)) {}

  bool Valid() const override {
    return base_->Valid() && range_.Contains(base_->key());
  }
  void SeekToFirst() override {
    if (range_.start) {
      base_->Seek(*range_.start);
    } else {
      base_->SeekToFirst();
    }
  }
  void SeekToLast() override {
    if (range_.end) {
      base_->SeekForPrev(*range_.end);
      if (base_->Valid() && base_->key() == *range_.end) base_->Prev();
    } else {
      base_->SeekToLast();
    }
  }
  void Seek(std::string_view target) override {
    if (range_.start && target < *range_.start) target = *range_.start;
    base_->Seek(target);
  }
  void SeekForPrev(std::string_view target) override {
    if (range_.end && target >= *range_.end) {
      SeekToLast();
    } else {
      base_->SeekForPrev(target);
    }
  }
  void Next() override { base_->Next(); }
  void Prev() override { base_->Prev(); }
  std::string_view key() const override { return base_->key(); }
  std::string_view value() const override { return base_->value(); }
  absl::Status status() const override { return base_->status(); }

 private:
  std::unique_ptr<Iterator> base_;
  KeyRange range_;
};

}  // namespace

std::unique_ptr<Iterator> NewBoundedIterator(std::unique_ptr<Iterator> base,
                                             KeyRange range) {
  if (!range.start && !range.end) return base;
  return std::make_unique<BoundedIterator>(std::move(base), std::move(range));
}

}  // namespace synapsed::storage
