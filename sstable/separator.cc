#include "sstable/separator.h"

#include <algorithm>

#include "util/internal_key.h"

namespace synapsed::storage::sstable {

namespace {
std::string WithMaxTrailer(std::string user_key) {
  PutFixed64(&user_key,
             PackSequenceAndType(kMaxSequenceNumber, kValueTypeForSeek));
  return user_key;
}
}  // namespace

std::string ShortestSeparator(std::string_view last, std::string_view next) {
  const std::string_view a = ExtractUserKey(last);
  const std::string_view b = ExtractUserKey(next);
  const size_t limit = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < limit && a[i] == b[i]) ++i;
  if (i < limit) {
    const uint8_t c = static_cast<uint8_t>(a[i]);
    // Bumping a[i] keeps the result > a and, if still below b[i], < b.
    if (c < 0xff && c + 1 < static_cast<uint8_t>(b[i])) {
      std::string u(a.substr(0, i + 1));
      u[i] = static_cast<char>(c + 1);
      return WithMaxTrailer(std::move(u));
    }
  }
  return std::string(last);
}

std::string ShortSuccessor(std::string_view last) {
  const std::string_view a = ExtractUserKey(last);
  for (size_t i = 0; i < a.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(a[i]);
    if (c != 0xff) {
      std::string u(a.substr(0, i + 1));
      u[i] = static_cast<char>(c + 1);
      return WithMaxTrailer(std::move(u));
    }
  }
  return std::string(last);
}

}  // namespace synapsed::storage::sstable
