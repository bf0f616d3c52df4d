#include "tools/disk_limit_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/db_bench/db_bench.h"
#include "env/posix_env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

constexpr int64_t kMaxSize = int64_t{1} << 20;
constexpr int64_t kPageSize = 4096;
constexpr int64_t kZeroChunk = int64_t{1} << 20;  // preallocation writes

using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir;
  int64_t count = 20000;
  int64_t size = 128;
  std::string json;
};

struct Measurement {
  int64_t ops = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;

  double OpsPerSec() const { return seconds > 0 ? ops / seconds : 0; }
};

// A file this command created in DIR: closed and removed when destroyed, so
// nothing is left behind on any path out of the command.
class TempFile {
 public:
  // Creates `path`; fails if it exists (nothing of the user's is touched).
  static absl::StatusOr<std::unique_ptr<TempFile>> Create(std::string path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return env::PosixError("create", path, errno);
    return std::unique_ptr<TempFile>(new TempFile(std::move(path), fd));
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  const int fd_;
};

absl::Status PwriteAll(const TempFile& f, const char* data, size_t n, off_t offset) {
  while (n > 0) {
    const ssize_t w = ::pwrite(f.fd(), data, n, offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return env::PosixError("pwrite", f.path(), errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
    offset += w;
  }
  return absl::OkStatus();
}

absl::Status DataSync(const TempFile& f) {
  if (::fdatasync(f.fd()) != 0) return env::PosixError("fdatasync", f.path(), errno);
  return absl::OkStatus();
}

// Writes `bytes` zeros from offset 0 and syncs them once, so that later
// overwrites change no extent or size.
absl::Status Preallocate(const TempFile& f, int64_t bytes) {
  const std::string zeros(static_cast<size_t>(std::min(bytes, kZeroChunk)), '\0');
  for (int64_t off = 0; off < bytes; off += kZeroChunk) {
    const size_t n = static_cast<size_t>(std::min(kZeroChunk, bytes - off));
    if (absl::Status s = PwriteAll(f, zeros.data(), n, off); !s.ok()) return s;
  }
  return DataSync(f);
}

// The value at percentile `q` of sorted `ns`, in microseconds.
double PercentileUs(const std::vector<int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  const size_t i = std::min(ns.size() - 1, static_cast<size_t>(q / 100 * ns.size()));
  return ns[i] / 1e3;
}

// `count` times: pwrite `size` bytes at the next offset (offset 0 first),
// fdatasync. Each op is timed from the end of the one before.
absl::StatusOr<Measurement> SyncedWrites(const TempFile& f, int64_t count, int64_t size) {
  std::string payload(static_cast<size_t>(size), 'x');
  std::vector<int64_t> ns;
  ns.reserve(static_cast<size_t>(count));
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  for (int64_t i = 0; i < count; ++i) {
    payload[0] = static_cast<char>('a' + i % 26);  // every write carries new bytes
    if (absl::Status s = PwriteAll(f, payload.data(), payload.size(), i * size); !s.ok()) {
      return s;
    }
    if (absl::Status s = DataSync(f); !s.ok()) return s;
    const Clock::time_point now = Clock::now();
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - last).count());
    last = now;
  }
  Measurement m;
  m.ops = count;
  m.seconds = std::chrono::duration<double>(last - start).count();
  std::sort(ns.begin(), ns.end());
  m.p50_us = PercentileUs(ns, 50);
  m.p99_us = PercentileUs(ns, 99);
  m.max_us = ns.back() / 1e3;
  return m;
}

// Exits with a message naming the problem unless the flags and DIR can work.
void CheckArgs(const Args& a) {
  if (a.count < 1) {
    FailWith(kExitError, fmt::format("disk-limit: --count must be at least 1 (got {})", a.count));
  }
  if (a.size < 1 || a.size > kMaxSize) {
    FailWith(kExitError, fmt::format("disk-limit: --size must be 1 to {} bytes (got {})",
                                     kMaxSize, a.size));
  }
  if (a.count > (std::numeric_limits<int64_t>::max() - kPageSize) / a.size) {
    FailWith(kExitError, fmt::format("disk-limit: --count {} x --size {} is too large", a.count,
                                     a.size));
  }
  struct stat st;
  if (::stat(a.dir.c_str(), &st) != 0) {
    Fail(env::PosixError("--dir", a.dir, errno), "disk-limit");
  }
  if (!S_ISDIR(st.st_mode)) {
    FailWith(kExitError, fmt::format("disk-limit: --dir {} is not a directory", a.dir));
  }
  // Both files hold count x size bytes (the first rounded up), one at a time.
  const int64_t needed = (a.count * a.size + kPageSize - 1) / kPageSize * kPageSize;
  struct statvfs vfs;
  if (::statvfs(a.dir.c_str(), &vfs) == 0) {
    const auto avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (static_cast<uint64_t>(needed) > avail) {
      FailWith(kExitError, fmt::format("disk-limit: needs {} bytes in {}, which has {} free",
                                       needed, a.dir, avail));
    }
  }
}

void Run(const Args& a) {
  CheckArgs(a);
  // Open the report first: a bad --json path fails before the long part.
  std::ofstream json_file;
  if (!a.json.empty() && a.json != "-") {
    json_file.open(a.json);
    if (!json_file) FailWith(kExitError, fmt::format("disk-limit: cannot write {}", a.json));
  }
  const std::string base = fmt::format("{}/synapsed-disk-limit.{}", a.dir, ::getpid());

  Measurement prealloc;
  {
    auto f = TempFile::Create(base + ".preallocated");
    if (!f.ok()) Fail(f.status(), "disk-limit");
    const int64_t bytes = (a.count * a.size + kPageSize - 1) / kPageSize * kPageSize;
    CheckOk(Preallocate(**f, bytes), "disk-limit: preallocating");
    auto m = SyncedWrites(**f, a.count, a.size);
    if (!m.ok()) Fail(m.status(), "disk-limit: preallocated overwrite");
    prealloc = *m;
  }
  Measurement append;
  {
    auto f = TempFile::Create(base + ".append");
    if (!f.ok()) Fail(f.status(), "disk-limit");
    auto m = SyncedWrites(**f, a.count, a.size);
    if (!m.ok()) Fail(m.status(), "disk-limit: append");
    append = *m;
  }

  std::ostream& text = a.json == "-" ? std::cerr : std::cout;
  text << fmt::format("synapsed disk-limit: {} synced writes (pwrite + fdatasync) of {} B each, "
                      "in {}\n",
                      a.count, a.size, a.dir);
  text << fmt::format("{:<24} {:>10} {:>9} {:>9} {:>10} {:>9}\n", "measurement", "ops/s",
                      "p50 us", "p99 us", "max us", "seconds");
  text << std::string(76, '-') << "\n";
  const std::pair<const char*, const Measurement*> rows[] = {
      {"preallocated overwrite", &prealloc}, {"append", &append}};
  for (const auto& [name, m] : rows) {
    text << fmt::format("{:<24} {:>10} {:>9.1f} {:>9.1f} {:>10.1f} {:>9.2f}\n", name,
                        bench::Thousands(m->OpsPerSec()), m->p50_us, m->p99_us, m->max_us, m->seconds);
  }

  if (a.json.empty()) return;
  const nlohmann::json j = {
      {"preallocated_overwrite_ops_per_sec", prealloc.OpsPerSec()},
      {"preallocated_overwrite_p50_us", prealloc.p50_us},
      {"preallocated_overwrite_p99_us", prealloc.p99_us},
      {"append_ops_per_sec", append.OpsPerSec()},
      {"append_p50_us", append.p50_us},
      {"append_p99_us", append.p99_us},
      {"count", a.count},
      {"size", a.size},
      {"dir", a.dir},
  };
  std::ostream& out = a.json == "-" ? std::cout : json_file;
  out << j.dump(2) << "\n";
  out.flush();
  if (!out) FailWith(kExitError, fmt::format("disk-limit: cannot write {}", a.json));
}

}  // namespace

void AddDiskLimitCommand(CLI::App* app) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app->add_subcommand(
      "disk-limit",
      "what the device allows for small synced writes in DIR: N x (pwrite SIZE bytes, "
      "fdatasync) into a preallocated file (overwrite) and at the end of an empty one "
      "(append); the ceiling for `bench --benchmarks=fillsync`");
  cmd->add_option("--dir", args->dir,
                  "directory to measure in (on the file system under test; two temporary files, "
                  "removed at the end)")
      ->required();
  cmd->add_option("--count", args->count, "synced writes per measurement")
      ->capture_default_str();
  cmd->add_option("--size", args->size, "bytes per write (1 to 1048576)")->capture_default_str();
  cmd->add_option("--json", args->json,
                  "also write the results as JSON to this file ('-': stdout)");
  cmd->callback([args] { Run(*args); });
}

}  // namespace synapsed::storage::tools
