// Opening each engine `synapsed bench` compares, configured from the same
// flags, and describing what each engine actually applied, so a reader can
// check the comparison is fair (and sees which settings an engine ignores).
#ifndef SYNAPSED_BENCH_DB_BENCH_ENGINES_H_
#define SYNAPSED_BENCH_DB_BENCH_ENGINES_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/db_bench/bench_flags.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::bench {

// Opens `engine` in the directory `dir` (created if missing).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenEngine(
    const std::string& engine, const BenchFlags& flags, const std::string& dir);

// (setting, value as applied) for cache, bloom, compression, write buffer,
// block size and sync; "ignored (...)" where the engine has no such knob.
std::vector<std::pair<std::string, std::string>> DescribeEngine(
    const std::string& engine, const BenchFlags& flags);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_ENGINES_H_
