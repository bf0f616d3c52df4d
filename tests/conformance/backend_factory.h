// The backends the conformance suite runs against. Each factory opens a
// store in a fresh directory; persistent ones can reopen it.
#ifndef SYNAPSED_TESTS_CONFORMANCE_BACKEND_FACTORY_H_
#define SYNAPSED_TESTS_CONFORMANCE_BACKEND_FACTORY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::testing {

struct BackendFactory {
  std::string name;
  // Opens (or reopens) the store kept in `dir`.
  std::function<absl::StatusOr<std::unique_ptr<Store>>(const std::string& dir)> open;
  bool persistent = false;     // data survives close + open of the same dir
  bool transactions = true;    // offers TransactionalStorage
  bool snapshots = true;       // offers GetSnapshot
  bool compacts_ranges = true; // CompactRange works (else Unimplemented)
  // A transaction reads the snapshot taken when it began (else the latest
  // committed value: distributed_transaction.h).
  bool snapshot_reads = true;
  bool subscribes = true;      // Subscribe works (else Unimplemented)
  // Non-empty: this build lacks the backend (a peer configured off) and
  // every test of it is skipped with this reason.
  std::string missing = "";
};

// Every backend and layer stack built into this binary.
std::vector<BackendFactory> AllBackends();

}  // namespace synapsed::storage::testing

#endif  // SYNAPSED_TESTS_CONFORMANCE_BACKEND_FACTORY_H_
