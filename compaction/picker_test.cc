// Golden tests for the picker: compaction/testdata/picker.txt holds LSM
// shapes and the compactions expected of them (its header documents the
// syntax). Any difference fails the test; SYNAPSED_REWRITE=1 rewrites the
// expected outputs instead, so a policy change shows up as a reviewable diff,
// and still fails, so a run with it left on can never pass.
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


// "10MB", "512KB", "1.5GB", "300B", "300".
std::optional<uint64_t> ParseBytes(const std::string& s) {
  static const std::pair<const char*, uint64_t> kUnits[] = {{"TB", 1ull << 40},
                                                            {"GB", 1ull << 30},
                                                            {"MB", 1ull << 20},
                                                            {"KB", 1ull << 10},
                                                            {"B", 1}};
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
  return MakeInternalKey(parts[0], std::strtoull(parts[1].c_str(), nullptr, 10),
                         type);
}

class PickerRunner {
 public:
  // Runs one command; returns its output (lines joined with '\n', no
  // trailing newline).
  std::string Run(const std::string& command_line,
                  const std::vector<std::string>& input) {
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
    if (cmd == "pick")
      return PickString(PickCompaction(shape_, options_, busy_));
    if (cmd == "pick-range") return PickRange(rest);
    if (cmd == "pick-l0-for-reads") {
      return PickString(PickL0ForReads(shape_, options_, busy_));
    }
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
        if (colon == std::string::npos || dash == std::string::npos ||
            t.back() != ']') {
          return "error: bad table " + t;
        }
        auto f = std::make_shared<FileMetaData>();
        f->number = std::strtoull(t.substr(0, colon).c_str(), nullptr, 10);
        const std::optional<std::string> smallest =
            ParseKey(t.substr(colon + 2, dash - colon - 2));
        const std::optional<std::string> largest =
            ParseKey(t.substr(dash + 1, t.size() - dash - 2));
        if (!smallest || !largest ||
            CompareInternalKeys(*smallest, *largest) > 0) {
          return "error: bad key range in " + t;
        }
        f->smallest = *smallest;
        f->largest = *largest;
        f->smallest_seq =
            std::min(ExtractSequence(*smallest), ExtractSequence(*largest));
        f->largest_seq =
            std::max(ExtractSequence(*smallest), ExtractSequence(*largest));
        f->file_size = default_size_;
        level.push_back(f);
      }
    }
    std::string out;
    for (int n = 0; n < kNumLevels; ++n) {
      auto& level = shape_.levels[n];
      if (n == 0) {
        std::sort(level.begin(), level.end(),
                  [](const FileRef& a, const FileRef& b) {
                    return a->number < b->number;
                  });
      } else {
        std::sort(level.begin(), level.end(),
                  [](const FileRef& a, const FileRef& b) {
                    return CompareInternalKeys(a->smallest, b->smallest) < 0;
                  });
        for (size_t i = 1; i < level.size(); ++i) {
          if (CompareInternalKeys(level[i - 1]->largest, level[i]->smallest) >=
              0) {
            return fmt::format("error: L{} tables {} and {} overlap", n,
                               level[i - 1]->number, level[i]->number);
          }
        }
      }
      if (!level.empty()) {
        out += fmt::format("L{}: {} table{}, {}\n", n, level.size(),
                           level.size() == 1 ? "" : "s",
                           FormatBytes(shape_.LevelBytes(n)));
      }
    }
    return out + fmt::format("base level: L{}", BaseLevel(shape_, options_));
  }

  std::string Busy(const std::vector<std::string>& args) {
    busy_.clear();
    for (const auto& a : args)
      busy_.insert(std::strtoull(a.c_str(), nullptr, 10));
    std::string out = "busy:";
    if (busy_.empty()) out += " none";
    for (uint64_t n : busy_) out += fmt::format(" {}", n);
    return out;
  }

  std::string ScoresString() const {
    std::string out =
        fmt::format("base level: L{}", BaseLevel(shape_, options_));
    for (const LevelScore& s : ScoreLevels(shape_, options_, busy_)) {
      out +=
          fmt::format("\nL{}: score={:.2f} actual={} target={}", s.level,
                      s.score, FormatBytes(s.actual_bytes),
                      s.target_bytes == 0 ? "-" : FormatBytes(s.target_bytes));
    }
    return out;
  }

  static std::string Numbers(const std::vector<FileRef>& files) {
    std::string out;
    for (const auto& f : files)
      out += (out.empty() ? "" : " ") + std::to_string(f->number);
    return out;
  }

  static std::string PickString(const std::optional<CompactionPick>& pick) {
    if (!pick) return "no compaction";
    uint64_t bytes = 0;
    for (const auto& in : pick->inputs) {
      for (const auto& f : in) bytes += f->file_size;
    }
    std::string out =
        fmt::format("L{} -> L{}: L{}[{}]", pick->level, pick->output_level,
                    pick->level, Numbers(pick->inputs[0]));
    if (!pick->inputs[1].empty()) {
      out +=
          fmt::format(" L{}[{}]", pick->output_level, Numbers(pick->inputs[1]));
    }
    out += fmt::format(
        "\n  score={:.2f} bytes={} trivial_move={} bottommost={}", pick->score,
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
    return PickString(
        PickRangeCompaction(shape_, options_, level, begin, end, busy_));
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
  const std::string path =
      std::string(SYNAPSED_COMPACTION_TESTDATA) + "/picker.txt";
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
    while (i < lines.size() && lines[i] != "----")
      c.input.push_back(lines[i++]);
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
    ADD_FAILURE() << "SYNAPSED_REWRITE is set: rewrote " << path
                  << " instead of checking it; review the diff, then run again without it";
  }
}

