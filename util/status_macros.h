// Status plumbing the installed Abseil (20220623) does not ship.
//
//   RETURN_IF_ERROR(file->Append(data));
//   ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(path));
//
// Both evaluate their argument exactly once. Safe to use from any thread.
#ifndef SYNAPSED_UTIL_STATUS_MACROS_H_
#define SYNAPSED_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SYNAPSED_CONCAT_INNER_(a, b) a##b
#define SYNAPSED_CONCAT_(a, b) SYNAPSED_CONCAT_INNER_(a, b)

#ifndef RETURN_IF_ERROR
#define RETURN_IF_ERROR(expr)                                    \
  do {                                                           \
    if (::absl::Status _st = (expr); !_st.ok()) return _st;      \
  } while (0)
#endif

#ifndef ASSIGN_OR_RETURN
#define ASSIGN_OR_RETURN(lhs, expr) \
  SYNAPSED_ASSIGN_OR_RETURN_IMPL_(SYNAPSED_CONCAT_(_statusor_, __LINE__), lhs, expr)
#define SYNAPSED_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                    \
  if (!var.ok()) return std::move(var).status();        \
  lhs = std::move(var).value()
#endif

#endif  // SYNAPSED_UTIL_STATUS_MACROS_H_
