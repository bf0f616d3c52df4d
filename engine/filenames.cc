#include "engine/filenames.h"

#include "env/env.h"
#include "fmt/format.h"

namespace synapsed::storage::engine {

std::string LogFileName(std::string_view dir, uint64_t number) {
  return env::JoinPath(dir, fmt::format("{:06}.log", number));
}

std::optional<uint64_t> ParseLogFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".log";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace synapsed::storage::engine