// ---- Invariants of every pick, over random shapes ------------------------

std::string_view UserOf(const std::string& ikey) {
  return ExtractUserKey(ikey);
}

bool Overlap(const FileRef& f, std::string_view lo, std::string_view hi) {
  return !(UserOf(f->smallest) > hi || UserOf(f->largest) < lo);
}

// The user-key range of some tables.
std::pair<std::string, std::string> RangeOf(const std::vector<FileRef>& files) {
  std::string lo(UserOf(files[0]->smallest)), hi(UserOf(files[0]->largest));
  for (const auto& f : files) {
    lo = std::min(lo, std::string(UserOf(f->smallest)));
    hi = std::max(hi, std::string(UserOf(f->largest)));
  }
  return {lo, hi};
}

int IndexIn(const std::vector<FileRef>& level, const FileRef& f) {
  for (size_t i = 0; i < level.size(); ++i) {
    if (level[i] == f) return static_cast<int>(i);
  }
  return -1;
}

// A run of a sorted level: contiguous, and no user key across its edges.
void CheckCleanRun(const std::vector<FileRef>& level,
                   const std::vector<FileRef>& run) {
  if (run.empty()) return;
  const int first = IndexIn(level, run.front());
  ASSERT_GE(first, 0);
  for (size_t i = 0; i < run.size(); ++i)
    ASSERT_EQ(level[first + i], run[i]) << "not contiguous";
  const size_t last = first + run.size() - 1;
  if (first > 0) {
    EXPECT_NE(UserOf(level[first - 1]->largest), UserOf(run.front()->smallest));
  }
  if (last + 1 < level.size()) {
    EXPECT_NE(UserOf(level[last + 1]->smallest), UserOf(run.back()->largest));
  }
}

void CheckShape(const LsmShape& shape) {
  for (int n = 1; n < kNumLevels; ++n) {
    const auto& level = shape.levels[n];
    for (size_t i = 1; i < level.size(); ++i) {
      ASSERT_LT(CompareInternalKeys(level[i - 1]->largest, level[i]->smallest),
                0)
          << "L" << n << " overlaps";
    }
  }
}

void CheckPick(const LsmShape& shape, const CompactionPick& pick,
               const std::set<uint64_t>& busy) {
  ASSERT_FALSE(pick.inputs[0].empty());
  ASSERT_GE(pick.level, 0);
  ASSERT_LT(pick.output_level, kNumLevels);
  if (pick.level == pick.output_level) {
    // An in-place rewrite of the last level.
    ASSERT_EQ(pick.level, kNumLevels - 1);
    ASSERT_TRUE(pick.inputs[1].empty());
  } else {
    ASSERT_LT(pick.level, pick.output_level);
  }
  for (int k = 0; k < 2; ++k) {
    const int level = k == 0 ? pick.level : pick.output_level;
    for (const auto& f : pick.inputs[k]) {
      ASSERT_GE(IndexIn(shape.levels[level], f), 0) << "input not in its level";
      EXPECT_EQ(busy.count(f->number), 0u)
          << "busy table " << f->number << " chosen";
    }
  }
  const auto [lo0, hi0] = RangeOf(pick.inputs[0]);
  std::vector<FileRef> all = pick.inputs[0];
  all.insert(all.end(), pick.inputs[1].begin(), pick.inputs[1].end());
  const auto [lo, hi] = RangeOf(all);
  if (pick.level == 0) {
    // No L0 table left behind that overlaps (it would hold older versions
    // above newer ones, or newer ones below).
    for (const auto& f : shape.levels[0]) {
      if (IndexIn(pick.inputs[0], f) < 0) {
        EXPECT_FALSE(Overlap(f, lo0, hi0)) << f->number;
      }
    }
  } else {
    CheckCleanRun(shape.levels[pick.level], pick.inputs[0]);
  }
  CheckCleanRun(shape.levels[pick.output_level], pick.inputs[1]);
  if (pick.level != pick.output_level) {
    for (const auto& f : shape.levels[pick.output_level]) {
      if (Overlap(f, lo0, hi0)) {
        EXPECT_GE(IndexIn(pick.inputs[1], f), 0) << f->number;
      }
    }
  }
  // Nothing in the skipped levels: the outputs land right under the inputs.
  for (int m = pick.level + 1; m < pick.output_level; ++m) {
    for (const auto& f : shape.levels[m]) EXPECT_FALSE(Overlap(f, lo, hi));
  }
  bool below = false;
  for (int m = pick.output_level + 1; m < kNumLevels; ++m) {
    for (const auto& f : shape.levels[m]) below |= Overlap(f, lo, hi);
  }
  EXPECT_EQ(pick.bottommost, !below);
  EXPECT_EQ(pick.trivial_move, pick.level != pick.output_level &&
                                   pick.inputs[0].size() == 1 &&
                                   pick.inputs[1].empty());
}

