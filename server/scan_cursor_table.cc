#include "server/scan_cursor_table.h"

#include <random>
#include <utility>

namespace synapsed::storage::server {
namespace {

uint64_t RandomFirstId() {
  std::random_device rd;
  const uint64_t bits = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return bits >> 2;  // below 2^62: 2^62 more ids before kIdLimit
}

}  // namespace

ScanCursorTable::ScanCursorTable()
    : ScanCursorTable(RandomFirstId(), kMaxEntries, kMaxBytes) {}

ScanCursorTable::ScanCursorTable(uint64_t first_id, size_t max_entries,
                                 size_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes), first_id_(first_id) {}

uint64_t ScanCursorTable::Add(std::string key) {
  MutexLock lock(&mu_);
  if (first_id_ + keys_.size() >= kIdLimit) {
    // Out of ids (2^62 Adds after a random start: never in practice).
    // Forgetting every entry keeps each id naming one key.
    keys_.clear();
    bytes_ = 0;
    first_id_ = 0;
  }
  bytes_ += key.size();
  keys_.push_back(std::move(key));
  const uint64_t id = first_id_ + keys_.size() - 1;
  EvictLocked();
  return id;
}

void ScanCursorTable::EvictLocked() {
  // The newest entry stays whatever its size: its cursor is being returned.
  while (keys_.size() > 1 &&
         (keys_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= keys_.front().size();
    keys_.pop_front();
    ++first_id_;
  }
}

std::optional<std::string> ScanCursorTable::Find(uint64_t id) const {
  MutexLock lock(&mu_);
  if (id < first_id_ || id - first_id_ >= keys_.size()) return std::nullopt;
  return keys_[id - first_id_];
}

}  // namespace synapsed::storage::server
