#include "bench/db_bench/process_memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace synapsed::storage::bench {

std::optional<ProcessMemory> ReadProcessMemory() {
  std::ifstream in("/proc/self/status");
  if (!in) return std::nullopt;
  std::optional<int64_t> rss, peak;
  std::string name;
  int64_t kib = 0;
  // Lines "VmRSS:     12345 kB"; others are skipped a line at a time.
  while (in >> name) {
    if (name == "VmRSS:" && in >> kib) {
      rss = kib * 1024;
    } else if (name == "VmHWM:" && in >> kib) {
      peak = kib * 1024;
    }
    std::getline(in, name);
  }
  if (!rss || !peak) return std::nullopt;
  const struct mallinfo2 heap = ::mallinfo2();
  return ProcessMemory{.rss_bytes = *rss,
                       .peak_bytes = *peak,
                       .heap_in_use_bytes = static_cast<int64_t>(heap.uordblks + heap.hblkhd)};
}

bool ResetPeakMemory() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace synapsed::storage::bench
