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
    const bool turned = !forward_;
    if (turned) {
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
    // Unless the walk turned (which moved every child), only the current
    // child moved: while its new entry still comes before every other
    // child's (the runner-up's, which did not move), it stays current — one
    // comparison per step instead of one per child, since scans draw long
    // runs from one child. Its own status is the only one that can have
    // changed.
    if (!turned && current_->Valid() &&
        (runner_up_ == nullptr || CompareInternalKeys(current_->key(), runner_up_->key()) < 0)) {
      if (!current_->status().ok()) current_ = nullptr;
      return;
    }
    FindSmallest();
  }
  void Prev() override {
    const bool turned = forward_;
    if (turned) {
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
    if (!turned && current_->Valid() &&
        (runner_up_ == nullptr || CompareInternalKeys(current_->key(), runner_up_->key()) > 0)) {
      if (!current_->status().ok()) current_ = nullptr;
      return;
    }
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
  // The child with the smallest entry (the lower index on a tie), and the
  // runner-up: the smallest of the others.
  void FindSmallest() {
    current_ = runner_up_ = nullptr;
    for (auto& c : children_) {
      if (!c->Valid()) continue;
      if (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) < 0) {
        runner_up_ = current_;
        current_ = c.get();
      } else if (runner_up_ == nullptr ||
                 CompareInternalKeys(c->key(), runner_up_->key()) < 0) {
        runner_up_ = c.get();
      }
    }
    if (!status().ok()) current_ = nullptr;  // never yield past an error
  }
  // As FindSmallest, for the largest entry (the higher index on a tie).
  void FindLargest() {
    current_ = runner_up_ = nullptr;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      auto& c = *it;
      if (!c->Valid()) continue;
      if (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) > 0) {
        runner_up_ = current_;
        current_ = c.get();
      } else if (runner_up_ == nullptr ||
                 CompareInternalKeys(c->key(), runner_up_->key()) > 0) {
        runner_up_ = c.get();
      }
    }
    if (!status().ok()) current_ = nullptr;
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  InternalIterator* current_ = nullptr;
  // Where the walk goes next if not to current_; null if no other child
  // is valid. Set by FindSmallest / FindLargest.
  InternalIterator* runner_up_ = nullptr;
  bool forward_ = true;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  // One child is its own merge: no heap, and one virtual layer less per
  // step (a settled store read through one level).
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace synapsed::storage::compaction
