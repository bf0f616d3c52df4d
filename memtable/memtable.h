// MemTable: the in-memory sorted run that receives every write before it is
// flushed to an SSTable. It holds versions of user keys as internal keys
// (user key, sequence, type; util/internal_key.h) in an arena-backed inline
// skiplist, each entry with its value in the same allocation.
//
// Life cycle (engine side): the engine holds memtables through
// std::shared_ptr<MemTable>. The active one takes Adds from the write path;
// when ApproximateMemoryUsage() reaches write_buffer_size the engine starts a
// new one (and a new log) and keeps this one, now immutable, readable until
// its flush is installed. The memtable records the log number its data lives
// in, so the engine knows which logs a flush makes obsolete.
//
// Threads:
//   - Add: one writer at a time (the group-commit leader; see skiplist.h for
//     why the skiplist takes a single writer).
//   - Get, iterators, the counters and ApproximateMemoryUsage: any thread,
//     concurrently with Add, lock-free. A reader is guaranteed to see an Add
//     if the writer published something after Add returned (the engine's
//     last-sequence release store) and the reader acquired it first (its
//     snapshot load). It may see later Adds too; a snapshot sequence filters
//     those out.
//
// Promises: entries are never changed or removed; keys, values and iterator
// positions point into the memtable's arena and stay valid while the
// memtable lives.
#ifndef SYNAPSED_MEMTABLE_MEMTABLE_H_
#define SYNAPSED_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "memtable/arena.h"
#include "memtable/memtable_bloom.h"
#include "memtable/memtable_entry.h"
#include "memtable/skiplist.h"
#include "util/internal_key.h"

namespace synapsed::storage::memtable {

enum class LookupResult {
  kNotPresent,  // no version of the key at or below the snapshot: look further down
  kFound,       // the newest visible version is a value
  kDeleted,     // the newest visible version is a deletion: the key is absent
};

struct MemTableOptions {
  // Arena block size: see Arena::Options. The default (1 MiB) keeps the
  // memory held past the last allocation small for 4-64 MiB memtables.
  size_t arena_block_size = Arena::kDefaultBlockSize;
  // madvise(MADV_HUGEPAGE) on arena blocks (needs arena_block_size >= 2 MiB).
  bool arena_huge_pages = false;
  // If set, arena blocks come from (and return to) this pool, shared by the
  // DB's memtables, and the two fields above are the pool's business.
  std::shared_ptr<ArenaBlockPool> arena_pool = nullptr;
  // Size of a whole-key bloom filter over user keys, in bytes; 0 = none.
  // It lets a Get for a key the memtable lacks skip the skiplist search, for
  // one hash per Add and per Get. Suggested: write_buffer_size / 64 (about
  // 18 bits per key with 16-byte keys and 100-byte values, under 0.1% false
  // positives), taken from the arena and counted in its memory usage.
  size_t bloom_bytes = 0;
  // Seed for the skiplist tower heights (tests pin it for reproducibility).
  uint64_t skiplist_seed = 0x5eed;
};

class MemTableIterator;

class MemTable {
 public:
  using List = InlineSkipList<EntryComparator>;

  // `log_number`: the WAL file this memtable's data is logged in.
  explicit MemTable(uint64_t log_number, const MemTableOptions& options = {});
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Writer only. Adds one version of user_key. `type` is kValue or kDeletion
  // (value empty for a deletion). REQUIRES: seq <= kMaxSequenceNumber, the
  // user key under 4 GiB - 8 and the value under 4 GiB (the engine caps them
  // at 16 KiB and 32 MiB). An exact duplicate (same key, sequence and type)
  // is an engine bug and is dropped: the first version stays.
  void Add(SequenceNumber seq, ValueType type, std::string_view user_key,
           std::string_view value);

  // The newest version of user_key with sequence <= snapshot. On kFound the
  // value is copied into *value; on kFound and kDeleted *seq (if not null)
  // receives the version's sequence.
  LookupResult Get(std::string_view user_key, SequenceNumber snapshot,
                   std::string* value, SequenceNumber* seq = nullptr) const;
  // As Get, but *value points into the memtable (no copy): valid while the
  // memtable lives, e.g. while the caller holds its shared_ptr.
  LookupResult GetView(std::string_view user_key, SequenceNumber snapshot,
                       std::string_view* value,
                       SequenceNumber* seq = nullptr) const;

