// `synapsed bench --repeat N`: the whole run N times, and each engine's
// ratio to the native engine summarised over the rounds.
//
// Why: on a small shared machine one run's ratio moves by a third from run
// to run (the engine measured first or second meets different background
// writeback, other tenants, CPU frequency), so a single ratio cannot show a
// 10% difference. Repeating, and reversing the engine order on every other
// round, puts each engine first as often as second; the median ratio and
// the spread (lowest, highest) are what a claim should quote.
//
// Each round is a full RunBench (fresh databases for fill*), its ratio
// taken against the native engine of the same round.
#ifndef SYNAPSED_BENCH_DB_BENCH_ROUNDS_H_
#define SYNAPSED_BENCH_DB_BENCH_ROUNDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/db_bench/db_bench.h"

namespace synapsed::storage::bench {

// Runs `rounds` (>= 1) rounds; round k (from 0) runs the engines in the
// order of flags.engines when k is even, reversed when odd. Fails only on
// bad flags.
[[nodiscard]] absl::StatusOr<std::vector<BenchReport>> RunRounds(
    const BenchFlags& flags, int rounds);

// One (workload, engine) pair's ratios to native, one per round where both
// ran; and its ops/s per round.
struct RoundsSummaryRow {
  std::string workload;
  std::string engine;
  std::vector<double> ratios;
  std::vector<double> ops_per_sec;
};

// Rows for every workload x non-native engine, in --benchmarks then
// --engine order (native's own row too, for its ops/s spread, with no
// ratios).
std::vector<RoundsSummaryRow> SummariseRounds(
    const std::vector<BenchReport>& rounds);

// The middle value (the mean of the two middle ones for an even count);
// 0 for none.
double Median(std::vector<double> values);

// The summary table: per row, the median ops/s, the median ratio, its
// lowest and highest, and each round's ratio.
void PrintRoundsSummary(const std::vector<BenchReport>& rounds,
                        std::ostream& out);
std::string RoundsJson(const std::vector<BenchReport>& rounds);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_ROUNDS_H_
