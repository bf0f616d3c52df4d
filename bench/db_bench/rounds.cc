#include "bench/db_bench/rounds.h"

#include <algorithm>
#include <optional>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::bench {
namespace {

// The ops/s of `engine` on `workload` in `report`, or nothing if it failed
// or did not run.
std::optional<double> OpsOf(const BenchReport& report, const std::string& workload,
                            const std::string& engine) {
  for (const WorkloadResult& r : report.results) {
    if (r.workload == workload && r.engine == engine && r.status.ok() && r.seconds > 0) {
      return r.OpsPerSec();
    }
  }
  return std::nullopt;
}

std::string Ratios(const std::vector<double>& ratios) {
  std::string out;
  for (double r : ratios) out += fmt::format("{}{:.2f}", out.empty() ? "" : " ", r);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<BenchReport>> RunRounds(const BenchFlags& flags, int rounds) {
  if (rounds < 1) return absl::InvalidArgumentError("--repeat must be at least 1");
  std::vector<BenchReport> out;
  for (int k = 0; k < rounds; ++k) {
    BenchFlags round = flags;
    if (k % 2 == 1) std::reverse(round.engines.begin(), round.engines.end());
    absl::StatusOr<BenchReport> report = RunBench(round);
    if (!report.ok()) return report.status();
    out.push_back(*std::move(report));
  }
  return out;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<RoundsSummaryRow> SummariseRounds(const std::vector<BenchReport>& rounds) {
  std::vector<RoundsSummaryRow> rows;
  if (rounds.empty()) return rows;
  const BenchFlags& f = rounds.front().flags;
  for (const std::string& w : f.benchmarks) {
    for (const std::string& e : f.engines) {
      RoundsSummaryRow row;
      row.workload = w;
      row.engine = e;
      for (const BenchReport& report : rounds) {
        const std::optional<double> ops = OpsOf(report, w, e);
        if (!ops) continue;
        row.ops_per_sec.push_back(*ops);
        const std::optional<double> native = OpsOf(report, w, "native");
        if (e != "native" && native && *native > 0) row.ratios.push_back(*ops / *native);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void PrintRoundsSummary(const std::vector<BenchReport>& rounds, std::ostream& out) {
  out << fmt::format(
      "\nSummary of {} rounds (engine order reversed every other round; each ratio is "
      "against the native engine of the same round):\n",
      rounds.size());
  out << fmt::format("{:<17} {:<16} {:>12} {:>13} {:>12} {:>14}  {}\n", "workload", "engine",
                     "median ops/s", "ops/s max/min", "median ratio", "lowest/highest",
                     "ratio per round");
  out << std::string(110, '-') << "\n";
  for (const RoundsSummaryRow& row : SummariseRounds(rounds)) {
    if (row.ops_per_sec.empty()) continue;
    const auto [lo_ops, hi_ops] =
        std::minmax_element(row.ops_per_sec.begin(), row.ops_per_sec.end());
    const std::string spread = *lo_ops > 0 ? fmt::format("{:.2f}", *hi_ops / *lo_ops) : "-";
    std::string median = "-", range = "-";
    if (!row.ratios.empty()) {
      const auto [lo, hi] = std::minmax_element(row.ratios.begin(), row.ratios.end());
      median = fmt::format("{:.2f}x", Median(row.ratios));
      range = fmt::format("{:.2f}/{:.2f}", *lo, *hi);
    }
    out << fmt::format("{:<17} {:<16} {:>12.0f} {:>13} {:>12} {:>14}  {}\n", row.workload,
                       row.engine, Median(row.ops_per_sec), spread, median, range,
                       Ratios(row.ratios));
  }
}

std::string RoundsJson(const std::vector<BenchReport>& rounds) {
  using nlohmann::json;
  json j;
  j["rounds"] = json::array();
  for (const BenchReport& r : rounds) j["rounds"].push_back(json::parse(ReportJson(r)));
  j["summary"] = json::array();
  for (const RoundsSummaryRow& row : SummariseRounds(rounds)) {
    json jr = {{"workload", row.workload},
               {"engine", row.engine},
               {"ops_per_sec", row.ops_per_sec},
               {"median_ops_per_sec", Median(row.ops_per_sec)}};
    if (!row.ratios.empty()) {
      jr["ratios"] = row.ratios;
      jr["median_ratio"] = Median(row.ratios);
    }
    j["summary"].push_back(jr);
  }
  return j.dump(2);
}

}  // namespace synapsed::storage::bench