std::string NumKey(uint64_t k) { return fmt::format("{:07d}", k); }

FileRef MakeTable(uint64_t number, uint64_t lo, uint64_t hi,
                  SequenceNumber seq_lo, SequenceNumber seq_hi, uint64_t size) {
  auto f = std::make_shared<FileMetaData>();
  f->number = number;
  f->smallest = MakeInternalKey(NumKey(lo), seq_lo, ValueType::kValue);
  f->largest = MakeInternalKey(NumKey(hi), seq_hi, ValueType::kValue);
  f->file_size = size;
  return f;
}

// Random legal shapes: L0 tables anywhere; each of L1..L6 a sorted run whose
// neighbours sometimes share a boundary user key (versions of one key cut
// across two tables).
LsmShape RandomShape(Random& rnd) {
  LsmShape shape;
  uint64_t number = 1;
  for (int i = rnd.Uniform(6); i > 0; --i) {
    const uint64_t a = rnd.Uniform(100),
                   b = std::min<uint64_t>(99, a + rnd.Uniform(40));
    const SequenceNumber seq =
        10000 + 2 * number;  // newer tables, larger numbers
    shape.levels[0].push_back(
        MakeTable(number, a, b, seq + 1, seq, (1 + rnd.Uniform(4)) << 20));
    ++number;
  }
  for (int n = 1; n < kNumLevels; ++n) {
    std::vector<uint64_t> ends(2 * rnd.Uniform(n + 3));
    for (auto& e : ends) e = rnd.Uniform(100);
    std::sort(ends.begin(), ends.end());
    for (size_t i = 0; i < ends.size(); i += 2) {
      // Sequences fall along the level, so equal user keys stay ordered.
      shape.levels[n].push_back(MakeTable(
          number++, ends[i], ends[i + 1], 5000 - n * 100 - i,
          5000 - n * 100 - i - 1, (1 + rnd.Uniform(8)) << (16 + 2 * n)));
    }
  }
  return shape;
}

TEST(PickerRandomTest, PicksKeepInvariants) {
  Random rnd(testing::TestSeed());
  for (int round = 0; round < 3000; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const LsmShape shape = RandomShape(rnd);
    ASSERT_NO_FATAL_FAILURE(CheckShape(shape));
    PickerOptions options;
    options.l0_compaction_trigger = 1 + rnd.Uniform(4);
    options.base_level_bytes = (1 + rnd.Uniform(16)) << 20;
    options.level_multiplier = 2 + rnd.Uniform(9);
    options.max_compaction_bytes = (10 + rnd.Uniform(100)) << 20;
    std::set<uint64_t> busy;
    if (!rnd.OneIn(3)) {
      for (const auto& level : shape.levels) {
        for (const auto& f : level) {
          if (rnd.OneIn(6)) busy.insert(f->number);
        }
      }
    }
    const std::optional<CompactionPick> pick =
        PickCompaction(shape, options, busy);
    const std::vector<LevelScore> scores = ScoreLevels(shape, options, busy);
    if (pick) {
      ASSERT_NO_FATAL_FAILURE(CheckPick(shape, *pick, busy));
      EXPECT_GE(pick->score, 1.0);
    } else if (busy.empty()) {
      // With nothing busy every level that needs compaction gets a pick.
      for (const LevelScore& s : scores) {
        if (s.level < kNumLevels - 1) {
          EXPECT_LT(s.score, 1.0) << "L" << s.level;
        }
      }
    }
    for (int level = 0; level < kNumLevels; ++level) {
      std::optional<std::string> begin, end;
      if (rnd.OneIn(2)) begin = NumKey(rnd.Uniform(100));
      if (rnd.OneIn(2)) end = NumKey(rnd.Uniform(100));
      const auto range =
          PickRangeCompaction(shape, options, level, begin, end, busy);
      if (!range) continue;
      ASSERT_NO_FATAL_FAILURE(CheckPick(shape, *range, busy));
      ASSERT_EQ(range->level, level);
      bool in_range = false;
      for (const auto& f : range->inputs[0]) {
        in_range |= Overlap(f, begin.value_or(""), end.value_or("\xff"));
      }
      EXPECT_TRUE(in_range);
    }
  }
}

