// DBImpl::BatchGet: a real batched lookup. The keys are read at one
// sequence through one ReadView (no snapshot to register), the memtables
// first, then the tables for the undecided keys in key order, one level at
// a time, each level's lookups in stages so that their cache misses overlap
// (Version::MultiGet).
#include <algorithm>

#include "engine/db_impl.h"
#include "util/status_macros.h"

namespace synapsed::storage::engine {

absl::StatusOr<std::vector<std::optional<std::string>>> DBImpl::BatchGet(
    const ReadOptions& options, std::span<const std::string_view> keys) {
  for (std::string_view key : keys) RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(SequenceNumber seq, ReadSequence(options));
  auto view = View();
  std::vector<std::optional<std::string>> out(keys.size());
  std::vector<Version::BatchKey> pending;
  pending.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    memtable::LookupResult r = memtable::LookupResult::kNotPresent;
    std::string& value = out[i].emplace();
    for (const auto& mem : view->mems) {
      if (mem->Empty()) continue;
      r = mem->Get(keys[i], seq, &value);
      if (r != memtable::LookupResult::kNotPresent) break;
    }
    if (r != memtable::LookupResult::kFound) out[i].reset();
    if (r == memtable::LookupResult::kNotPresent) {
      pending.push_back({.user_key = keys[i],
                         .index = i,
                         .result = memtable::LookupResult::kNotPresent,
                         .value = {}});
    }
  }
  if (pending.empty()) return out;
  std::sort(pending.begin(), pending.end(),
            [](const Version::BatchKey& a, const Version::BatchKey& b) {
              return a.user_key < b.user_key;
            });
  sstable::ReadOptions ro;
  ro.fill_cache = options.fill_cache;
  RETURN_IF_ERROR(view->version->MultiGet(table_cache_.get(), ro, seq, pending));
  for (Version::BatchKey& k : pending) {
    if (k.result == memtable::LookupResult::kFound) out[k.index] = std::move(k.value);
  }
  return out;
}

}  // namespace synapsed::storage::engine
