// The oracle file's layout, shared by oracle.cc and prefix_check.cc only.
//
//   Layout header | KeySlot[num_keys] | Group[cap] per thread |
//   WriteRec[cap * kWritesPerGroup] per thread
#ifndef SYNAPSED_TOOLS_TORTURE_ORACLE_LAYOUT_H_
#define SYNAPSED_TOOLS_TORTURE_ORACLE_LAYOUT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tools/torture/oracle.h"

namespace synapsed::storage::torture {
namespace oracle_internal {

constexpr uint64_t kMagic = 0x5354525452544f52ULL;  // "SYNTRTOR"-ish
constexpr uint32_t kFlagSync = 1;
constexpr uint32_t kFlagAborted = 2;
constexpr uint64_t kWritesPerGroup = 4;  // trace capacity for key writes

struct Group {
  uint64_t start;  // tick when issued
  uint64_t end;    // tick when answered; 0 while pending
  uint32_t first;  // index of its first WriteRec
  uint32_t n;
  uint32_t flags;
  uint32_t pad;
};

struct WriteRec {
  uint32_t key;
  uint32_t pad;
  uint64_t state;
};

struct KeySlot {
  uint64_t base;
  uint64_t acked;
  uint64_t pending;
  uint64_t next_id;
};

// Orders this process's stores: a SIGKILL can stop it between any two, and
// the page cache keeps every store made before that.
inline void Fence() { std::atomic_signal_fence(std::memory_order_seq_cst); }

inline size_t AlignUp(size_t n) { return (n + 63) & ~size_t{63}; }

}  // namespace oracle_internal

using namespace oracle_internal;  // NOLINT: private header

struct Oracle::Layout {
  uint64_t magic;
  uint32_t num_keys;
  uint32_t threads;
  uint64_t cap;  // groups per thread
  uint64_t tick;
  uint64_t group_len[kMaxThreads];
  uint64_t write_len[kMaxThreads];
  WorkloadConfig config;

  static size_t KeysOffset() { return AlignUp(sizeof(Layout)); }
  static size_t GroupsOffset(uint32_t keys) {
    return AlignUp(KeysOffset() + sizeof(KeySlot) * keys);
  }
  static size_t WritesOffset(uint32_t keys, uint64_t cap) {
    return AlignUp(GroupsOffset(keys) + sizeof(Group) * cap * kMaxThreads);
  }
  static size_t Size(uint32_t keys, uint64_t cap) {
    return WritesOffset(keys, cap) + sizeof(WriteRec) * cap * kWritesPerGroup * kMaxThreads;
  }
  char* base() { return reinterpret_cast<char*>(this); }
  KeySlot* keys() { return reinterpret_cast<KeySlot*>(base() + KeysOffset()); }
  Group* groups(int t) {
    return reinterpret_cast<Group*>(base() + GroupsOffset(num_keys)) + cap * t;
  }
  WriteRec* writes(int t) {
    return reinterpret_cast<WriteRec*>(base() + WritesOffset(num_keys, cap)) +
           cap * kWritesPerGroup * t;
  }
  uint64_t NextTick() {
    return std::atomic_ref<uint64_t>(tick).fetch_add(1, std::memory_order_relaxed) + 1;
  }
};

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_ORACLE_LAYOUT_H_
