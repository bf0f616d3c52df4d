// Which versions a compaction keeps: snapshot stripes.
//
// A reader at snapshot S sees, for each user key, the newest version with
// sequence <= S (the latest reader: the newest version). Sort the live
// snapshots s1 < s2 < ... < sk; they cut the sequence space into stripes
//   (0, s1], (s1, s2], ..., (sk-1, sk], (sk, max]
// and name each stripe by its upper end (the last one by kMaxSequenceNumber).
// Readers exist only at the snapshots and at the latest sequence, the upper
// ends of the stripes: the reader at si sees the newest version of the
// highest stripe at or below (si-1, si] that holds a version of the key.
// Only the newest version of a stripe (its head) can ever be seen. So,
// walking a key's versions newest first (the input order):
//   - the first version met in a stripe (the stripe head) is kept;
//   - any later version in the same stripe is dropped (dropped_shadowed).
// This is LevelDB's "seq <= smallest_snapshot and a newer entry exists" rule
// generalised to every snapshot, as RocksDB's CompactionIterator does.
//
// Deletion markers. Above the bottom a marker is kept like a value: it hides
// versions in lower levels this compaction cannot see. In a bottommost
// compaction nothing below holds the key, and the inputs hold every version
// of it (the picker cuts inputs at clean user-key boundaries), so a marker
// matters only if an older version of its key is kept: a reader that sees
// the marker would see that version once it went. A marker heading a stripe
// is therefore held back (copied) and the scan goes on through the key's
// lower stripes: if it reaches a value heading a lower stripe, the held
// markers and that value are all kept (each hides it from its own stripe);
// if the key ends first, every held marker is dropped (dropped_deletions)
// together with what it shadowed. With no snapshots at the bottom, that
// leaves exactly the newest version of each key, and no deletions at all.
#include "compaction/compaction_iterator.h"

#include <algorithm>

#include "fmt/format.h"

namespace synapsed::storage::compaction {
namespace {

// Before any version of the current key: differs from every stripe name.
constexpr SequenceNumber kNoStripe = ~SequenceNumber{0};

// Bytes for an error message: printable ASCII as is, the rest as \xNN.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

}  // namespace

CompactionIterator::CompactionIterator(InternalIterator* input,
                                       std::vector<SequenceNumber> snapshots,
                                       bool bottommost)
    : input_(input), snapshots_(std::move(snapshots)), bottommost_(bottommost) {
  std::sort(snapshots_.begin(), snapshots_.end());
  snapshots_.erase(std::unique(snapshots_.begin(), snapshots_.end()),
                   snapshots_.end());
}

SequenceNumber CompactionIterator::StripeOf(SequenceNumber seq) const {
  auto it = std::lower_bound(snapshots_.begin(), snapshots_.end(), seq);
  return it == snapshots_.end() ? kMaxSequenceNumber : *it;
}

void CompactionIterator::SeekToFirst() {
  stats_ = CompactionIteratorStats{};
  status_ = absl::OkStatus();
  has_current_user_key_ = false;
  last_kept_stripe_ = kNoStripe;
  held_.clear();
  held_pos_ = 0;
  emitting_held_ = false;
  input_->SeekToFirst();
  FindNextKept();
}

bool CompactionIterator::Valid() const { return valid_; }

std::string_view CompactionIterator::key() const { return key_; }

std::string_view CompactionIterator::value() const { return value_; }

absl::Status CompactionIterator::status() const {
  if (!status_.ok()) return status_;
  return input_->status();
}

void CompactionIterator::Next() {
  if (emitting_held_) {
    if (++held_pos_ < held_.size()) {
      key_ = held_[held_pos_].first;
      value_ = held_[held_pos_].second;
      return;
    }
    // The value that made the markers needed comes next; the input is
    // still positioned on it.
    held_.clear();
    held_pos_ = 0;
    emitting_held_ = false;
    key_ = input_->key();
    value_ = input_->value();
    return;
  }
  input_->Next();
  FindNextKept();
}

void CompactionIterator::DropHeld() {
  stats_.dropped_deletions += held_.size();
  held_.clear();
}

void CompactionIterator::FindNextKept() {
  valid_ = false;
  for (; input_->Valid(); input_->Next()) {
    ParsedInternalKey ikey;
    if (!ParseInternalKey(input_->key(), &ikey)) {
      status_ = absl::DataLossError(fmt::format(
          "compaction input: corrupt internal key '{}' after user key '{}'",
          Printable(input_->key()), Printable(current_user_key_)));
      held_.clear();
      return;
    }
    ++stats_.input_entries;
    if (!has_current_user_key_ || ikey.user_key != current_user_key_) {
      DropHeld();  // nothing older of their key is kept
      current_user_key_.assign(ikey.user_key);
      has_current_user_key_ = true;
      last_kept_stripe_ = kNoStripe;
    }
    const SequenceNumber stripe = StripeOf(ikey.sequence);
    if (stripe == last_kept_stripe_) {
      ++stats_.dropped_shadowed;
      continue;
    }
    last_kept_stripe_ = stripe;
    if (bottommost_ && ikey.type == ValueType::kDeletion) {
      held_.emplace_back(input_->key(), input_->value());
      continue;
    }
    valid_ = true;
    if (!held_.empty()) {
      held_pos_ = 0;
      emitting_held_ = true;
      key_ = held_[0].first;
      value_ = held_[0].second;
      return;
    }
    key_ = input_->key();
    value_ = input_->value();
    return;
  }
  DropHeld();
  if (status_.ok() && !input_->status().ok()) status_ = input_->status();
}

}  // namespace synapsed::storage::compaction
