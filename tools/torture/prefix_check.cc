// Oracle::CheckPrefix: is the recovered state the state after some prefix of
// the acknowledged writes, with every synced write (and in strict mode every
// acknowledged one) inside it?
//
// Each writer thread's groups are ordered, so a candidate state is one prefix
// length p_t per thread. A key's recovered state allows the p_t whose last
// write to that key left exactly that state; intersecting over the thread's
// keys gives the feasible set V_t. Across threads the prefixes must respect
// real time: a group answered before another was issued precedes it in the
// log, so no included group may start after an excluded one ended:
//   start of t's last included group < end of u's first excluded group.
//
// Of the consistent candidates, the one with the most acknowledged writes
// gives writes_survived: what the state read back shows reached the disk.
#include <algorithm>
#include <limits>

#include "fmt/format.h"
#include "tools/torture/oracle.h"
#include "tools/torture/oracle_layout.h"
#include "tools/torture/value_codec.h"

namespace synapsed::storage::torture {
namespace {

constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();

struct ThreadView {
  std::vector<uint64_t> start, end;  // of the non-aborted groups (end kInf if pending)
  std::vector<uint64_t> original;    // their index in the trace
  std::vector<char> feasible;        // p in [0, m]
  std::vector<uint64_t> feasible_prefix;  // count of feasible p' < p
  std::vector<uint64_t> last_feasible;    // largest feasible p' <= p (if any)
  std::vector<uint64_t> acked_before;     // acknowledged key writes in groups < p
  uint64_t floor = 0;
  uint64_t S(uint64_t p) const { return p == 0 ? 0 : start[p - 1]; }
  uint64_t E(uint64_t p) const { return p == start.size() ? kInf : end[p]; }
  bool AnyFeasible(uint64_t lo, uint64_t hi) const {  // in [lo, hi]
    if (lo > hi || lo >= feasible.size()) return false;
    hi = std::min<uint64_t>(hi, feasible.size() - 1);
    return feasible_prefix[hi + 1] - feasible_prefix[lo] > 0;
  }
  // The largest feasible p <= hi; call only if AnyFeasible(lo, hi) for some lo.
  uint64_t LastFeasible(uint64_t hi) const {
    return last_feasible[std::min<uint64_t>(hi, feasible.size() - 1)];
  }
};

bool Same(uint64_t a, uint64_t b) {
  return a == b || (!StatePresent(a) && !StatePresent(b));
}

std::string StateName(uint64_t s) {
  if (s == 0) return "absent";
  return fmt::format("{}#{}", StatePresent(s) ? "put" : "del", StateId(s));
}

}  // namespace

void Oracle::CheckPrefix(const std::vector<uint64_t>& recovered, bool strict,
                         VerifyResult* r) {
  auto problem = [r](std::string msg) {
    if (r->problems.size() < 12) r->problems.push_back(std::move(msg));
  };
  const uint32_t n = l_->num_keys;
  std::vector<char> written(n, 0);
  std::vector<ThreadView> views(l_->threads);
  bool hole = false;
  for (uint32_t t = 0; t < l_->threads; ++t) {
    ThreadView& v = views[t];
    v.acked_before.push_back(0);
    std::vector<std::vector<std::pair<uint64_t, uint64_t>>> per_key(n);  // (p index, state)
    for (uint64_t g = 0; g < l_->group_len[t]; ++g) {
      const Group& gr = l_->groups(t)[g];
      if (gr.flags & kFlagAborted) continue;
      const uint64_t j = v.start.size();
      v.start.push_back(gr.start);
      v.end.push_back(gr.end == 0 ? kInf : gr.end);
      v.original.push_back(g);
      v.acked_before.push_back(v.acked_before.back() + (gr.end != 0 ? gr.n : 0));
      if (gr.end != 0 && (strict || (gr.flags & kFlagSync))) v.floor = j + 1;
      for (uint32_t i = 0; i < gr.n; ++i) {
        const WriteRec& w = l_->writes(t)[gr.first + i];
        per_key[w.key].emplace_back(j, w.state);
        written[w.key] = 1;
      }
    }
    const uint64_t m = v.start.size();
    r->writes_acknowledged += v.acked_before[m];
    r->writes_promised += v.acked_before[v.floor];
    std::vector<int64_t> diff(m + 2, 0);
    int64_t constrained = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const auto& list = per_key[k];
      if (list.empty()) continue;
      ++constrained;
      auto allow = [&](uint64_t lo, uint64_t hi, uint64_t state) {
        if (lo <= hi && Same(state, recovered[k])) {
          ++diff[lo];
          --diff[hi + 1];
        }
      };
      allow(0, list[0].first, l_->keys()[k].base);
      for (size_t i = 0; i < list.size(); ++i) {
        allow(list[i].first + 1, i + 1 < list.size() ? list[i + 1].first : m, list[i].second);
      }
    }
    v.feasible.assign(m + 1, 0);
    v.feasible_prefix.assign(m + 2, 0);
    v.last_feasible.assign(m + 1, 0);
    int64_t run = 0, best = -1;
    uint64_t best_p = v.floor;
    for (uint64_t p = 0; p <= m; ++p) {
      run += diff[p];
      v.feasible[p] = p >= v.floor && run == constrained;
      v.feasible_prefix[p + 1] = v.feasible_prefix[p] + v.feasible[p];
      v.last_feasible[p] = v.feasible[p] ? p : p == 0 ? 0 : v.last_feasible[p - 1];
      if (p >= v.floor && run > best) {
        best = run;
        best_p = p;
      }
    }
    if (v.feasible_prefix[m + 1] > 0) continue;
    hole = true;
    // Diagnose at the prefix that explains the most keys.
    problem(fmt::format(
        "thread {}: no prefix of its {} acknowledged/pending groups (at least {} "
        "must survive) explains the recovered state; closest is after op {} "
        "({} of {} keys agree)",
        t, m, v.floor, best_p == 0 ? 0 : v.original[best_p - 1] + 1, best, constrained));
    for (uint32_t k = 0; k < n; ++k) {
      const auto& list = per_key[k];
      if (list.empty()) continue;
      uint64_t expect = l_->keys()[k].base;
      for (const auto& [j, s] : list) {
        if (j < best_p) expect = s;
      }
      if (Same(expect, recovered[k])) continue;
      std::string where = "no write";
      for (const auto& [j, s] : list) {
        if (s == recovered[k]) where = fmt::format("op {}", v.original[j]);
      }
      problem(fmt::format("  {}: recovered {} (written by {}), expected {} after op {}",
                          KeyName(k), StateName(recovered[k]), where, StateName(expect),
                          best_p == 0 ? 0 : v.original[best_p - 1] + 1));
    }
  }
  for (uint32_t k = 0; k < n; ++k) {
    if (!written[k] && !Same(l_->keys()[k].base, recovered[k])) {
      ++r->mismatches;
      problem(fmt::format("{}: recovered {} but nothing wrote it since {}", KeyName(k),
                          StateName(recovered[k]), StateName(l_->keys()[k].base)));
    }
  }
  uint64_t survived = 0;
  if (!hole && l_->threads == 1) {
    const ThreadView& a = views[0];
    survived = a.acked_before[a.LastFeasible(a.feasible.size() - 1)];
  }
  if (!hole && l_->threads == 2) {
    const ThreadView& a = views[0];
    const ThreadView& b = views[1];
    bool found = false;
    for (uint64_t p = 0; p < a.feasible.size(); ++p) {
      if (!a.feasible[p]) continue;
      const uint64_t sa = a.S(p), ea = a.E(p);
      // Smallest q with E_b(q) > sa; largest q with S_b(q) < ea.
      uint64_t lo = 0, hi = b.start.size();
      while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (b.E(mid) > sa) hi = mid; else lo = mid + 1;
      }
      const uint64_t qmin = lo;
      lo = 0;
      hi = b.start.size() + 1;
      while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (b.S(mid) < ea) lo = mid + 1; else hi = mid;
      }
      if (lo == 0 || !b.AnyFeasible(qmin, lo - 1)) continue;
      found = true;
      const uint64_t q = b.LastFeasible(lo - 1);
      survived = std::max(survived, a.acked_before[p] + b.acked_before[q]);
    }
    if (!found) {
      hole = true;
      problem("each thread's state is some prefix of its writes, but no pair of "
              "prefixes is consistent with the order the writes were acknowledged in");
    }
  }
  if (hole) ++r->holes;
  else r->writes_survived = survived;
}

}  // namespace synapsed::storage::torture