  // The hash the bloom filter takes: XXH3-64 of the user key, seed 0, the
  // same as the SSTable filters (sstable::FilterHash), so the engine can hash
  // a key once for every memtable and table it probes.
  static uint64_t KeyHash(std::string_view user_key);
  // As GetView, with key_hash == KeyHash(user_key) supplied by the caller.
  LookupResult GetViewWithHash(std::string_view user_key, uint64_t key_hash,
                               SequenceNumber snapshot, std::string_view* value,
                               SequenceNumber* seq = nullptr) const;

  // An iterator over all entries (every version) in internal-key order.
  std::unique_ptr<MemTableIterator> NewIterator() const;

  // Bytes of memory the memtable uses: arena bytes handed out plus fixed
  // overhead. Grows with every Add; the arena may hold up to one block more.
  size_t ApproximateMemoryUsage() const {
    return arena_.AllocatedBytes() + sizeof(*this);
  }
  // Bytes the arena took from the system.
  size_t ArenaMemoryReserved() const { return arena_.MemoryUsage(); }

  bool Empty() const { return empty_.load(std::memory_order_relaxed); }
  uint64_t log_number() const { return log_number_; }
  // Smallest and largest sequence added; 0 while Empty().
  SequenceNumber first_sequence() const {
    return first_seq_.load(std::memory_order_relaxed);
  }
  SequenceNumber last_sequence() const {
    return last_seq_.load(std::memory_order_relaxed);
  }
  uint64_t num_entries() const {
    return num_entries_.load(std::memory_order_relaxed);
  }
  uint64_t num_deletions() const {
    return num_deletions_.load(std::memory_order_relaxed);
  }

 private:
  friend class MemTableIterator;

  // The skiplist part of a lookup, after the bloom filter let it through.
  LookupResult Search(std::string_view user_key, SequenceNumber snapshot,
                      std::string_view* value, SequenceNumber* seq) const;

  const uint64_t log_number_;
  Arena arena_;
  MemTableBloom bloom_;  // read-only pointer and size after construction
  List list_;
  // Read on every Get by readers that skip empty memtables; written once.
  std::atomic<bool> empty_{true};

  // Writer-updated counters, away from the lines readers load on every Get.
  alignas(64) std::atomic<SequenceNumber> first_seq_{0};
  std::atomic<SequenceNumber> last_seq_{0};
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletions_{0};
};

// A cursor over a memtable's entries in internal-key order (user key
// ascending, then sequence descending). Lock-free; usable while the writer
// adds (it sees every entry added before its last move and maybe newer
// ones). One thread at a time. Valid while the memtable lives. Prev() and
// SeekToLast() cost a search (O(log n)); the rest are O(1) or one search.
class MemTableIterator final {
 public:
  explicit MemTableIterator(const MemTable& mem) : it_(&mem.list_) {}

  bool Valid() const { return it_.Valid(); }
  void SeekToFirst() { it_.SeekToFirst(); }
  void SeekToLast() { it_.SeekToLast(); }
  // First entry >= target. REQUIRES: target is an internal key (>= 8 bytes).
  void Seek(std::string_view target) { it_.Seek(Decode(target)); }
  // Last entry <= target. REQUIRES: target is an internal key (>= 8 bytes).
  void SeekForPrev(std::string_view target) { it_.SeekForPrev(Decode(target)); }
  // REQUIRES: Valid() for the four below.
  void Next() { it_.Next(); }
  void Prev() { it_.Prev(); }
  // The internal key (user key + 8-byte trailer).
  std::string_view key() const { return EntryInternalKey(it_.entry()); }
  std::string_view value() const { return EntryValue(it_.entry()); }

 private:
  static EntryKey Decode(std::string_view ikey) {
    return EntryKey{ikey.data(), ikey.size() - 8, ExtractTrailer(ikey)};
  }

  MemTable::List::Iterator it_;
};

}  // namespace synapsed::storage::memtable

#endif  // SYNAPSED_MEMTABLE_MEMTABLE_H_
