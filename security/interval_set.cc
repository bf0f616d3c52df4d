#include "security/interval_set.h"

#include <algorithm>

namespace synapsed::storage::security {
namespace {

// Whether end `a` (nullopt: open) is at or past end `b`.
bool EndAtOrPast(const std::optional<std::string>& a,
                 const std::optional<std::string>& b) {
  if (!a) return true;
  if (!b) return false;
  return *a >= *b;
}

}  // namespace

void IntervalSet::Add(std::string_view begin,
                      std::optional<std::string_view> end) {
  if (end && *end <= begin) return;
  intervals_.push_back(
      {std::string(begin),
       end ? std::optional<std::string>(std::string(*end)) : std::nullopt});
}

void IntervalSet::AddPrefix(std::string_view prefix) {
  const std::optional<std::string> end = PrefixSuccessor(prefix);
  Add(prefix, end ? std::optional<std::string_view>(*end) : std::nullopt);
}

void IntervalSet::AddAll(const IntervalSet& other) {
  intervals_.insert(intervals_.end(), other.intervals_.begin(),
                    other.intervals_.end());
}

void IntervalSet::Normalize() {
  std::sort(
      intervals_.begin(), intervals_.end(),
      [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  std::vector<Interval> merged;
  for (Interval& i : intervals_) {
    // Touching counts: [a, c) and [c, e) leave no key between them.
    if (!merged.empty() &&
        (!merged.back().end || i.begin <= *merged.back().end)) {
      if (!EndAtOrPast(merged.back().end, i.end)) merged.back().end = i.end;
      continue;
    }
    merged.push_back(std::move(i));
  }
  intervals_ = std::move(merged);
}

const Interval* IntervalSet::Floor(std::string_view key) const {
  auto it = std::upper_bound(
      intervals_.begin(), intervals_.end(), key,
      [](std::string_view k, const Interval& i) { return k < i.begin; });
  if (it == intervals_.begin()) return nullptr;
  return &*std::prev(it);
}

bool IntervalSet::Contains(std::string_view key) const {
  const Interval* i = Floor(key);
  return i != nullptr && (!i->end || key < *i->end);
}

bool IntervalSet::Covers(const KeyRange& range) const {
  if (range.Empty()) return true;
  const Interval* i = Floor(range.start.value_or(""));
  return i != nullptr && EndAtOrPast(i->end, range.end);
}

}  // namespace synapsed::storage::security
