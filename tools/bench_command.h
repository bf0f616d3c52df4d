// `synapsed bench`: the db_bench-compatible side-by-side benchmark
// (bench/db_bench/db_bench.h).
#ifndef SYNAPSED_TOOLS_BENCH_COMMAND_H_
#define SYNAPSED_TOOLS_BENCH_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddBenchCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_BENCH_COMMAND_H_
