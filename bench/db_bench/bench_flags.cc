#include "bench/db_bench/bench_flags.h"

#include <algorithm>
#include <cstdio>

#include "fmt/format.h"

namespace synapsed::storage::bench {

const std::vector<std::string>& KnownBenchmarks() {
  static const std::vector<std::string> kNames = {
      "fillseq",    "fillrandom", "overwrite",        "readrandom", "readseq",
      "readreverse", "seekrandom", "readwhilewriting", "fillsync",   "multireadrandom"};
  return kNames;
}

const std::vector<std::string>& KnownEngines() {
  static const std::vector<std::string> kNames = {"native", "native_encrypted", "native_acl",
                                                  "native_audit", "rocksdb", "leveldb",
                                                  "sqlite", "memory"};
  return kNames;
}

absl::Status BenchFlags::Validate() const {
  auto known = [](const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  for (const std::string& b : benchmarks) {
    if (!known(KnownBenchmarks(), b)) {
      return absl::InvalidArgumentError(fmt::format("--benchmarks: unknown \"{}\"", b));
    }
  }
  if (benchmarks.empty()) return absl::InvalidArgumentError("--benchmarks is empty");
  for (const std::string& e : engines) {
    if (!known(KnownEngines(), e)) {
      return absl::InvalidArgumentError(fmt::format("--engine: unknown \"{}\"", e));
    }
  }
  if (engines.empty()) return absl::InvalidArgumentError("--engine is empty");
  if (num <= 0) return absl::InvalidArgumentError("--num must be positive");
  if (value_size < 0) return absl::InvalidArgumentError("--value_size must be >= 0");
  if (threads <= 0) return absl::InvalidArgumentError("--threads must be positive");
  if (batch_size <= 0) return absl::InvalidArgumentError("--batch_size must be positive");
  if (seek_nexts < 0) return absl::InvalidArgumentError("--seek_nexts must be >= 0");
  if (compression_type != "none" && compression_type != "snappy" &&
      compression_type != "lz4" && compression_type != "zstd") {
    return absl::InvalidArgumentError(
        fmt::format("--compression_type: unknown \"{}\" (none, snappy, lz4, zstd)",
                    compression_type));
  }
  if (compression_ratio <= 0 || compression_ratio > 1) {
    return absl::InvalidArgumentError("--compression_ratio must be in (0, 1]");
  }
  if (block_size < 512 || block_size > 65536 || (block_size & (block_size - 1)) != 0) {
    // SQLite's page size must be a power of two in [512, 65536]; the other
    // engines accept any such value too.
    return absl::InvalidArgumentError("--block_size must be a power of two in [512, 65536]");
  }
  if (cache_size < 0 || write_buffer_size <= 0) {
    return absl::InvalidArgumentError("--cache_size and --write_buffer_size must be positive");
  }
  const int digits = static_cast<int>(fmt::format("{}", num - 1).size());
  if (key_size < digits) {
    return absl::InvalidArgumentError(fmt::format(
        "--key_size={} cannot hold {} distinct decimal keys (needs {} bytes)", key_size,
        num, digits));
  }
  return absl::OkStatus();
}

}  // namespace synapsed::storage::bench
