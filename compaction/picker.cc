// The leveled compaction policy.
//
// Level sizes (dynamic, as RocksDB's level_compaction_dynamic_level_bytes).
//   The targets are computed from the bottom up. The last level L6 is the
//   anchor: its "target" is its actual size (or, in an odd shape where an
//   upper level is larger, the largest level's size), and every level above
//   gets 1/level_multiplier of the one below it:
//       target[6] = bytes(L6)   target[n] = target[n+1] / multiplier
//   The base level, the one L0 compacts into, is the highest level (smallest
//   index >= 1) whose target is still >= base_level_bytes. Levels between L0
//   and the base level should be empty (target 0). An empty or small
//   database has base level L6, so flushed tables go straight to the last
//   level; once L6 passes base_level_bytes * multiplier, L5 becomes the base
//   level, and so on up as the data grows.
//
// Why: with a multiplier of 10, whenever every level is at its target the
//   levels above the last hold at most 1/10 + 1/100 + ... = 0.111 of what the
//   last level holds, so the last level holds ~90% (1 / 1.111) of the bytes.
//   The last level keeps about one version per key (compactions into it
//   drop the rest), so it is about the live data, and the space used is at
//   most ~1.11x the live data even when everything above is overwrites of
//   keys below. Static targets
//   (L1 = base, L2 = 10x base, ...) get this only when the last level
//   happens to be full: with L4's 10 GB target holding 2 GB of data under a
//   full 1 GB L3, a third of the data sits above the last level. Dynamic
//   targets also skip the empty levels a young database would otherwise
//   rewrite its data through one by one.
//
// Scores.
//   L0: (tables in L0 not being compacted) / l0_compaction_trigger.
//   L1..L5 at or below the base level: (bytes not being compacted) / target.
//   A non-empty level above the base level (the base level moved down after
//   the data shrank) must drain: max(1, bytes / base_level_bytes).
//   L6 is never compacted by size (it has nowhere to go): score 0.
//   The pick tries levels in score order (highest first, ties to the upper
//   level) and takes the first one >= 1 that yields a pick.
//
// Output level. L0 and any level n above the base level go to the first
//   level below n that is non-empty or is the base level: skipping only
//   empty levels keeps newer data above older data. A level at or below the
//   base level goes to n + 1.
//
// Inputs.
//   L0: every L0 table not being compacted (they overlap each other; taking
//   them all keeps the newest versions above the older ones), plus the
//   output level's tables overlapping their user-key range. No pick if a
//   busy L0 table overlaps that range (a running L0 compaction: two of them
//   would write overlapping tables into the output level) or if an
//   overlapping output-level table is busy. No byte limit.
//   Ln (n >= 1): for every table f of the level, the candidate is f expanded
//   to a clean cut (see below) plus its overlap in the output level (also
//   cut cleanly); candidates touching a busy table are skipped. The chosen
//   one has the smallest (output-level overlap bytes) / (input bytes) -- the
//   least rewriting per byte moved down, RocksDB's kMinOverlappingRatio --
//   ties to the leftmost table. The picker is stateless (no compact
//   pointer): a level's cheapest region goes first, and a table that
//   overlaps nothing below (ratio 0) is taken before anything else.
//   Then, as LevelDB does, the level-n inputs grow to every table inside the
//   key range of all inputs when that adds no output-level table, touches
//   no busy table and keeps the total within max_compaction_bytes.
//
// Clean cut. In L1+ one user key's versions may straddle two adjacent tables
//   (a table was cut between versions). Moving one table down without its
//   neighbour would put the newer versions below the older ones, and a
//   bottommost compaction could drop a deletion that still hides a version
//   in the neighbour. So an input set is widened while the next table starts
//   with the user key the set ends with (and the same leftwards). This is
//   never traded for max_compaction_bytes, which only bounds the optional
//   growth above and manual range picks.
//
// Manual range picks (PickRangeCompaction). L0: the tables overlapping the
//   range, closed under overlap (a table reaching past the range widens it).
//   L1..L5: the overlapping run, cut cleanly, as long a prefix of it as fits
//   max_compaction_bytes with its output-level overlap (at least one clean
//   group); the caller repeats until nothing is left. L6: its tables in
//   range, cut cleanly, rewritten in place (output level L6) in one pick.
//   A busy table anywhere in the pick: no pick.
//
// Trivial move: one input table and no overlap in the output level.
// Bottommost: no level below the output level holds a table overlapping the
//   user-key range of all inputs.
#include "compaction/picker.h"

