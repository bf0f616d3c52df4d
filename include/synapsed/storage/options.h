// Options for reads and writes, and the limits every backend enforces.
#ifndef SYNAPSED_STORAGE_OPTIONS_H_
#define SYNAPSED_STORAGE_OPTIONS_H_

#include <cstddef>
#include <cstdint>

namespace synapsed::storage {

class Snapshot;

// Keys longer than this are rejected with InvalidArgument by every backend.
// Keys may be empty. 16 KiB keeps any key well inside one 32 KiB log block
// and a few keys inside a 4 KiB table block's neighbourhood.
inline constexpr size_t kMaxKeySize = 16 * 1024;
// Values longer than this are rejected with InvalidArgument.
inline constexpr size_t kMaxValueSize = 32 * 1024 * 1024;

struct ReadOptions {
  // Read the state as of this snapshot (from the same store); null reads the
  // latest committed state. The snapshot must outlive the read.
  const Snapshot* snapshot = nullptr;
  // Verify checksums of everything read from disk (native backend).
  bool verify_checksums = true;
  // Put blocks read for this operation into the block cache.
  bool fill_cache = true;
};

struct WriteOptions {
  // true: the write is durable (survives power loss) when it is acknowledged.
  // false: it may be lost in a crash, but recovery always yields a prefix of
  // the acknowledged writes (never a hole, never part of a batch).
  bool sync = false;
  // If set, receives the sequence number the write committed at: that of
  // its first operation (a batch's operations, a transaction's writes, have
  // consecutive numbers). The native engine sets it for every write that
  // applied something; other backends, and a write of nothing, leave 0.
  // Layers forward it, so the number is the engine's under any stack.
  uint64_t* sequence = nullptr;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_OPTIONS_H_
