// Iteration over a key range, forward and reverse.
//
// An Iterator is positioned on one (key, value) pair or is invalid. It sees
// one consistent state for its whole life (it is implicitly a snapshot), and
// never yields a key outside its KeyRange. Errors end iteration: Valid()
// becomes false and status() says why. Not thread-safe: one thread uses an
// iterator; it must not outlive its store.
#ifndef SYNAPSED_STORAGE_ITERATOR_H_
#define SYNAPSED_STORAGE_ITERATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace synapsed::storage {

// [start, end) with either end open. Bytewise order.
struct KeyRange {
  std::optional<std::string> start;  // inclusive; nullopt: from the first key
  std::optional<std::string> end;    // exclusive; nullopt: to the last key

  static KeyRange All() { return {}; }
  static KeyRange Between(std::string_view start, std::string_view end) {
    return {std::string(start), std::string(end)};
  }
  static KeyRange From(std::string_view start) {
    return {std::string(start), std::nullopt};
  }
  static KeyRange Before(std::string_view end) {
    return {std::nullopt, std::string(end)};
  }
  // Every key that starts with `prefix`.
  static KeyRange Prefix(std::string_view prefix);

  bool Contains(std::string_view key) const {
    return (!start || key >= *start) && (!end || key < *end);
  }
  bool Empty() const { return start && end && *start >= *end; }
};

// The smallest key greater than every key with this prefix, or nullopt if
// there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

// Which way a scan walks its range: ascending or descending bytewise order.
// An enum rather than a bool so that a call reads `Scan(r, 0, kReverse)`.
enum class Direction { kForward, kReverse };

class Iterator {
 public:
  virtual ~Iterator() = default;

  virtual bool Valid() const = 0;
  // The first / last key of the range.
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // The first key >= target (within the range).
  virtual void Seek(std::string_view target) = 0;
  // The last key <= target (within the range).
  virtual void SeekForPrev(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // REQUIRES: Valid(). Valid until the iterator moves or is destroyed.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK unless an error ended iteration.
  virtual absl::Status status() const = 0;
};

// An iterator that is never valid and reports `status`.
std::unique_ptr<Iterator> NewErrorIterator(absl::Status status);

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_ITERATOR_H_