#include <algorithm>
#include <string_view>

#include "fmt/format.h"

namespace synapsed::storage::compaction {

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

namespace {

constexpr int kLastLevel = kNumLevels - 1;

std::string_view UserKeyOf(std::string_view ikey) {
  return ikey.size() >= 8 ? ExtractUserKey(ikey) : ikey;
}
std::string_view SmallestUser(const FileRef& f) {
  return UserKeyOf(f->smallest);
}
std::string_view LargestUser(const FileRef& f) { return UserKeyOf(f->largest); }

// An inclusive user-key range; an absent bound is open.
struct UserRange {
  std::optional<std::string_view> lo;
  std::optional<std::string_view> hi;
};

bool Overlaps(const FileRef& f, const UserRange& r) {
  if (r.hi && SmallestUser(f) > *r.hi) return false;
  if (r.lo && LargestUser(f) < *r.lo) return false;
  return true;
}

// Widens `r` to cover `files`.
void Widen(UserRange* r, const std::vector<FileRef>& files) {
  for (const auto& f : files) {
    if (!r->lo || SmallestUser(f) < *r->lo) r->lo = SmallestUser(f);
    if (!r->hi || LargestUser(f) > *r->hi) r->hi = LargestUser(f);
  }
}

bool AnyBusy(const std::vector<FileRef>& files,
             const std::set<uint64_t>& busy) {
  return std::any_of(files.begin(), files.end(), [&](const FileRef& f) {
    return busy.count(f->number) > 0;
  });
}

// [begin, end) indices into one sorted level (L1+).
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return begin == end; }
  bool operator==(const Span&) const = default;
};

std::vector<FileRef> Slice(const std::vector<FileRef>& files, Span s) {
  return {files.begin() + s.begin, files.begin() + s.end};
}

// Tables of a sorted level (L1+) overlapping `r`. Their largest user keys
// ascend (adjacent tables may share one), so the first is a binary search.
Span OverlapSpan(const std::vector<FileRef>& files, const UserRange& r) {
  Span s;
  if (r.lo) {
    s.begin = std::partition_point(
                  files.begin(), files.end(),
                  [&](const FileRef& f) { return LargestUser(f) < *r.lo; }) -
              files.begin();
  }
  s.end = s.begin;
  while (s.end < files.size() && (!r.hi || SmallestUser(files[s.end]) <= *r.hi))
    ++s.end;
  return s;
}

// Widens a non-empty span so that no user key straddles its edges.
Span CleanCut(const std::vector<FileRef>& files, Span s) {
  while (s.begin > 0 &&
         LargestUser(files[s.begin - 1]) == SmallestUser(files[s.begin])) {
    --s.begin;
  }
  while (s.end < files.size() &&
         SmallestUser(files[s.end]) == LargestUser(files[s.end - 1])) {
    ++s.end;
  }
  return s;
}

// The user-key range of a non-empty span of a sorted level.
UserRange RangeOf(const std::vector<FileRef>& files, Span s) {
  return {SmallestUser(files[s.begin]), LargestUser(files[s.end - 1])};
}

UserRange Union(const UserRange& a, const UserRange& b) {
  return {std::min(*a.lo, *b.lo), std::max(*a.hi, *b.hi)};
}

uint64_t Bytes(const std::vector<FileRef>& files, Span s) {
  uint64_t total = 0;
  for (size_t i = s.begin; i < s.end; ++i) total += files[i]->file_size;
  return total;
}

bool AnyBusy(const std::vector<FileRef>& files, Span s,
             const std::set<uint64_t>& busy) {
  for (size_t i = s.begin; i < s.end; ++i) {
    if (busy.count(files[i]->number) > 0) return true;
  }
  return false;
}

