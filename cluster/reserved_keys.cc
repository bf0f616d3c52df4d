#include "cluster/reserved_keys.h"

#include <algorithm>
#include <string>

#include "absl/strings/escaping.h"
#include "api/mapped_change_stream.h"
#include "fmt/format.h"
#include "security/hiding_iterator.h"

namespace synapsed::storage::cluster {

absl::Status CheckUserKey(std::string_view key) {
  if (!IsReservedKey(key)) return absl::OkStatus();
  const absl::string_view prefix(kReservedPrefix.data(), kReservedPrefix.size());
  return absl::InvalidArgumentError(
      fmt::format("keys starting with \"{}\" are the cluster's own", absl::CEscape(prefix)));
}

absl::Status CheckUserKeys(const WriteBatch& batch) {
  absl::Status first;
  absl::Status s = batch.Iterate(
      [&](std::string_view key, std::string_view) {
        if (first.ok()) first = CheckUserKey(key);
      },
      [&](std::string_view key) {
        if (first.ok()) first = CheckUserKey(key);
      });
  return s.ok() ? first : s;
}

std::unique_ptr<Iterator> HideReservedKeys(std::unique_ptr<Iterator> base) {
  return security::NewHidingIterator(std::move(base), kReservedPrefix);
}

std::unique_ptr<ChangeStream> HideReservedKeys(std::unique_ptr<ChangeStream> inner) {
  return NewMappedChangeStream(std::move(inner), [](ChangeBatch* batch) {
    std::erase_if(batch->events, [](const ChangeEvent& e) { return IsReservedKey(e.key); });
    return absl::OkStatus();
  });
}

}  // namespace synapsed::storage::cluster
