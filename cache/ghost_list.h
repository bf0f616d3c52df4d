// An ARC ghost list (B1 or B2): the 64-bit hashes of keys recently evicted
// from one resident list, with the charge they had, in eviction order.
//
// A ghost holds no key and no value: 8 bytes of hash and the charge, ~48
// bytes of memory with the index, which the cache does not count in Usage().
// ARC bounds the ghosts' total *charge* by the shard capacity, so their
// number is about the number of resident entries.
//
// Ghosts leave in two ways only: from the oldest end when the directory is
// trimmed, or from anywhere on a ghost hit. So the order is a FIFO, and a hit
// just drops the hash from the index, leaving a stale FIFO slot that the
// trimming skips; the FIFO is rebuilt when stale slots outnumber live ones.
//
// Not thread-safe: the owning shard's mutex guards it.
#ifndef SYNAPSED_CACHE_GHOST_LIST_H_
#define SYNAPSED_CACHE_GHOST_LIST_H_

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/container/flat_hash_map.h"

namespace synapsed::storage::cache::internal {

class GhostList {
 public:
  size_t bytes() const { return bytes_; }
  size_t count() const { return live_.size(); }
  bool Contains(uint64_t hash) const { return live_.contains(hash); }

  // Adds `hash` as the newest ghost (replacing an older ghost of it).
  void Add(uint64_t hash, size_t charge) {
    size_t old_charge;
    Remove(hash, &old_charge);
    const uint64_t seq = next_seq_++;
    live_[hash] = Live{seq, charge};
    fifo_.push_back(Slot{hash, seq});
    bytes_ += charge;
  }

  // Removes `hash` if present, reporting the charge it was evicted with.
  bool Remove(uint64_t hash, size_t* charge) {
    auto it = live_.find(hash);
    if (it == live_.end()) return false;
    *charge = it->second.charge;
    bytes_ -= it->second.charge;
    live_.erase(it);
    MaybeCompact();
    return true;
  }

  // Drops the oldest ghost; false if the list is empty.
  bool PopOldest() {
    while (!fifo_.empty()) {
      const Slot s = fifo_.front();
      fifo_.pop_front();
      auto it = live_.find(s.hash);
      if (it != live_.end() && it->second.seq == s.seq) {
        bytes_ -= it->second.charge;
        live_.erase(it);
        return true;
      }
    }
    return false;
  }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t seq;
  };
  struct Live {
    uint64_t seq;
    size_t charge;
  };

  void MaybeCompact() {
    if (fifo_.size() <= 2 * live_.size() + 64) return;
    std::deque<Slot> kept;
    for (const Slot& s : fifo_) {
      auto it = live_.find(s.hash);
      if (it != live_.end() && it->second.seq == s.seq) kept.push_back(s);
    }
    fifo_.swap(kept);
  }

  std::deque<Slot> fifo_;
  absl::flat_hash_map<uint64_t, Live> live_;
  uint64_t next_seq_ = 0;
  size_t bytes_ = 0;
};

}  // namespace synapsed::storage::cache::internal

#endif  // SYNAPSED_CACHE_GHOST_LIST_H_
