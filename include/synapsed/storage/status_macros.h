// Status plumbing for code that calls synapsed-storage: the installed Abseil
// (Debian's 20220623) ships no RETURN_IF_ERROR / ASSIGN_OR_RETURN, and every
// embedder would otherwise write its own.
//
//   SYNAPSED_RETURN_IF_ERROR(store->Put("k", "v"));
//   SYNAPSED_ASSIGN_OR_RETURN(std::string v, store->Get("k"));
//   SYNAPSED_ASSIGN_OR_RETURN(auto store, StorageBuilder(config).Build());
//
// Both evaluate their argument exactly once and work in any function that
// returns absl::Status or absl::StatusOr<T>. They are prefixed so that they
// never clash with an embedder's own (or a future Abseil's) unprefixed macros.
#ifndef SYNAPSED_STORAGE_STATUS_MACROS_H_
#define SYNAPSED_STORAGE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SYNAPSED_STATUS_CONCAT_INNER_(a, b) a##b
#define SYNAPSED_STATUS_CONCAT_(a, b) SYNAPSED_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` (an absl::Status) from the enclosing function
// unless it is OK.
#define SYNAPSED_RETURN_IF_ERROR(expr)                            \
  do {                                                            \
    if (::absl::Status _synapsed_st = (expr); !_synapsed_st.ok()) \
      return _synapsed_st;                                        \
  } while (0)

// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs` (a declaration or an assignable expression).
#define SYNAPSED_ASSIGN_OR_RETURN(lhs, expr) \
  SYNAPSED_STATUS_ASSIGN_OR_RETURN_IMPL_(    \
      SYNAPSED_STATUS_CONCAT_(_synapsed_statusor_, __LINE__), lhs, expr)
#define SYNAPSED_STATUS_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                           \
  if (!var.ok()) return std::move(var).status();               \
  lhs = std::move(var).value()

#endif  // SYNAPSED_STORAGE_STATUS_MACROS_H_
