// Write-ahead log micro-benchmarks (Google Benchmark).
//
//   BM_AddRecord/<uring>/<buffer_bytes>   100-byte records, sync=false
//   BM_AddRecordSync/<uring>/<prealloc>   100-byte records, sync=true
//     uring: 0 = pwrite+fdatasync fallback, 1 = io_uring for synced writes
//     (the default: unsynced appends use pwrite), 2 = io_uring for all writes
//   BM_Fdatasync{AfterAppend,AfterOverwrite}  the fdatasync alone (manual
//        time) after a 128-byte write that extends the file, or that
//        overwrites zeros written and synced earlier (preallocation)
//   BM_RawAppend/<mapped>  what the OS charges for one unsynced append of a
//        logged 100-byte record (its 115-byte fragment), no log writer:
//        0 = a pwrite at the file's end (what the log does today),
//        1 = a copy into a shared mapping of the file, fallocated and mapped
//        1 MiB at a time (the data is in the page cache either way, so a
//        process crash loses neither)
//
// Files live in a fresh directory under $WAL_BENCH_DIR (default /tmp), which
// must be on the disk you care about (tmpfs makes fdatasync free).
// Run: wal_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "env/env.h"
#include "env/uring_writable_file.h"
#include "wal/log_writer.h"

namespace synapsed::storage::wal {
namespace {

const std::string& BenchDir() {
  static const std::string dir = [] {
    const char* base = std::getenv("WAL_BENCH_DIR");
    std::string t =
        std::string(base != nullptr ? base : "/tmp") + "/wal_bench.XXXXXX";
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }();
  return dir;
}

// Unsynced benchmarks start a new file past this size.
constexpr int64_t kRotateBytes = 32 << 20;

std::string FreshPath(const char* name) {
  std::string path = BenchDir() + "/" + name;
  ::unlink(path.c_str());
  return path;
}

std::unique_ptr<LogWriter> OpenLog(const std::string& path, int uring,
                                   uint64_t prealloc, size_t buffer) {
  auto file =
      env::UringWritableFile::Open(path, /*truncate=*/true,
                                   {.disable_io_uring = uring == 0,
                                    .preallocate_bytes = prealloc,
                                    .uring_unsynced_appends = uring == 2});
  if (!file.ok() || (*file)->using_io_uring() != (uring != 0)) return nullptr;
  return std::make_unique<LogWriter>(std::move(*file), 1,
                                     LogWriterOptions{.buffer_bytes = buffer});
}

// Args: uring mode (see top); LogWriter buffer bytes; preallocated bytes
// (writing over cached zeros spares the kernel a page allocation per 4 KiB).
void BM_AddRecord(benchmark::State& state) {
  const int uring = static_cast<int>(state.range(0));
  const size_t buffer = static_cast<size_t>(state.range(1));
  const uint64_t prealloc = static_cast<uint64_t>(state.range(2));
  const std::string path = FreshPath("unsynced.log");
  std::unique_ptr<LogWriter> log = OpenLog(path, uring, prealloc, buffer);
  if (log == nullptr) {
    state.SkipWithError("io_uring unavailable");
    return;
  }
  const std::string payload(100, 'v');
  for (auto _ : state) {
    if (!log->AddRecord(payload, /*sync=*/false).ok()) {
      state.SkipWithError("AddRecord failed");
      break;
    }
    // Start a new file now and then to keep the file and page cache small.
    if (log->FileSize() > kRotateBytes) {
      state.PauseTiming();
      (void)log->Close();
      log = OpenLog(path, uring, prealloc, buffer);
      state.ResumeTiming();
    }
  }
  (void)log->Close();
  ::unlink(path.c_str());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * payload.size());
}
BENCHMARK(BM_AddRecord)
    ->ArgNames({"uring", "buffer", "prealloc"})
    ->Args({0, 0, 0})
    ->Args({1, 0, 0})
    ->Args({2, 0, 0})
    ->Args({0, 64 << 10, 0})
    ->Args({1, 64 << 10, 0})
    ->Args({2, 64 << 10, 0})
    ->Args({1, 0, kRotateBytes + (1 << 20)})
    ->Args({1, 64 << 10, kRotateBytes + (1 << 20)});

// Args: uring mode (see top); preallocated bytes (0 = append).
void BM_AddRecordSync(benchmark::State& state) {
  const int uring = static_cast<int>(state.range(0));
  const uint64_t prealloc = static_cast<uint64_t>(state.range(1));
  const std::string path = FreshPath("synced.log");
  std::unique_ptr<LogWriter> log = OpenLog(path, uring, prealloc, 0);
  if (log == nullptr) {
    state.SkipWithError("io_uring unavailable");
    return;
  }
  const std::string payload(100, 'v');
  for (auto _ : state) {
    if (!log->AddRecord(payload, /*sync=*/true).ok()) {
      state.SkipWithError("AddRecord failed");
      break;
    }
  }
  (void)log->Close();
  ::unlink(path.c_str());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddRecordSync)
    ->ArgNames({"uring", "prealloc"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({1, 16 << 20})
    ->Args({0, 16 << 20})
    ->UseRealTime();

// The fdatasync after a 128-byte pwrite, timed alone. `overwrite`: the file
// was first filled with zeros (in pwrites of `zero_chunk` bytes) and synced,
// and the writes go over them.
void FdatasyncAfterWrite(benchmark::State& state, bool overwrite,
                         size_t zero_chunk = 0) {
  const std::string path = FreshPath(overwrite ? "overwrite" : "append");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  constexpr uint64_t kFileBytes = 64 << 20;
  if (overwrite) {
    std::vector<char> zeros(zero_chunk, 0);
    for (uint64_t at = 0; at < kFileBytes; at += zeros.size()) {
      if (::pwrite(fd, zeros.data(), zeros.size(), at) < 0) std::abort();
    }
    if (::fdatasync(fd) != 0) std::abort();
  }
  const std::string data(128, 'w');
  uint64_t offset = 0;
  for (auto _ : state) {
    if (::pwrite(fd, data.data(), data.size(), offset) !=
        static_cast<ssize_t>(data.size())) {
      state.SkipWithError("pwrite failed");
      break;
    }
    offset = (offset + data.size()) % kFileBytes;
    auto start = std::chrono::steady_clock::now();
    if (::fdatasync(fd) != 0) {
      state.SkipWithError("fdatasync failed");
      break;
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
}
void BM_FdatasyncAfterAppend(benchmark::State& state) {
  FdatasyncAfterWrite(state, false);
}
// Arg: the zero-fill write size. Large writes make the page cache use large
// folios, and a later small overwrite then dirties (and syncs) a whole folio.
void BM_FdatasyncAfterOverwrite(benchmark::State& state) {
  FdatasyncAfterWrite(state, true, static_cast<size_t>(state.range(0)));
}
BENCHMARK(BM_FdatasyncAfterAppend)->UseManualTime();
BENCHMARK(BM_FdatasyncAfterOverwrite)
    ->ArgName("zero_chunk")
    ->Arg(4096)
    ->Arg(1 << 20)
    ->UseManualTime();

// Arg: 0 = pwrite, 1 = copy into a shared mapping (see top).
void BM_RawAppend(benchmark::State& state) {
  const bool mapped = state.range(0) != 0;
  const std::string path = FreshPath(mapped ? "mapped.log" : "pwrite.log");
  constexpr size_t kWindow = 1 << 20;
  const std::string fragment(115, 'f');
  int fd = -1;
  char* window = nullptr;
  uint64_t offset = 0, window_start = 0, window_end = 0;
  auto close_file = [&] {
    if (window != nullptr) ::munmap(window, kWindow);
    if (fd >= 0) ::close(fd);
    window = nullptr;
    fd = -1;
    ::unlink(path.c_str());
  };
  auto open_file = [&] {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    offset = window_start = window_end = 0;
    return fd >= 0;
  };
  if (!open_file()) {
    state.SkipWithError("open failed");
    return;
  }
  for (auto _ : state) {
    if (!mapped) {
      if (::pwrite(fd, fragment.data(), fragment.size(), offset) !=
          static_cast<ssize_t>(fragment.size())) {
        state.SkipWithError("pwrite failed");
        break;
      }
    } else {
      if (offset + fragment.size() > window_end) {
        // The next window starts at the page holding `offset`; its blocks
        // are allocated before the mapping is touched, so a full disk is an
        // error here rather than a SIGBUS at the copy.
        if (window != nullptr) ::munmap(window, kWindow);
        window_start = offset & ~uint64_t{4095};
        window_end = window_start + kWindow;
        void* m = MAP_FAILED;
        if (::fallocate(fd, 0, static_cast<off_t>(window_start), kWindow) == 0) {
          m = ::mmap(nullptr, kWindow, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                     static_cast<off_t>(window_start));
        }
        window = m == MAP_FAILED ? nullptr : static_cast<char*>(m);
        if (window == nullptr) {
          state.SkipWithError("fallocate or mmap failed");
          break;
        }
      }
      std::memcpy(window + (offset - window_start), fragment.data(), fragment.size());
    }
    offset += fragment.size();
    if (offset > static_cast<uint64_t>(kRotateBytes)) {
      state.PauseTiming();
      close_file();
      const bool ok = open_file();
      state.ResumeTiming();
      if (!ok) {
        state.SkipWithError("open failed");
        break;
      }
    }
  }
  close_file();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawAppend)->ArgName("mapped")->Arg(0)->Arg(1);

}  // namespace
}  // namespace synapsed::storage::wal

BENCHMARK_MAIN();
