// The conveniences of the public Transaction interface.
#include "synapsed/storage/transaction.h"

#include "util/status_macros.h"

namespace synapsed::storage {

absl::StatusOr<std::string> Transaction::Get(std::string_view key) {
  std::string v;
  RETURN_IF_ERROR(Get(key, &v));
  return v;
}

}  // namespace synapsed::storage
