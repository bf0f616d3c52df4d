#include "cluster/linearizability.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "fmt/format.h"

namespace synapsed::storage::cluster {
namespace {

struct Op {
  bool write;
  int value;  // interned; 0 is "absent"
  uint64_t call;
  uint64_t answer;
  size_t index;  // in the caller's history
};

class Search {
 public:
  Search(std::vector<Op> ops, int initial)
      : ops_(std::move(ops)), initial_(initial), done_((ops_.size() + 63) / 64, 0) {
    for (const Op& op : ops_) answered_ += op.answer != kNoAnswer ? 1 : 0;
  }

  bool Run() { return Step(initial_, 0); }

  // The deepest point the search reached, for the explanation.
  size_t best_placed() const { return best_placed_; }
  const std::vector<size_t>& stuck_candidates() const { return stuck_; }

 private:
  bool Done(size_t i) const { return (done_[i / 64] >> (i % 64)) & 1; }
  void Flip(size_t i) { done_[i / 64] ^= uint64_t{1} << (i % 64); }

  std::string MemoKey(int value) const {
    std::string key(reinterpret_cast<const char*>(done_.data()), done_.size() * 8);
    key.append(reinterpret_cast<const char*>(&value), sizeof(value));
    return key;
  }

  // `placed`: answered operations placed so far.
  bool Step(int value, size_t placed) {
    if (placed == answered_) return true;
    if (!dead_.insert(MemoKey(value)).second) return false;
    uint64_t earliest_answer = kNoAnswer;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!Done(i)) earliest_answer = std::min(earliest_answer, ops_[i].answer);
    }
    std::vector<size_t> candidates;
    // ops_ is sorted by call, so the candidates are a prefix of the rest.
    for (size_t i = 0; i < ops_.size() && ops_[i].call < earliest_answer; ++i) {
      if (!Done(i)) candidates.push_back(i);
    }
    if (placed >= best_placed_) {
      best_placed_ = placed;
      stuck_.clear();
      for (size_t i : candidates) stuck_.push_back(ops_[i].index);
    }
    for (size_t i : candidates) {
      const Op& op = ops_[i];
      if (!op.write && op.value != value) continue;
      // A write with no answer is placed only just before a read of its
      // value that could come next: in any order that explains the history
      // it can be moved there, or, when nothing reads it before the next
      // write, left out (it may never have taken effect). Trying it at every
      // other point only multiplies the orders: with a few such writes
      // pending for a long stretch the search never ended.
      if (op.write && op.answer == kNoAnswer &&
          (op.value == value || !ReadOfCandidate(candidates, op.value))) {
        continue;
      }
      Flip(i);
      const bool ok = Step(op.write ? op.value : value,
                           placed + (op.answer != kNoAnswer ? 1 : 0));
      Flip(i);
      if (ok) return true;
    }
    return false;
  }

  // A read of `value` among the candidates (reads there are answered).
  bool ReadOfCandidate(const std::vector<size_t>& candidates, int value) const {
    for (size_t i : candidates) {
      const Op& op = ops_[i];
      if (!op.write && op.value == value) return true;
    }
    return false;
  }

  const std::vector<Op> ops_;
  const int initial_;
  size_t answered_ = 0;
  std::vector<uint64_t> done_;
  absl::flat_hash_set<std::string> dead_;
  size_t best_placed_ = 0;
  std::vector<size_t> stuck_;
};

}  // namespace

std::string DescribeOp(const RegisterOp& op) {
  const std::string value = op.value ? fmt::format("'{}'", *op.value) : "absent";
  const std::string answer = op.answer == kNoAnswer ? "?" : std::to_string(op.answer);
  return op.kind == RegisterOp::Kind::kWrite
             ? fmt::format("w({}) [{}, {}]", value, op.call, answer)
             : fmt::format("r -> {} [{}, {}]", value, op.call, answer);
}

LinearizabilityResult CheckRegisterHistory(std::span<const RegisterOp> history,
                                           const std::optional<std::string>& initial) {
  LinearizabilityResult result;
  if (history.size() > kMaxLinearizabilityOps) {
    result.explanation = fmt::format("{} operations; the checker takes at most {}",
                                     history.size(), kMaxLinearizabilityOps);
    return result;
  }
  std::map<std::string, int> ids;  // value -> id; 0 is absent
  auto intern = [&](const std::optional<std::string>& v) {
    if (!v) return 0;
    auto [it, inserted] = ids.emplace(*v, static_cast<int>(ids.size()) + 1);
    return it->second;
  };
  std::vector<Op> ops;
  for (size_t i = 0; i < history.size(); ++i) {
    const RegisterOp& h = history[i];
    if (h.answer != kNoAnswer && h.answer <= h.call) {
      result.explanation = fmt::format("operation {} ({}) is answered before it was called",
                                       i, DescribeOp(h));
      return result;
    }
    const bool write = h.kind == RegisterOp::Kind::kWrite;
    if (!write && h.answer == kNoAnswer) continue;  // a read never answered says nothing
    ops.push_back({write, intern(h.value), h.call, h.answer, i});
  }
  std::stable_sort(ops.begin(), ops.end(),
                   [](const Op& a, const Op& b) { return a.call < b.call; });
  Search search(std::move(ops), intern(initial));
  result.linearizable = search.Run();
  if (!result.linearizable) {
    std::string stuck;
    for (size_t i : search.stuck_candidates()) {
      stuck += fmt::format("{}  #{} {}", stuck.empty() ? "" : "\n", i, DescribeOp(history[i]));
    }
    result.explanation = fmt::format(
        "not linearizable: the longest order found places {} answered operation(s); "
        "none of these fits next:\n{}",
        search.best_placed(), stuck.empty() ? "  (none)" : stuck);
  }
  return result;
}

}  // namespace synapsed::storage::cluster