// The output-level tables a compaction of inputs spanning `r` must rewrite.
Span OutputOverlap(const std::vector<FileRef>& out_files, const UserRange& r) {
  Span s = OverlapSpan(out_files, r);
  return s.empty() ? s : CleanCut(out_files, s);
}

// L0 tables overlapping `r`, closed under overlap: a table that reaches past
// the range widens it, so no older overlapping table is left behind.
std::vector<FileRef> L0Overlapping(const std::vector<FileRef>& l0,
                                   UserRange r) {
  std::vector<FileRef> result;
  for (size_t i = 0; i < l0.size();) {
    const FileRef& f = l0[i++];
    if (!Overlaps(f, r)) continue;
    result.push_back(f);
    const bool wider_lo = r.lo && SmallestUser(f) < *r.lo;
    const bool wider_hi = r.hi && LargestUser(f) > *r.hi;
    if (wider_lo || wider_hi) {
      if (wider_lo) r.lo = SmallestUser(f);
      if (wider_hi) r.hi = LargestUser(f);
      result.clear();
      i = 0;
    }
  }
  return result;
}

struct Targets {
  int base = kLastLevel;
  std::array<uint64_t, kNumLevels> bytes{};  // 0: L0 or should be empty
};

Targets ComputeTargets(const LsmShape& shape, const PickerOptions& options) {
  const uint64_t multiplier = std::max(options.level_multiplier, 2);
  uint64_t bottom = 0;
  for (int level = 1; level < kNumLevels; ++level) {
    bottom = std::max(bottom, shape.LevelBytes(level));
  }
  Targets t;
  t.bytes[kLastLevel] = bottom;
  for (int level = kLastLevel - 1; level >= 1; --level) {
    t.bytes[level] = t.bytes[level + 1] / multiplier;
  }
  for (int level = 1; level < kLastLevel; ++level) {
    if (t.bytes[level] >= options.base_level_bytes && t.bytes[level] > 0) {
      t.base = level;
      break;
    }
  }
  for (int level = 1; level < t.base; ++level) t.bytes[level] = 0;
  return t;
}

int OutputLevel(const LsmShape& shape, int base, int level) {
  if (level >= base) return level + 1;
  for (int m = level + 1; m < base; ++m) {
    if (!shape.levels[m].empty()) return m;
  }
  return base;
}

uint64_t NonBusyBytes(const std::vector<FileRef>& files,
                      const std::set<uint64_t>& busy) {
  uint64_t total = 0;
  for (const auto& f : files) {
    if (busy.count(f->number) == 0) total += f->file_size;
  }
  return total;
}


CompactionPick MakePick(const LsmShape& shape, int level, int output_level,
                        std::vector<FileRef> in0, std::vector<FileRef> in1) {
  CompactionPick pick;
  pick.level = level;
  pick.output_level = output_level;
  pick.trivial_move = level != output_level && in0.size() == 1 && in1.empty();
  UserRange r;
  Widen(&r, in0);
  Widen(&r, in1);
  pick.bottommost = true;
  for (int m = output_level + 1; m < kNumLevels; ++m) {
    if (!OverlapSpan(shape.levels[m], r).empty()) pick.bottommost = false;
  }
  pick.inputs[0] = std::move(in0);
  pick.inputs[1] = std::move(in1);
  return pick;
}

std::optional<CompactionPick> PickL0(const LsmShape& shape, int output_level,
                                     const std::set<uint64_t>& busy) {
  std::vector<FileRef> in0;
  for (const auto& f : shape.levels[0]) {
    if (busy.count(f->number) == 0) in0.push_back(f);
  }
  if (in0.empty()) return std::nullopt;
  UserRange r;
  Widen(&r, in0);
  for (const auto& f : shape.levels[0]) {
    if (busy.count(f->number) > 0 && Overlaps(f, r)) return std::nullopt;
  }
  const auto& out = shape.levels[output_level];
  const Span o = OutputOverlap(out, r);
  if (AnyBusy(out, o, busy)) return std::nullopt;
  return MakePick(shape, 0, output_level, std::move(in0), Slice(out, o));
}

