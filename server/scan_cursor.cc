#include "server/scan_cursor.h"

#include "fmt/format.h"

namespace synapsed::storage::server {

std::string EncodeCursor(std::string_view last_key) {
  std::string out = "1";
  out.reserve(1 + 3 * last_key.size());
  for (unsigned char c : last_key) out += fmt::format("{:03d}", c);
  return out;
}

bool DecodeCursor(std::string_view cursor, std::optional<std::string>* last_key) {
  if (cursor == "0") {
    last_key->reset();
    return true;
  }
  if (cursor.empty() || cursor[0] != '1' || (cursor.size() - 1) % 3 != 0) return false;
  std::string key;
  for (size_t i = 1; i < cursor.size(); i += 3) {
    int v = 0;
    for (size_t j = i; j < i + 3; ++j) {
      if (cursor[j] < '0' || cursor[j] > '9') return false;
      v = v * 10 + (cursor[j] - '0');
    }
    if (v > 255) return false;
    key.push_back(static_cast<char>(v));
  }
  *last_key = std::move(key);
  return true;
}

std::optional<KeyPattern> ParsePattern(std::string_view pattern) {
  const size_t glob = pattern.find_first_of("*?[\\");
  if (glob == std::string_view::npos) {
    KeyPattern p;
    p.exact = true;
    // [pattern, pattern + "\0") holds exactly the key `pattern`.
    p.range = KeyRange::Between(pattern, std::string(pattern) + '\0');
    return p;
  }
  if (glob != pattern.size() - 1 || pattern[glob] != '*') return std::nullopt;
  KeyPattern p;
  p.range = KeyRange::Prefix(pattern.substr(0, glob));
  return p;
}

}  // namespace synapsed::storage::server
