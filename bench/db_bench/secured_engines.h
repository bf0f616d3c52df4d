// The access control and audit stacks of `synapsed bench`, to measure what
// they add over the bare native engine in one run:
//   native_acl    native under the access control layer, as a principal
//                 allowed every key (each operation is checked)
//   native_audit  native_acl with the audit log in <dir>/bench.audit,
//                 checkpoints every 1000 records to <dir>/bench.checkpoints
//                 (records of synced writes synced, the rest group-synced)
// The audit key is a fixed, public benchmark key: the cost is measured,
// nothing is protected.
#ifndef SYNAPSED_BENCH_DB_BENCH_SECURED_ENGINES_H_
#define SYNAPSED_BENCH_DB_BENCH_SECURED_ENGINES_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::bench {

bool IsSecuredEngine(const std::string& engine);

// Wraps `native` (opened in a subdirectory of `dir`) as `engine` says.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> WrapSecured(
    const std::string& engine, std::unique_ptr<Store> native,
    const std::string& dir);

// What DescribeEngine adds to the native engine's lines.
std::vector<std::pair<std::string, std::string>> DescribeSecured(
    const std::string& engine);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_SECURED_ENGINES_H_