// Replaces a pick's inputs by its outputs: tables of target_file_size split
// evenly over the inputs' numeric key range (the size is conserved).
void Apply(LsmShape* shape, const CompactionPick& pick,
           const PickerOptions& options, uint64_t* number, uint64_t* written) {
  auto remove = [&](int level, const std::vector<FileRef>& files) {
    auto& v = shape->levels[level];
    for (const auto& f : files) v.erase(v.begin() + IndexIn(v, f));
  };
  remove(pick.level, pick.inputs[0]);
  remove(pick.output_level, pick.inputs[1]);
  std::vector<FileRef> outputs;
  if (pick.trivial_move) {
    outputs = pick.inputs[0];
  } else {
    std::vector<FileRef> all = pick.inputs[0];
    all.insert(all.end(), pick.inputs[1].begin(), pick.inputs[1].end());
    const auto [lo_key, hi_key] = RangeOf(all);
    const uint64_t lo = std::stoull(lo_key), hi = std::stoull(hi_key);
    uint64_t bytes = 0;
    for (const auto& f : all) bytes += f->file_size;
    *written += bytes;
    const uint64_t pieces = std::min(
        hi - lo + 1, std::max<uint64_t>(1, bytes / options.target_file_size));
    const uint64_t width = (hi - lo + 1) / pieces;
    for (uint64_t j = 0; j < pieces; ++j) {
      const uint64_t a = lo + j * width,
                     b = j + 1 == pieces ? hi : a + width - 1;
      outputs.push_back(MakeTable((*number)++, a, b, 1, 1, bytes / pieces));
    }
  }
  auto& out = shape->levels[pick.output_level];
  out.insert(out.end(), outputs.begin(), outputs.end());
  std::sort(out.begin(), out.end(), [](const FileRef& a, const FileRef& b) {
    return CompareInternalKeys(a->smallest, b->smallest) < 0;
  });
}

// An engine loop in miniature: flush, then compact until nothing scores
// >= 1. Every pick keeps the invariants, the shape stays legal, the loop
// settles after each flush, and the last level ends up with most data.
TEST(PickerRandomTest, SimulatedLoadSettles) {
  Random rnd(testing::TestSeed());
  PickerOptions options;
  options.l0_compaction_trigger = 4;
  options.base_level_bytes = 4 << 20;
  options.target_file_size = 1 << 20;
  options.max_compaction_bytes = 25 << 20;
  LsmShape shape;
  uint64_t number = 1, flushed = 0, written = 0;
  for (int flush = 0; flush < 600; ++flush) {
    const uint64_t a = rnd.Uniform(1000000),
                   b = std::min<uint64_t>(999999, a + 200000);
    shape.levels[0].push_back(MakeTable(number++, a, b, 1, 1, 1 << 20));
    flushed += 1 << 20;
    int steps = 0;
    while (auto pick = PickCompaction(shape, options, {})) {
      ASSERT_NO_FATAL_FAILURE(CheckPick(shape, *pick, {}));
      Apply(&shape, *pick, options, &number, &written);
      ASSERT_NO_FATAL_FAILURE(CheckShape(shape));
      ASSERT_LT(++steps, 200)
          << "compaction does not settle after flush " << flush;
    }
  }
  uint64_t total = 0;
  for (int n = 0; n < kNumLevels; ++n) total += shape.LevelBytes(n);
  EXPECT_EQ(total, flushed);
  // Dynamic sizing: the last level holds at least ~90% less the slack of
  // levels at up to 1x their target.
  EXPECT_GE(shape.LevelBytes(kNumLevels - 1) * 10, total * 8);
  std::string levels;
  for (int n = 0; n < kNumLevels; ++n) {
    levels += fmt::format(" L{}={}", n, FormatBytes(shape.LevelBytes(n)));
  }
  std::fprintf(
      stderr, "[sim] base L%d,%s, write amplification %.2f\n",
      BaseLevel(shape, options), levels.c_str(),
      static_cast<double>(written + flushed) / static_cast<double>(flushed));
}

}  // namespace
}  // namespace synapsed::storage::compaction
