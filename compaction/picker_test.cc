// Golden tests for the picker: compaction/testdata/picker.txt holds LSM
// shapes and the compactions expected of them (its header documents the
// syntax). Any difference fails the test; SYNAPSED_REWRITE=1 rewrites the
// expected outputs instead, so a policy change shows up as a reviewable diff.
// Then a randomized test of the invariants every pick must keep.
#include "compaction/picker.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::compaction {
namespace {

// ---- The text runner ----------------------------------------------------

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string FormatBytes(uint64_t b) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  double v = static_cast<double>(b);
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  if (v == static_cast<double>(static_cast<uint64_t>(v))) {
    return fmt::format("{}{}", static_cast<uint64_t>(v), kUnits[unit]);
  }
  return fmt::format("{:.1f}{}", v, kUnits[unit]);
}

// "10MB", "512KB", "1.5GB", "300B", "300".
std::optional<uint64_t> ParseBytes(const std::string& s) {
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"TB", 1ull << 40}, {"GB", 1ull << 30}, {"MB", 1ull << 20}, {"KB", 1ull << 10}, {"B", 1}};
  uint64_t mult = 1;
  std::string num = s;
  for (const auto& [suffix, m] : kUnits) {
    const size_t n = std::strlen(suffix);
    if (s.size() > n && s.compare(s.size() - n, n, suffix) == 0) {
      mult = m;
      num = s.substr(0, s.size() - n);
      break;
    }
  }
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (num.empty() || *end != '\0' || v < 0) return std::nullopt;
  return static_cast<uint64_t>(v * static_cast<double>(mult));
}

// "a.100" (a value), "a.100.DEL" (a deletion marker) -> internal key.
std::optional<std::string> ParseKey(const std::string& s) {
  const std::vector<std::string> parts = Split(s, '.');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  ValueType type = ValueType::kValue;
  if (parts.size() == 3) {
    if (parts[2] == "DEL") {
      type = ValueType::kDeletion;
    } else if (parts[2] != "SET") {
      return std::nullopt;
    }
  }
  return MakeInternalKey(parts[0], std::strtoull(parts[1].c_str(), nullptr, 10), type);
}

class PickerRunner {
 public:
  // Runs one command; returns its output (lines joined with '\n', no
  // trailing newline).
  std::string Run(const std::string& command_line, const std::vector<std::string>& input) {
    const std::vector<std::string> args = Split(command_line, ' ');
    const std::string& cmd = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (cmd == "define") return Define(rest, input);
    if (cmd == "options") {
      if (std::string err = ApplyOptions(rest); !err.empty()) return err;
      return OptionsString();
    }
    if (cmd == "busy") return Busy(rest);
    if (cmd == "scores") return ScoresString();
    if (cmd == "pick") return PickString(PickCompaction(shape_, options_, busy_));
    if (cmd == "pick-range") return PickRange(rest);
    return "error: unknown command " + cmd;
  }

 private:
  std::string ApplyOptions(const std::vector<std::string>& args) {
    for (const auto& a : args) {
      const size_t eq = a.find('=');
      if (eq == std::string::npos) return "error: expected name=value: " + a;
      const std::string name = a.substr(0, eq), value = a.substr(eq + 1);
      if (name == "l0_compaction_trigger") {
        options_.l0_compaction_trigger = std::stoi(value);
      } else if (name == "level_multiplier") {
        options_.level_multiplier = std::stoi(value);
      } else {
        const std::optional<uint64_t> bytes = ParseBytes(value);
        if (!bytes) return "error: bad size " + value;
        if (name == "base_level_bytes") {
          options_.base_level_bytes = *bytes;
        } else if (name == "target_file_size") {
          options_.target_file_size = *bytes;
        } else if (name == "max_compaction_bytes") {
          options_.max_compaction_bytes = *bytes;
        } else if (name == "default_size") {
          default_size_ = *bytes;
        } else {
          return "error: unknown option " + name;
        }
      }
    }
    return "";
  }

  std::string OptionsString() const {
    return fmt::format(
        "l0_compaction_trigger={} base_level_bytes={} level_multiplier={} "
        "target_file_size={} max_compaction_bytes={} default_size={}",
        options_.l0_compaction_trigger, FormatBytes(options_.base_level_bytes),
        options_.level_multiplier, FormatBytes(options_.target_file_size),
        FormatBytes(options_.max_compaction_bytes), FormatBytes(default_size_));
  }

