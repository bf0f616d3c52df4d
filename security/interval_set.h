// IntervalSet: a set of byte-string keys as sorted, coalesced half-open
// intervals [begin, end), an unset end being open (past every key). What a
// principal may read, or write, compiles to one (security/acl_rules.h).
//
// Build with Add, then Normalize once: intervals are sorted by begin and
// overlapping or touching ones ([a, c) and [c, e)) merged, so that a range
// lies inside the set exactly when it lies inside one interval. Contains
// and Covers are binary searches. Not thread-safe while being built; const
// use from many threads is fine.
#ifndef SYNAPSED_SECURITY_INTERVAL_SET_H_
#define SYNAPSED_SECURITY_INTERVAL_SET_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synapsed/storage/iterator.h"

namespace synapsed::storage::security {

struct Interval {
  std::string begin;
  std::optional<std::string> end;  // nullopt: open
  bool operator==(const Interval&) const = default;
};

class IntervalSet {
 public:
  // Adds [begin, end); an empty interval (begin >= end) adds nothing.
  void Add(std::string_view begin, std::optional<std::string_view> end);
  // Every key starting with `prefix`.
  void AddPrefix(std::string_view prefix);
  void AddAll(const IntervalSet& other);
  // Sorts and merges. REQUIRES: called after the last Add, before queries.
  void Normalize();

  bool Contains(std::string_view key) const;
  // Whether every key of `range` is in the set. An empty range is covered.
  bool Covers(const KeyRange& range) const;
  bool Empty() const { return intervals_.empty(); }
  const std::vector<Interval>& intervals() const { return intervals_; }

 private:
  // The last interval whose begin is <= key, or nullptr.
  const Interval* Floor(std::string_view key) const;

  std::vector<Interval> intervals_;
};

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_INTERVAL_SET_H_
