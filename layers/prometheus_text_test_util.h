// For tests: a strict reader of the Prometheus text exposition format
// (version 0.0.4), enough to check what layers/metrics_format.cc writes.
//
// ParsePrometheusText checks every line's shape (a `# HELP name text` or
// `# TYPE name type` comment, or `name{label="value",...} number`), that
// each sample's family was declared by a `# TYPE` line before it and only
// once, that counters end in `_total`, and that every histogram series
// (one set of labels besides `le`) has buckets in increasing `le` order
// with non-decreasing counts, a `+Inf` bucket equal to its `_count`, and a
// `_sum`. It returns the samples by their text before the value
// (`name{labels}` exactly as written), or the first error, naming the line.
#ifndef SYNAPSED_LAYERS_PROMETHEUS_TEXT_TEST_UTIL_H_
#define SYNAPSED_LAYERS_PROMETHEUS_TEXT_TEST_UTIL_H_

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace synapsed::storage::testing {

inline absl::StatusOr<std::map<std::string, double>> ParsePrometheusText(
    std::string_view text) {
  static const std::regex kComment(
      R"(# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? ([^ ]+))");
  static const std::regex kLabel(
      R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)\")");
  auto error = [](size_t n, std::string_view line, std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("line {}: {}: \"{}\"", n, why, line));
  };
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("the exposition must end with a newline");
  }
  std::map<std::string, std::string> types;  // family -> type
  std::map<std::string, double> samples;
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    std::optional<double> count, sum;
  };
  std::map<std::string, Series> histograms;  // family + labels without le
  size_t n = 0;
  for (absl::string_view piece :
       absl::StrSplit(absl::string_view(text.data(), text.size() - 1), '\n')) {
    ++n;
    const std::string line(piece);
    std::smatch m;
    if (line.starts_with("#")) {
      if (!std::regex_match(line, m, kComment))
        return error(n, line, "malformed comment");
      if (m[1] == "TYPE") {
        const std::string type = m[3];
        if (type != "counter" && type != "gauge" && type != "histogram" &&
            type != "summary" && type != "untyped") {
          return error(n, line, "unknown type");
        }
        if (!types.emplace(m[2], type).second)
          return error(n, line, "TYPE given twice");
        if (type == "counter" && !std::string(m[2]).ends_with("_total")) {
          return error(n, line, "a counter's name must end in _total");
        }
      }
      continue;
    }
    if (!std::regex_match(line, m, kSample))
      return error(n, line, "malformed sample");
    const std::string name = m[1];
    const std::string value_text = m[5];
    char* end = nullptr;
    const double value = std::strtod(value_text.c_str(), &end);
    if (end != value_text.c_str() + value_text.size() && value_text != "+Inf" &&
        value_text != "-Inf" && value_text != "NaN") {
      return error(n, line, "value is not a number");
    }
    // The family: a histogram's samples end in _bucket, _sum or _count.
    std::string family = name;
    std::string suffix;
    for (const char* s : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(s) &&
          types.count(name.substr(0, name.size() - std::strlen(s))) &&
          types[name.substr(0, name.size() - std::strlen(s))] == "histogram") {
        family = name.substr(0, name.size() - std::strlen(s));
        suffix = s;
      }
    }
    if (!types.count(family))
      return error(n, line, "no # TYPE before the sample");
    if (types[family] == "histogram" && suffix.empty()) {
      return error(n, line,
                   "a histogram sample without _bucket, _sum or _count");
    }
    const std::string key = line.substr(0, line.size() - value_text.size() - 1);
    if (!samples.emplace(key, value).second)
      return error(n, line, "sample given twice");
    if (suffix.empty()) continue;
    // The histogram series: its labels without le.
    std::string labels;
    std::optional<double> le;
    const std::string label_text = m[2];
    for (auto it =
             std::sregex_iterator(label_text.begin(), label_text.end(), kLabel);
         it != std::sregex_iterator(); ++it) {
      if ((*it)[1] == "le") {
        const std::string t = (*it)[2];
        le = t == "+Inf" ? INFINITY : std::strtod(t.c_str(), nullptr);
      } else {
        labels += (*it)[0].str() + ",";
      }
    }
    Series& series = histograms[family + "{" + labels + "}"];
    if (suffix == "_bucket") {
      if (!le) return error(n, line, "a bucket without le");
      if (!series.buckets.empty() && !(*le > series.buckets.back().first)) {
        return error(n, line, "buckets not in increasing le order");
      }
      if (!series.buckets.empty() && value < series.buckets.back().second) {
        return error(n, line, "cumulative bucket count decreased");
      }
      series.buckets.emplace_back(*le, value);
    } else if (suffix == "_count") {
      series.count = value;
    } else {
      series.sum = value;
    }
  }
  for (const auto& [name, series] : histograms) {
    if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
      return absl::InvalidArgumentError(name + ": no +Inf bucket last");
    }
    if (!series.count || *series.count != series.buckets.back().second) {
      return absl::InvalidArgumentError(
          name + ": _count differs from the +Inf bucket");
    }
    if (!series.sum) return absl::InvalidArgumentError(name + ": no _sum");
  }
  return samples;
}

}  // namespace synapsed::storage::testing

#endif  // SYNAPSED_LAYERS_PROMETHEUS_TEXT_TEST_UTIL_H_