std::optional<CompactionPick> PickLn(const LsmShape& shape,
                                     const PickerOptions& options, int level,
                                     int output_level,
                                     const std::set<uint64_t>& busy) {
  const auto& files = shape.levels[level];
  const auto& out = shape.levels[output_level];
  std::optional<Span> best_in;
  Span best_out;
  double best_ratio = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (busy.count(files[i]->number) > 0) continue;
    const Span in = CleanCut(files, Span{i, i + 1});
    if (in.begin < i)
      continue;  // this clean group was tried from its first table
    if (AnyBusy(files, in, busy)) continue;
    const Span o = OutputOverlap(out, RangeOf(files, in));
    if (AnyBusy(out, o, busy)) continue;
    const double ratio =
        static_cast<double>(Bytes(out, o)) /
        static_cast<double>(std::max<uint64_t>(Bytes(files, in), 1));
    if (!best_in || ratio < best_ratio) {
      best_in = in;
      best_out = o;
      best_ratio = ratio;
    }
  }
  if (!best_in) return std::nullopt;

  // Grow the level-n inputs inside the range already being rewritten.
  if (!best_out.empty()) {
    const UserRange r = Union(RangeOf(files, *best_in), RangeOf(out, best_out));
    const Span grown = CleanCut(files, OverlapSpan(files, r));
    if (grown != *best_in && !AnyBusy(files, grown, busy) &&
        OutputOverlap(out, RangeOf(files, grown)) == best_out &&
        Bytes(files, grown) + Bytes(out, best_out) <=
            options.max_compaction_bytes) {
      best_in = grown;
    }
  }
  return MakePick(shape, level, output_level, Slice(files, *best_in),
                  Slice(out, best_out));
}

std::vector<LevelScore> Scores(const LsmShape& shape,
                               const PickerOptions& options, const Targets& t,
                               const std::set<uint64_t>& busy) {
  std::vector<LevelScore> scores;
  for (int level = 0; level < kNumLevels; ++level) {
    LevelScore s;
    s.level = level;
    s.actual_bytes = shape.LevelBytes(level);
    s.target_bytes = t.bytes[level];
    if (level == 0) {
      size_t count = 0;
      for (const auto& f : shape.levels[0]) count += busy.count(f->number) == 0;
      s.score = static_cast<double>(count) /
                std::max(options.l0_compaction_trigger, 1);
    } else if (level < kLastLevel) {
      const uint64_t bytes = NonBusyBytes(shape.levels[level], busy);
      if (level >= t.base) {
        s.score =
            static_cast<double>(bytes) / static_cast<double>(t.bytes[level]);
      } else if (bytes > 0) {
        s.score = std::max(1.0, static_cast<double>(bytes) /
                                    static_cast<double>(std::max<uint64_t>(
                                        options.base_level_bytes, 1)));
      }
    }
    scores.push_back(s);
  }
  std::stable_sort(scores.begin(), scores.end(),
                   [](const LevelScore& a, const LevelScore& b) {
                     return a.score > b.score;
                   });
  return scores;
}

std::string Reason(const LsmShape& shape, const PickerOptions& options,
                   const Targets& t, const LevelScore& s,
                   const std::set<uint64_t>& busy) {
  if (s.level == 0) {
    size_t count = 0;
    for (const auto& f : shape.levels[0]) count += busy.count(f->number) == 0;
    return fmt::format("L0 has {} table{}, trigger {}", count,
                       count == 1 ? "" : "s", options.l0_compaction_trigger);
  }
  const uint64_t bytes = NonBusyBytes(shape.levels[s.level], busy);
  if (s.level < t.base) {
    return fmt::format("L{} holds {} above base level L{}", s.level,
                       FormatBytes(bytes), t.base);
  }
  return fmt::format("L{} holds {}, {:.2f}x its target {}", s.level,
                     FormatBytes(bytes), s.score, FormatBytes(s.target_bytes));
}

}  // namespace

std::vector<LevelScore> ScoreLevels(const LsmShape& shape,
                                    const PickerOptions& options,
                                    const std::set<uint64_t>& busy) {
  return Scores(shape, options, ComputeTargets(shape, options), busy);
}

int BaseLevel(const LsmShape& shape, const PickerOptions& options) {
  return ComputeTargets(shape, options).base;
}

