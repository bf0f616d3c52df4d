#include "security/hiding_iterator.h"

#include <string>
#include <utility>

namespace synapsed::storage::security {
namespace {

class HidingIterator final : public Iterator {
 public:
  HidingIterator(std::unique_ptr<Iterator> inner, std::string_view hidden)
      : inner_(std::move(inner)),
        hidden_(hidden),
        past_hidden_(*PrefixSuccessor(hidden)) {}

  bool Valid() const override { return inner_->Valid(); }
  void SeekToFirst() override {
    inner_->SeekToFirst();
    SkipForward();
  }
  void SeekToLast() override {
    inner_->SeekToLast();
    SkipBackward();
  }
  void Seek(std::string_view target) override {
    inner_->Seek(target);
    SkipForward();
  }
  void SeekForPrev(std::string_view target) override {
    inner_->SeekForPrev(target);
    SkipBackward();
  }
  void Next() override {
    inner_->Next();
    SkipForward();
  }
  void Prev() override {
    inner_->Prev();
    SkipBackward();
  }
  std::string_view key() const override { return inner_->key(); }
  std::string_view value() const override { return inner_->value(); }
  absl::Status status() const override { return inner_->status(); }

 private:
  bool OnHidden() const {
    return inner_->Valid() && inner_->key().starts_with(hidden_);
  }
  // The hidden keys are contiguous: one seek jumps over all of them.
  void SkipForward() {
    if (OnHidden()) inner_->Seek(past_hidden_);
  }
  void SkipBackward() {
    if (!OnHidden()) return;
    inner_->SeekForPrev(hidden_);  // lands on the prefix itself if it is a key
    if (OnHidden()) inner_->Prev();
  }

  const std::unique_ptr<Iterator> inner_;
  const std::string hidden_;
  const std::string past_hidden_;
};

}  // namespace

std::unique_ptr<Iterator> NewHidingIterator(std::unique_ptr<Iterator> inner,
                                            std::string_view hidden) {
  return std::make_unique<HidingIterator>(std::move(inner), hidden);
}

}  // namespace synapsed::storage::security
