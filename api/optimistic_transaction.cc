#include "api/optimistic_transaction.h"

#include <vector>

#include "util/status_macros.h"

namespace synapsed::storage {

OptimisticTransaction::OptimisticTransaction(Store* store,
                                             TransactionCommitter* committer,
                                             SnapshotHandle snapshot)
    : store_(store), committer_(committer), snapshot_(std::move(snapshot)) {}

absl::Status OptimisticTransaction::CheckActive() const {
  if (finished_) {
    return absl::FailedPreconditionError(
        "transaction already committed or rolled back");
  }
  return absl::OkStatus();
}

absl::Status OptimisticTransaction::Get(std::string_view key,
                                        std::string* value) {
  RETURN_IF_ERROR(CheckActive());
  RETURN_IF_ERROR(ValidateKey(key));
  if (auto it = writes_.find(key); it != writes_.end()) {
    if (!it->second) return absl::NotFoundError("");
    *value = *it->second;
    return absl::OkStatus();
  }
  ReadOptions ro;
  ro.snapshot = snapshot_.get();
  PinnableValue v;
  RETURN_IF_ERROR(store_->Get(ro, key, &v));
  value->assign(v.view());
  return absl::OkStatus();
}

absl::Status OptimisticTransaction::GetForUpdate(std::string_view key,
                                                 std::string* value) {
  RETURN_IF_ERROR(CheckActive());
  RETURN_IF_ERROR(ValidateKey(key));
  read_for_update_.emplace(key);
  return Get(key, value);
}

absl::Status OptimisticTransaction::Put(std::string_view key,
                                        std::string_view value) {
  RETURN_IF_ERROR(CheckActive());
  RETURN_IF_ERROR(ValidateKeyValue(key, value));
  writes_.insert_or_assign(std::string(key), std::string(value));
  return absl::OkStatus();
}

absl::Status OptimisticTransaction::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckActive());
  RETURN_IF_ERROR(ValidateKey(key));
  writes_.insert_or_assign(std::string(key), std::nullopt);
  return absl::OkStatus();
}

std::unique_ptr<Iterator> OptimisticTransaction::NewIterator(
    const KeyRange& range) {
  if (absl::Status s = CheckActive(); !s.ok()) return NewErrorIterator(s);
  ReadOptions ro;
  ro.snapshot = snapshot_.get();
  return NewWriteSetIterator(&writes_, store_->NewIterator(ro, range), range);
}

absl::Status OptimisticTransaction::Commit(const WriteOptions& options) {
  RETURN_IF_ERROR(CheckActive());
  finished_ = true;
  // Nothing written and nothing read for update: nothing to apply or check.
  // Keys read with GetForUpdate are checked even when nothing was written.
  if (writes_.empty() && read_for_update_.empty()) return absl::OkStatus();
  WriteBatch batch;
  std::vector<std::string> check;
  check.reserve(writes_.size() + read_for_update_.size());
  for (const auto& [key, value] : writes_) {
    RETURN_IF_ERROR(value ? batch.Put(key, *value) : batch.Delete(key));
    check.push_back(key);
  }
  for (const std::string& key : read_for_update_) {
    if (!writes_.count(key)) check.push_back(key);
  }
  absl::Status s =
      committer_->CommitTransaction(options, batch, *snapshot_, check);
  writes_.clear();
  snapshot_.reset();
  return s;
}

absl::Status OptimisticTransaction::Rollback() {
  RETURN_IF_ERROR(CheckActive());
  finished_ = true;
  writes_.clear();
  read_for_update_.clear();
  snapshot_.reset();
  return absl::OkStatus();
}

// --- the merging iterator ----------------------------------------------------

namespace {

class WriteSetIterator final : public Iterator {
 public:
  using WriteSet = OptimisticTransaction::WriteSet;

  WriteSetIterator(const WriteSet* writes, std::unique_ptr<Iterator> base,
                   KeyRange range)
      : writes_(writes), base_(std::move(base)), range_(std::move(range)) {}

