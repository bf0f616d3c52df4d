// The expected-state oracle of `synapsed torture`: what the database must
// hold after a crash, kept in a memory-mapped file so it survives the death
// of the process that wrote it (a SIGKILLed child leaves its stores in the
// page cache; the parent maps the same file and reads them).
//
// Keys are 0..num_keys-1 ("k000042"). A key's state is a uint64:
//   0            absent (never written)
//   id<<1 | 1    deleted by write `id`
//   id<<1        holds the value of write `id` (torture/value_codec.h)
// Write ids are per key, increase across cycles and are never reused.
//
// Per key: base (the state verified after the last reopen), acked (the last
// acknowledged write) and pending (a write issued and not yet answered).
// Per writer thread: an append-only trace of groups (a put, delete, batch,
// committed transaction or sync point), each with the ticks (one global
// counter) at which it was issued and answered. A writer thread owns the
// keys k with k % threads == thread, so the writes to one key are ordered.
//
// Protocol per group (WriteBegin / WriteAck / WriteAbort): the group and its
// pending marks are stored before the write is issued, the ack after it
// returns, each step fenced so a kill between any two instructions leaves a
// consistent record. One writer per thread slot; Verify and Rebase run when
// no writer is alive.
#ifndef SYNAPSED_TOOLS_TORTURE_ORACLE_H_
#define SYNAPSED_TOOLS_TORTURE_ORACLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::torture {

inline constexpr int kMaxThreads = 2;

inline bool StatePresent(uint64_t s) { return s != 0 && (s & 1) == 0; }
inline uint64_t StateId(uint64_t s) { return s >> 1; }

// The workload's configuration, stored in the oracle file so an exec'd child
// needs only the file's path. Plain data.
struct WorkloadConfig {
  uint64_t seed = 0;
  uint64_t cycle = 0;
  uint32_t threads = 1;
  uint32_t sync_one_in = 8;
  // Op mix weights (torture/workload.h).
  uint32_t mix[10] = {};
  uint64_t write_buffer_size = 8 << 10;
  uint64_t target_file_size = 16 << 10;
  uint64_t base_level_bytes = 64 << 10;
  uint64_t wal_buffer_bytes = 0;
  uint32_t l0_trigger = 2;
  uint32_t use_io_uring = 1;
  uint32_t use_mmap_writes = 0;
  // 1: the database is encrypted under TortureKeyring(seed) (torture.h).
  uint32_t encrypted = 0;
  char dir[512] = {};
  // Crash mode: 0 until the child has the database open (Oracle::MarkOpen);
  // the parent starts the kill timer then, so an open never eats the run.
  uint32_t child_open = 0;
};

struct KeyWrite {
  uint32_t key;
  bool del;
};

struct VerifyResult {
  uint64_t keys_checked = 0;
  // Key writes acknowledged in the trace (aborted transactions excluded).
  uint64_t writes_acknowledged = 0;
  // Of them, the ones the check requires to survive: all (strict), else
  // those up to each thread's last acknowledged synced write.
  uint64_t writes_promised = 0;
  // Of them, the ones inside the largest prefix (per thread, a pair that
  // respects the acknowledgment order) the recovered state is the state
  // after; 0 when there is none (a hole).
  uint64_t writes_survived = 0;
  // Keys read back holding a value that fits that prefix (0 on a hole or
  // mismatch).
  uint64_t values_matched = 0;
  uint64_t holes = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> problems;  // at most a few, for the report
  // The recovered state per key (for Rebase).
  std::vector<uint64_t> recovered;
};

class Oracle {
 public:
  // A new oracle in `path` (empty: anonymous memory, for in-process modes).
  static absl::StatusOr<std::unique_ptr<Oracle>> Create(const std::string& path,
                                                        uint32_t num_keys,
                                                        uint32_t threads,
                                                        uint64_t trace_capacity);
  // Maps an oracle another process created.
  static absl::StatusOr<std::unique_ptr<Oracle>> Attach(const std::string& path);
  ~Oracle();
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  uint32_t num_keys() const;
  // Bytes of the map (the soak counts them in its memory bound).
  size_t mapped_bytes() const { return size_; }
  uint32_t threads() const;
  WorkloadConfig* config();
  // config()->child_open, written and read across processes.
  void MarkOpen();
  bool IsOpen() const;

  // --- writer side (thread `t` only) ---
  // Records a group before it is issued; fills `states` with the new state of
  // each key. nullopt when the trace is full (the writer must stop).
  std::optional<uint64_t> WriteBegin(int t, std::span<const KeyWrite> writes,
                                     bool sync, std::vector<uint64_t>* states);
  void WriteAck(int t, uint64_t group);
  // The write is known not to have happened (transaction Aborted).
  void WriteAbort(int t, uint64_t group);
  uint64_t acked(uint32_t key) const;
  uint64_t groups(int t) const;

  // --- checker side (no writer alive) ---
  // Reads every key of `db` (a full scan and a Get per key) and checks it
  // against the oracle. strict: every acknowledged write must be there
  // (pending ones may or may not); otherwise the state must be the state
  // after some prefix of the acknowledged writes that includes every synced
  // one (no hole).
  VerifyResult Verify(Store* db, bool strict);
  // The recovered state becomes the new base; the trace is emptied.
  void Rebase(const std::vector<uint64_t>& recovered);

 private:
  struct Layout;
  Oracle() = default;
  absl::Status Map(int fd, size_t size);
  void CheckPrefix(const std::vector<uint64_t>& recovered, bool strict,
                   VerifyResult* r);

  void* mem_ = nullptr;
  size_t size_ = 0;
  Layout* l_ = nullptr;
};

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_ORACLE_H_
