#include "server/key_locks.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace synapsed::storage::server {

KeyLocks::Guard KeyLocks::Lock(const std::vector<std::string_view>& keys)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  std::vector<size_t> order;
  order.reserve(keys.size());
  for (std::string_view k : keys) {
    order.push_back(absl::Hash<absl::string_view>()(absl::string_view(k.data(), k.size())) %
                    kStripes);
  }
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  Guard g;
  for (size_t i : order) {
    stripes_[i].Lock();
    g.locks_.push_back(&stripes_[i]);
  }
  return g;
}

// The analysis cannot follow locks held in a container from Lock to here.
KeyLocks::Guard::~Guard() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (auto it = locks_.rbegin(); it != locks_.rend(); ++it) (*it)->Unlock();
}

}  // namespace synapsed::storage::server
