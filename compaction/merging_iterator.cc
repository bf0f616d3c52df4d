#include "compaction/merging_iterator.h"

#include "util/internal_key.h"

namespace synapsed::storage::compaction {
namespace {

class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> c)
      : children_(std::move(c)) {}

  bool Valid() const override { return current_ != nullptr; }
  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    forward_ = true;
    FindSmallest();
  }
  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    forward_ = false;
    FindLargest();
  }
  void Seek(std::string_view target) override {
    for (auto& c : children_) c->Seek(target);
    forward_ = true;
    FindSmallest();
  }
  void Next() override {
    if (!forward_) {
      // Move every other child to the first entry after key().
      const std::string key(current_->key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(key);
        if (c->Valid() && CompareInternalKeys(key, c->key()) == 0) c->Next();
      }
      forward_ = true;
    }
    current_->Next();
    FindSmallest();
  }
  void Prev() override {
    if (forward_) {
      // Move every other child to the last entry before key().
      const std::string key(current_->key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(key);
        if (c->Valid()) {
          c->Prev();
        } else {
          c->SeekToLast();
        }
      }
      forward_ = false;
    }
    current_->Prev();
    FindLargest();
  }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  absl::Status status() const override {
    for (const auto& c : children_) {
      if (absl::Status s = c->status(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  void FindSmallest() {
    current_ = nullptr;
    for (auto& c : children_) {
      if (c->Valid() &&
          (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) < 0)) {
        current_ = c.get();
      }
    }
    if (!status().ok()) current_ = nullptr;  // never yield past an error
  }
  void FindLargest() {
    current_ = nullptr;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      auto& c = *it;
      if (c->Valid() &&
          (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) > 0)) {
        current_ = c.get();
      }
    }
    if (!status().ok()) current_ = nullptr;
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  InternalIterator* current_ = nullptr;
  bool forward_ = true;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace synapsed::storage::compaction