  bool Valid() const override { return current_ != kNone; }
  void SeekToFirst() override {
    forward_ = true;
    base_->SeekToFirst();
    DeltaSeek(range_.start ? std::string_view(*range_.start) : std::string_view());
    Settle();
  }
  void SeekToLast() override {
    forward_ = false;
    base_->SeekToLast();
    DeltaSeekToLast();
    Settle();
  }
  void Seek(std::string_view target) override {
    forward_ = true;
    base_->Seek(target);
    if (range_.start && target < *range_.start) target = *range_.start;
    DeltaSeek(target);
    Settle();
  }
  void SeekForPrev(std::string_view target) override {
    forward_ = false;
    base_->SeekForPrev(target);
    DeltaSeekForPrev(target);
    Settle();
  }
  void Next() override {
    if (!forward_) {
      std::string k(key());
      Seek(k);  // lands on the current entry, now moving forward
    }
    const bool both = current_ == kDelta && base_->Valid() && base_->key() == delta_->first;
    if (current_ == kDelta) {
      ++delta_;
      if (both) base_->Next();
    } else {
      base_->Next();
    }
    Settle();
  }
  void Prev() override {
    if (forward_) {
      std::string k(key());
      SeekForPrev(k);
    }
    const bool both = current_ == kDelta && base_->Valid() && base_->key() == delta_->first;
    if (current_ == kDelta) {
      DeltaPrev();
      if (both) base_->Prev();
    } else {
      base_->Prev();
    }
    Settle();
  }
  std::string_view key() const override {
    return current_ == kDelta ? std::string_view(delta_->first) : base_->key();
  }
  std::string_view value() const override {
    return current_ == kDelta ? std::string_view(*delta_->second) : base_->value();
  }
  absl::Status status() const override { return base_->status(); }

 private:
  enum Current { kNone, kBase, kDelta };

  bool DeltaValid() const {
    if (delta_ == writes_->end()) return false;
    return range_.Contains(delta_->first);
  }
  void DeltaSeek(std::string_view target) { delta_ = writes_->lower_bound(target); }
  void DeltaSeekToLast() {
    delta_ = range_.end ? writes_->lower_bound(*range_.end) : writes_->end();
    DeltaPrev();
  }
  void DeltaSeekForPrev(std::string_view target) {
    auto it = writes_->upper_bound(target);
    if (range_.end) {
      auto limit = writes_->lower_bound(*range_.end);
      if (limit != writes_->end() && (it == writes_->end() || limit->first < it->first)) {
        it = limit;
      }
    }
    delta_ = it;
    DeltaPrev();
  }
  // Moves back one entry; past the beginning the delta becomes invalid.
  void DeltaPrev() {
    if (delta_ == writes_->begin()) {
      delta_ = writes_->end();
    } else {
      --delta_;
    }
  }

  // Chooses the current entry, skipping deleted keys.
  void Settle() {
    while (true) {
      const bool dv = DeltaValid();
      const bool bv = base_->Valid();
      if (!dv && !bv) {
        current_ = kNone;
        return;
      }
      if (!dv) {
        current_ = kBase;
        return;
      }
      int cmp = bv ? std::string_view(delta_->first).compare(base_->key()) : 0;
      if (!forward_) cmp = -cmp;
      if (bv && cmp > 0) {  // the base entry comes first
        current_ = kBase;
        return;
      }
      if (delta_->second) {
        current_ = kDelta;
        return;
      }
      // A delete: skip it, and the base entry it hides.
      if (bv && cmp == 0) forward_ ? base_->Next() : base_->Prev();
      forward_ ? void(++delta_) : DeltaPrev();
    }
  }

  const WriteSet* writes_;
  std::unique_ptr<Iterator> base_;
  KeyRange range_;
  WriteSet::const_iterator delta_;
  bool forward_ = true;
  Current current_ = kNone;
};

}  // namespace

std::unique_ptr<Iterator> NewWriteSetIterator(
    const OptimisticTransaction::WriteSet* writes,
    std::unique_ptr<Iterator> base, KeyRange range) {
  return std::make_unique<WriteSetIterator>(writes, std::move(base),
                                            std::move(range));
}

}  // namespace synapsed::storage
