// The benchmark process's resident memory, for the memory bound `synapsed
// bench` reports: the peak during each phase against what the engine says
// its parts hold (block cache, memtables).
//
// Linux only (/proc/self/status, /proc/self/clear_refs); elsewhere nothing
// is reported.
#ifndef SYNAPSED_BENCH_DB_BENCH_PROCESS_MEMORY_H_
#define SYNAPSED_BENCH_DB_BENCH_PROCESS_MEMORY_H_

#include <cstdint>
#include <optional>

namespace synapsed::storage::bench {

struct ProcessMemory {
  int64_t rss_bytes = 0;   // VmRSS: resident now
  int64_t peak_bytes = 0;  // VmHWM: the most resident since the last reset
  // Bytes malloc has handed out and not had back (glibc's mallinfo2: small
  // chunks in use plus mmapped ones). RSS above it is memory malloc keeps
  // for reuse (free chunks, per-thread arenas), not memory anyone holds.
  int64_t heap_in_use_bytes = 0;
};

std::optional<ProcessMemory> ReadProcessMemory();

// Starts a new peak (VmHWM := VmRSS, by writing "5" to clear_refs). False
// if the kernel does not allow it; the peak is then the process's.
bool ResetPeakMemory();

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_PROCESS_MEMORY_H_