std::optional<CompactionPick> PickCompaction(const LsmShape& shape,
                                             const PickerOptions& options,
                                             const std::set<uint64_t>& busy) {
  const Targets t = ComputeTargets(shape, options);
  for (const LevelScore& s : Scores(shape, options, t, busy)) {
    if (s.score < 1) break;
    const int output_level = OutputLevel(shape, t.base, s.level);
    std::optional<CompactionPick> pick =
        s.level == 0 ? PickL0(shape, output_level, busy)
                     : PickLn(shape, options, s.level, output_level, busy);
    if (pick) {
      pick->score = s.score;
      pick->reason = Reason(shape, options, t, s, busy);
      return pick;
    }
  }
  return std::nullopt;
}

std::optional<CompactionPick> PickL0ForReads(const LsmShape& shape,
                                             const PickerOptions& options,
                                             const std::set<uint64_t>& busy) {
  if (shape.levels[0].empty()) return std::nullopt;
  const int output_level = OutputLevel(shape, BaseLevel(shape, options), 0);
  std::optional<CompactionPick> pick = PickL0(shape, output_level, busy);
  if (pick) {
    pick->reason = fmt::format("L0 read-triggered: {} table(s) probed by reads with no write",
                               pick->inputs[0].size());
  }
  return pick;
}

std::optional<CompactionPick> PickRangeCompaction(
    const LsmShape& shape, const PickerOptions& options, int level,
    const std::optional<std::string>& begin,
    const std::optional<std::string>& end, const std::set<uint64_t>& busy) {
  if (level < 0 || level >= kNumLevels) return std::nullopt;
  UserRange range;
  if (begin) range.lo = *begin;
  if (end) range.hi = *end;
  if (range.lo && range.hi && *range.lo > *range.hi) return std::nullopt;
  const std::string reason = fmt::format(
      "manual compaction of L{} [{}, {}]", level,
      begin ? *begin : std::string("-inf"), end ? *end : std::string("+inf"));
  if (level == kLastLevel) {
    // In place, to drop what only released snapshots could see: every table
    // in range, cut cleanly (a marker dropped from one table must not
    // uncover an older version of its key in the neighbour), in one pick.
    const auto& files = shape.levels[level];
    const Span all = OverlapSpan(files, range);
    if (all.empty()) return std::nullopt;
    const Span in = CleanCut(files, all);
    if (AnyBusy(files, in, busy)) return std::nullopt;
    CompactionPick pick = MakePick(shape, level, level, Slice(files, in), {});
    pick.reason = reason + " in place";
    return pick;
  }
  const int output_level = OutputLevel(shape, BaseLevel(shape, options), level);
  const auto& out = shape.levels[output_level];

  std::vector<FileRef> in0;
  if (level == 0) {
    in0 = L0Overlapping(shape.levels[0], range);
    if (in0.empty() || AnyBusy(in0, busy)) return std::nullopt;
  } else {
    // A prefix of the overlapping run, cut cleanly, within
    // max_compaction_bytes (at least one clean group): the caller repeats
    // until nullopt, each pick moving its inputs out of `level`.
    const auto& files = shape.levels[level];
    const Span all = OverlapSpan(files, range);
    if (all.empty()) return std::nullopt;
    Span in = CleanCut(files, Span{all.begin, all.begin + 1});
    while (in.end < all.end) {
      const Span next = CleanCut(files, Span{in.begin, in.end + 1});
      if (Bytes(files, next) +
              Bytes(out, OutputOverlap(out, RangeOf(files, next))) >
          options.max_compaction_bytes) {
        break;
      }
      in = next;
    }
    if (AnyBusy(files, in, busy)) return std::nullopt;
    in0 = Slice(files, in);
  }
  UserRange r;
  Widen(&r, in0);
  const Span o = OutputOverlap(out, r);
  if (AnyBusy(out, o, busy)) return std::nullopt;
  std::vector<FileRef> in1 = Slice(out, o);
  CompactionPick pick =
      MakePick(shape, level, output_level, std::move(in0), std::move(in1));
  pick.reason = reason;
  return pick;
}

}  // namespace synapsed::storage::compaction
