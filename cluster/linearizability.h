// A linearizability checker for histories of one register (a key read and
// written by concurrent clients), for the cluster's tests: a history taken
// while leaders are killed must be explainable by some order of its
// operations that a single copy of the key could have produced, with each
// operation taking effect at one instant between its call and its answer.
//
// The search is Wing & Gong's, with Lowe's memo of (operations done, value)
// states already found to be dead ends. At each step the candidates are the
// operations not yet placed that were called before the earliest answer of
// any operation not yet placed (an operation answered at time t precedes
// every operation called after t). A read fits if it returned the
// register's value; a write sets it. The history is linearizable if every
// answered operation can be placed.
//
// A write whose outcome is unknown (no answer: the client timed out, or the
// node it asked was killed) has response kNoAnswer: it may take effect at
// any instant after its call, or never. The search places such a write
// only just before a read of its value (where any explaining order can be
// made to put it), which keeps many of them from multiplying the orders. A read with no answer tells
// nothing and is ignored. A write refused with an error that says nothing
// was applied should be left out by the caller.
//
// Keys are independent registers: check each key's history on its own
// (linearizability is compositional).
//
// Cost: exponential in the worst case, which is why histories are kept to
// a few keys and a few hundred operations each; the memo makes the usual
// ones fast.
#ifndef SYNAPSED_CLUSTER_LINEARIZABILITY_H_
#define SYNAPSED_CLUSTER_LINEARIZABILITY_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

namespace synapsed::storage::cluster {

inline constexpr uint64_t kNoAnswer = std::numeric_limits<uint64_t>::max();

struct RegisterOp {
  enum class Kind { kRead, kWrite };
  Kind kind = Kind::kRead;
  // Write: the value written. Read: the value read (nullopt: the key was
  // absent).
  std::optional<std::string> value;
  // Times on one clock (any unit): when the call was sent, and when the
  // answer came (kNoAnswer: never). call < answer.
  uint64_t call = 0;
  uint64_t answer = kNoAnswer;
};

struct LinearizabilityResult {
  bool linearizable = false;
  // When not linearizable: how far the best order got, and the operations
  // none of which could come next there.
  std::string explanation;
};

// `initial` is the register's value before the history (nullopt: absent).
// At most kMaxOps operations (InvalidArgument-like failure otherwise: the
// result says so and is not linearizable).
inline constexpr size_t kMaxLinearizabilityOps = 4096;
LinearizabilityResult CheckRegisterHistory(std::span<const RegisterOp> history,
                                           const std::optional<std::string>& initial);

// "w(v) [call, answer]" / "r -> v [call, answer]", for explanations and test
// failures.
std::string DescribeOp(const RegisterOp& op);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_LINEARIZABILITY_H_
