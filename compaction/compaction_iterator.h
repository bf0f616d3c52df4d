// CompactionIterator: which versions a compaction keeps.
//
// It reads a merged internal-key stream (every version of every key of the
// inputs, user key ascending, sequence descending) and yields only the
// entries that someone can still see:
//   - the newest version of each user key;
//   - for each live snapshot S, the newest version with sequence <= S;
//   - a deletion marker is dropped only when the compaction is bottommost
//     (no level below holds the key), and no snapshot needs it to hide an
//     older version that is kept; versions it hides that no snapshot can see
//     go with it.
// `snapshots` is the sorted list of live snapshot sequences. Counts of what
// was dropped are kept for the statistics. One thread.
#ifndef SYNAPSED_COMPACTION_COMPACTION_ITERATOR_H_
#define SYNAPSED_COMPACTION_COMPACTION_ITERATOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compaction/merging_iterator.h"
#include "util/internal_key.h"

namespace synapsed::storage::compaction {

struct CompactionIteratorStats {
  uint64_t input_entries = 0;
  uint64_t dropped_shadowed = 0;   // older versions nobody can see
  uint64_t dropped_deletions = 0;  // markers dropped at the bottom
};

class CompactionIterator {
 public:
  CompactionIterator(InternalIterator* input, std::vector<SequenceNumber> snapshots,
                     bool bottommost);

  // Positions on the first kept entry.
  void SeekToFirst();
  bool Valid() const;
  void Next();
  std::string_view key() const;    // internal key
  std::string_view value() const;
  absl::Status status() const;     // input errors, corrupt keys (DataLoss)
  const CompactionIteratorStats& stats() const { return stats_; }

 private:
  void FindNextKept();

  InternalIterator* input_;
  std::vector<SequenceNumber> snapshots_;  // ascending
  bool bottommost_;
  CompactionIteratorStats stats_;
  absl::Status status_;
  bool valid_ = false;
  // State for the current user key.
  std::string current_user_key_;
  bool has_current_user_key_ = false;
  SequenceNumber last_kept_stripe_ = kMaxSequenceNumber;

  // The stripe of `seq`: the oldest snapshot that sees it, or
  // kMaxSequenceNumber (only the latest reader sees it).
  SequenceNumber StripeOf(SequenceNumber seq) const;
  void DropHeld();

  // The current entry: points into the input or into held_.
  std::string_view key_;
  std::string_view value_;
  // Bottommost only: deletion markers heading consecutive stripes of the
  // current user key, held back (copied) until the key's next stripe head
  // shows whether an older value is kept (then they are emitted, the input
  // still positioned on that value) or not (then they are dropped).
  std::vector<std::pair<std::string, std::string>> held_;
  size_t held_pos_ = 0;
  bool emitting_held_ = false;
};

}  // namespace synapsed::storage::compaction

#endif  // SYNAPSED_COMPACTION_COMPACTION_ITERATOR_H_