  std::string Define(const std::vector<std::string>& args,
                     const std::vector<std::string>& input) {
    shape_ = LsmShape();
    busy_.clear();
    options_ = PickerOptions();
    default_size_ = 1 << 20;
    if (std::string err = ApplyOptions(args); !err.empty()) return err;
    for (const std::string& line : input) {
      const std::vector<std::string> tokens = Split(line, ' ');
      if (tokens.empty()) continue;
      if (tokens[0].size() != 3 || tokens[0][0] != 'L' || tokens[0][2] != ':' ||
          tokens[0][1] < '0' || tokens[0][1] >= '0' + kNumLevels) {
        return "error: expected L<n>: at " + line;
      }
      auto& level = shape_.levels[tokens[0][1] - '0'];
      for (size_t i = 1; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        if (t.rfind("size=", 0) == 0) {
          const std::optional<uint64_t> bytes = ParseBytes(t.substr(5));
          if (level.empty() || !bytes) return "error: bad " + t;
          auto f = std::make_shared<FileMetaData>(*level.back());
          f->file_size = *bytes;
          level.back() = f;
          continue;
        }
        // NUM:[SMALLEST-LARGEST]
        const size_t colon = t.find(":[");
        const size_t dash = t.find('-', colon);
        if (colon == std::string::npos || dash == std::string::npos || t.back() != ']') {
          return "error: bad table " + t;
        }
        auto f = std::make_shared<FileMetaData>();
        f->number = std::strtoull(t.substr(0, colon).c_str(), nullptr, 10);
        const std::optional<std::string> smallest = ParseKey(t.substr(colon + 2, dash - colon - 2));
        const std::optional<std::string> largest =
            ParseKey(t.substr(dash + 1, t.size() - dash - 2));
        if (!smallest || !largest || CompareInternalKeys(*smallest, *largest) > 0) {
          return "error: bad key range in " + t;
        }
        f->smallest = *smallest;
        f->largest = *largest;
        f->smallest_seq = std::min(ExtractSequence(*smallest), ExtractSequence(*largest));
        f->largest_seq = std::max(ExtractSequence(*smallest), ExtractSequence(*largest));
        f->file_size = default_size_;
        level.push_back(f);
      }
    }
    std::string out;
    for (int n = 0; n < kNumLevels; ++n) {
      auto& level = shape_.levels[n];
      if (n == 0) {
        std::sort(level.begin(), level.end(),
                  [](const FileRef& a, const FileRef& b) { return a->number < b->number; });
      } else {
        std::sort(level.begin(), level.end(), [](const FileRef& a, const FileRef& b) {
          return CompareInternalKeys(a->smallest, b->smallest) < 0;
        });
        for (size_t i = 1; i < level.size(); ++i) {
          if (CompareInternalKeys(level[i - 1]->largest, level[i]->smallest) >= 0) {
            return fmt::format("error: L{} tables {} and {} overlap", n, level[i - 1]->number,
                               level[i]->number);
          }
        }
      }
      if (!level.empty()) {
        out += fmt::format("L{}: {} table{}, {}\n", n, level.size(),
                           level.size() == 1 ? "" : "s", FormatBytes(shape_.LevelBytes(n)));
      }
    }
    return out + fmt::format("base level: L{}", BaseLevel(shape_, options_));
  }

  std::string Busy(const std::vector<std::string>& args) {
    busy_.clear();
    for (const auto& a : args) busy_.insert(std::strtoull(a.c_str(), nullptr, 10));
    std::string out = "busy:";
    if (busy_.empty()) out += " none";
    for (uint64_t n : busy_) out += fmt::format(" {}", n);
    return out;
  }

  std::string ScoresString() const {
    std::string out = fmt::format("base level: L{}", BaseLevel(shape_, options_));
    for (const LevelScore& s : ScoreLevels(shape_, options_, busy_)) {
      out += fmt::format("\nL{}: score={:.2f} actual={} target={}", s.level, s.score,
                         FormatBytes(s.actual_bytes),
                         s.target_bytes == 0 ? "-" : FormatBytes(s.target_bytes));
    }
    return out;
  }

