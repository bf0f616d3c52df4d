// The key-id rule of include/synapsed/storage/encryption.h, shared by the
// config parser and the key providers (crypto/).
#include "synapsed/storage/encryption.h"

#include <algorithm>

namespace synapsed::storage {

bool IsValidKeyId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxKeyIdSize &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
         });
}

}  // namespace synapsed::storage
