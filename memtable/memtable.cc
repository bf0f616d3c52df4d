#include "memtable/memtable.h"

#include <algorithm>
#include <cassert>

#include "util/checksum.h"

namespace synapsed::storage::memtable {

MemTable::MemTable(uint64_t log_number, const MemTableOptions& options)
    : log_number_(log_number),
      arena_(Arena::Options{.block_size = options.arena_block_size,
                            .huge_pages = options.arena_huge_pages,
                            .pool = options.arena_pool}),
      bloom_(options.bloom_bytes, &arena_),
      list_(EntryComparator{}, &arena_, options.skiplist_seed) {}

void MemTable::Add(SequenceNumber seq, ValueType type,
                   std::string_view user_key, std::string_view value) {
  assert(seq <= kMaxSequenceNumber);
  assert(type == ValueType::kValue || type == ValueType::kDeletion);
  // Bits before the entry: a reader that can see the entry sees them too.
  if (bloom_.enabled()) bloom_.Add(KeyHash(user_key));
  char* entry = list_.AllocateEntry(EntrySize(user_key, value));
  EncodeEntry(entry, seq, type, user_key, value);
  if (!list_.Insert(entry)) return;  // exact duplicate: keep the first

  // Single writer: plain load + store, no atomic read-modify-write.
  const uint64_t n = num_entries_.load(std::memory_order_relaxed);
  num_entries_.store(n + 1, std::memory_order_relaxed);
  if (type == ValueType::kDeletion) {
    num_deletions_.store(num_deletions_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  }
  if (n == 0) {
    first_seq_.store(seq, std::memory_order_relaxed);
    last_seq_.store(seq, std::memory_order_relaxed);
    empty_.store(false, std::memory_order_relaxed);
  } else {
    if (seq < first_seq_.load(std::memory_order_relaxed)) {
      first_seq_.store(seq, std::memory_order_relaxed);
    }
    if (seq > last_seq_.load(std::memory_order_relaxed)) {
      last_seq_.store(seq, std::memory_order_relaxed);
    }
  }
}

uint64_t MemTable::KeyHash(std::string_view user_key) {
  return Hash64(user_key);
}

LookupResult MemTable::GetView(std::string_view user_key,
                               SequenceNumber snapshot, std::string_view* value,
                               SequenceNumber* seq) const {
  if (bloom_.enabled() && !bloom_.MayContain(KeyHash(user_key))) {
    return LookupResult::kNotPresent;
  }
  return Search(user_key, snapshot, value, seq);
}

LookupResult MemTable::GetViewWithHash(std::string_view user_key,
                                       uint64_t key_hash,
                                       SequenceNumber snapshot,
                                       std::string_view* value,
                                       SequenceNumber* seq) const {
  if (!bloom_.MayContain(key_hash)) return LookupResult::kNotPresent;
  return Search(user_key, snapshot, value, seq);
}

LookupResult MemTable::Search(std::string_view user_key,
                              SequenceNumber snapshot, std::string_view* value,
                              SequenceNumber* seq) const {
  snapshot = std::min(snapshot, kMaxSequenceNumber);
  // The newest version at or below the snapshot is the first entry at or
  // after (user_key, snapshot, highest type).
  const EntryKey lookup{user_key.data(), user_key.size(),
                        PackSequenceAndType(snapshot, kValueTypeForSeek)};
  List::Iterator it(&list_);
  it.Seek(lookup);
  if (!it.Valid()) return LookupResult::kNotPresent;
  const EntryKey found = DecodeEntryKey(it.entry());
  if (CompareBytes(found.user_key, found.user_key_size, user_key.data(),
                   user_key.size()) != 0) {
    return LookupResult::kNotPresent;
  }
  if (seq != nullptr) *seq = found.trailer >> 8;
  switch (static_cast<ValueType>(found.trailer & 0xff)) {
    case ValueType::kValue:
      *value = EntryValue(it.entry());
      return LookupResult::kFound;
    case ValueType::kDeletion:
      return LookupResult::kDeleted;
    default:
      // Add accepts only the two types above.
      assert(false);
      return LookupResult::kNotPresent;
  }
}

LookupResult MemTable::Get(std::string_view user_key, SequenceNumber snapshot,
                           std::string* value, SequenceNumber* seq) const {
  std::string_view v;
  const LookupResult r = GetView(user_key, snapshot, &v, seq);
  if (r == LookupResult::kFound) value->assign(v.data(), v.size());
  return r;
}

std::unique_ptr<MemTableIterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(*this);
}

}  // namespace synapsed::storage::memtable
