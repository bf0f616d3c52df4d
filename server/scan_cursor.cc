#include "server/scan_cursor.h"

#include <charconv>
#include <cstdint>
#include <utility>

#include "fmt/format.h"

namespace synapsed::storage::server {
namespace {

// A table cursor is kTableBase + id: 20 digits, beginning "1".
constexpr uint64_t kTableBase = 10000000000000000000ULL;  // 10^19
constexpr size_t kTableDigits = 20;
static_assert(ScanCursorTable::kIdLimit - 1 == UINT64_MAX - kTableBase);

bool DecodeTableCursor(std::string_view cursor, const ScanCursorTable& table,
                       std::optional<std::string>* last_key) {
  if (cursor[0] != '1') return false;
  uint64_t v = 0;
  // from_chars takes no sign or space and fails on overflow (above 2^64 - 1).
  const auto [end, ec] =
      std::from_chars(cursor.data(), cursor.data() + cursor.size(), v);
  if (ec != std::errc() || end != cursor.data() + cursor.size()) return false;
  std::optional<std::string> key = table.Find(v - kTableBase);
  if (!key) return false;
  *last_key = std::move(key);
  return true;
}

// "1" then three digits per byte.
bool DecodeDigitCursor(std::string_view cursor,
                       std::optional<std::string>* last_key) {
  if (cursor.empty() || cursor[0] != '1' || (cursor.size() - 1) % 3 != 0)
    return false;
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

}  // namespace

std::string EncodeCursor(std::string_view last_key, ScanCursorTable& table) {
  if (last_key.size() > kMaxDigitKeyBytes) {
    return std::to_string(kTableBase + table.Add(std::string(last_key)));
  }
  std::string out = "1";
  out.reserve(1 + 3 * last_key.size());
  for (unsigned char c : last_key) out += fmt::format("{:03d}", c);
  return out;
}

bool DecodeCursor(std::string_view cursor, const ScanCursorTable& table,
                  std::optional<std::string>* last_key) {
  if (cursor == "0") {
    last_key->reset();
    return true;
  }
  if (cursor.size() == kTableDigits)
    return DecodeTableCursor(cursor, table, last_key);
  return DecodeDigitCursor(cursor, last_key);
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
