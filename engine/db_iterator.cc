#include "engine/db_iterator.h"

#include <string>

namespace synapsed::storage::engine {
namespace {

class DBIterator final : public Iterator {
 public:
  DBIterator(std::unique_ptr<InternalIterator> iter, SequenceNumber seq,
             std::shared_ptr<const void> pin)
      : iter_(std::move(iter)), seq_(seq), pin_(std::move(pin)) {}

  bool Valid() const override { return valid_; }
  std::string_view key() const override {
    return forward_ ? ExtractUserKey(iter_->key()) : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    return forward_ ? iter_->value() : std::string_view(saved_value_);
  }
  absl::Status status() const override {
    if (!status_.ok()) return status_;
    return iter_->status();
  }

  void SeekToFirst() override {
    forward_ = true;
    iter_->SeekToFirst();
    FindNextUserEntry(false);
  }
  void SeekToLast() override {
    forward_ = false;
    iter_->SeekToLast();
    FindPrevUserEntry();
  }
  void Seek(std::string_view target) override {
    forward_ = true;
    saved_key_.clear();
    AppendInternalKey(&saved_key_, target, seq_, kValueTypeForSeek);
    iter_->Seek(saved_key_);
    FindNextUserEntry(false);
  }
  void SeekForPrev(std::string_view target) override {
    Seek(target);
    if (Valid() && key() == target) return;
    if (Valid()) {
      Prev();
    } else if (status().ok()) {
      SeekToLast();
    }
  }

  void Next() override {
    if (!forward_) {
      // The internal iterator stands just before the entries of key().
      forward_ = true;
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
      // saved_key_ holds the user key shown: skip all its versions.
    } else {
      saved_key_.assign(ExtractUserKey(iter_->key()));
      iter_->Next();
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    if (forward_) {
      // Step back past every version of the current user key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      while (true) {
        iter_->Prev();
        if (!iter_->Valid()) {
          valid_ = false;
          saved_key_.clear();
          saved_value_.clear();
          forward_ = false;
          return;
        }
        if (ExtractUserKey(iter_->key()) < std::string_view(saved_key_)) break;
      }
      forward_ = false;
    }
    FindPrevUserEntry();
  }

 private:
  bool Parse(ParsedInternalKey* ikey) {
    if (ParseInternalKey(iter_->key(), ikey)) return true;
    status_ = absl::DataLossError("corrupted internal key in iterator");
    return false;
  }

  // Forward: advances to the first visible value at or after the internal
  // iterator, skipping versions of saved_key_ when `skipping`.
  void FindNextUserEntry(bool skipping) {
    for (; iter_->Valid(); iter_->Next()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) break;
      if (ikey.sequence > seq_) continue;
      if (skipping && ikey.user_key <= std::string_view(saved_key_)) continue;
      if (ikey.type == ValueType::kDeletion) {
        saved_key_.assign(ikey.user_key);  // hide older versions
        skipping = true;
        continue;
      }
      valid_ = true;
      saved_key_.clear();
      return;
    }
    valid_ = false;
    saved_key_.clear();
  }

  // Backward: collects the newest visible version of the user key before the
  // internal iterator's position, leaving the internal iterator before it.
  void FindPrevUserEntry() {
    ValueType type = ValueType::kDeletion;
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) {
        valid_ = false;
        return;
      }
      if (ikey.sequence <= seq_) {
        if (type != ValueType::kDeletion &&
            ikey.user_key < std::string_view(saved_key_)) {
          break;  // past the entries of saved_key_
        }
        type = ikey.type;
        if (type == ValueType::kDeletion) {
          saved_key_.clear();
          saved_value_.clear();
        } else {
          saved_key_.assign(ikey.user_key);
          saved_value_.assign(iter_->value());
        }
      }
      iter_->Prev();
    }
    if (type == ValueType::kDeletion) {
      valid_ = false;
      saved_key_.clear();
      saved_value_.clear();
      forward_ = true;
    } else {
      valid_ = true;
    }
  }

  std::unique_ptr<InternalIterator> iter_;
  const SequenceNumber seq_;
  std::shared_ptr<const void> pin_;
  absl::Status status_;
  bool valid_ = false;
  bool forward_ = true;
  std::string saved_key_;    // forward: key to skip; backward: key shown
  std::string saved_value_;  // backward: value shown
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        SequenceNumber sequence,
                                        std::shared_ptr<const void> pin) {
  return std::make_unique<DBIterator>(std::move(internal), sequence, std::move(pin));
}

}  // namespace synapsed::storage::engine