  static std::string Numbers(const std::vector<FileRef>& files) {
    std::string out;
    for (const auto& f : files) out += (out.empty() ? "" : " ") + std::to_string(f->number);
    return out;
  }

  static std::string PickString(const std::optional<CompactionPick>& pick) {
    if (!pick) return "no compaction";
    uint64_t bytes = 0;
    for (const auto& in : pick->inputs) {
      for (const auto& f : in) bytes += f->file_size;
    }
    std::string out = fmt::format("L{} -> L{}: L{}[{}]", pick->level, pick->output_level,
                                  pick->level, Numbers(pick->inputs[0]));
    if (!pick->inputs[1].empty()) {
      out += fmt::format(" L{}[{}]", pick->output_level, Numbers(pick->inputs[1]));
    }
    out += fmt::format("\n  score={:.2f} bytes={} trivial_move={} bottommost={}", pick->score,
                       FormatBytes(bytes), pick->trivial_move, pick->bottommost);
    return out + "\n  reason: " + pick->reason;
  }

  std::string PickRange(const std::vector<std::string>& args) const {
    int level = -1;
    std::optional<std::string> begin, end;
    for (const auto& a : args) {
      if (a.rfind("level=", 0) == 0) {
        level = std::stoi(a.substr(6));
      } else if (a.rfind("begin=", 0) == 0) {
        begin = a.substr(6);
      } else if (a.rfind("end=", 0) == 0) {
        end = a.substr(4);
      } else {
        return "error: bad argument " + a;
      }
    }
    return PickString(PickRangeCompaction(shape_, options_, level, begin, end, busy_));
  }

  LsmShape shape_;
  PickerOptions options_;
  uint64_t default_size_ = 1 << 20;
  std::set<uint64_t> busy_;
};

// One test case of a datadriven file: a command line, input lines, "----",
// the expected output lines, a blank line.
struct DataCase {
  size_t line = 0;  // of the command, 1-based
  std::string command;
  std::vector<std::string> input;
  size_t expected_begin = 0, expected_end = 0;  // line indices (0-based)
  std::string expected;
};

TEST(PickerGoldenTest, Testdata) {
  const std::string path = std::string(SYNAPSED_COMPACTION_TESTDATA) + "/picker.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::vector<DataCase> cases;
  for (size_t i = 0; i < lines.size();) {
    if (lines[i].empty() || lines[i][0] == '#') {
      ++i;
      continue;
    }
    DataCase c;
    c.line = i + 1;
    c.command = lines[i++];
    while (i < lines.size() && lines[i] != "----") c.input.push_back(lines[i++]);
    ASSERT_LT(i, lines.size()) << path << ":" << c.line << ": missing ----";
    c.expected_begin = ++i;
    while (i < lines.size() && !lines[i].empty()) {
      c.expected += (c.expected.empty() ? "" : "\n") + lines[i++];
    }
    c.expected_end = i;
    cases.push_back(std::move(c));
  }
  ASSERT_FALSE(cases.empty());

  const bool rewrite = std::getenv("SYNAPSED_REWRITE") != nullptr;
  PickerRunner runner;
  std::vector<std::string> actual;
  for (const DataCase& c : cases) {
    actual.push_back(runner.Run(c.command, c.input));
    if (!rewrite) {
      EXPECT_EQ(c.expected, actual.back())
          << path << ":" << c.line << ": " << c.command << "\n--- expected:\n"
          << c.expected << "\n--- actual:\n"
          << actual.back();
    }
  }
  if (rewrite) {
    std::ofstream out(path, std::ios::trunc);
    size_t next = 0;
    for (size_t k = 0; k < cases.size(); ++k) {
      for (; next < cases[k].expected_begin; ++next) out << lines[next] << "\n";
      if (!actual[k].empty()) out << actual[k] << "\n";
      next = cases[k].expected_end;
    }
    for (; next < lines.size(); ++next) out << lines[next] << "\n";
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    std::fprintf(stderr, "rewrote %s\n", path.c_str());
  }
}

}  // namespace
}  // namespace synapsed::storage::compaction
