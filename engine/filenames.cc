#include "engine/filenames.h"

#include "env/env.h"
#include "fmt/format.h"

namespace synapsed::storage::engine {
namespace {

std::optional<uint64_t> ParseNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string LogFileName(std::string_view dir, uint64_t number) {
  return env::JoinPath(dir, fmt::format("{:06}.log", number));
}
std::string TableFileName(std::string_view dir, uint64_t number) {
  return env::JoinPath(dir, fmt::format("{:06}.sst", number));
}
std::string ManifestFileName(std::string_view dir, uint64_t number) {
  return env::JoinPath(dir, fmt::format("MANIFEST-{:06}", number));
}
std::string CurrentFileName(std::string_view dir) {
  return env::JoinPath(dir, kCurrentName);
}
std::string TempFileName(std::string_view dir, uint64_t number) {
  return env::JoinPath(dir, fmt::format("{:06}.dbtmp", number));
}

std::optional<ParsedFileName> ParseFileName(std::string_view name) {
  if (name == kCurrentName) return ParsedFileName{FileKind::kCurrent};
  if (name == kLockName) return ParsedFileName{FileKind::kLock};
  if (name == "CURRENT.tmp") return ParsedFileName{FileKind::kTemp};
  // KEYS.tmp is not garbage for the obsolete-file sweep: a registry write
  // may be between its temp file and the rename (the next write replaces it).
  if (name == "KEYS" || name == "KEYS.tmp") return ParsedFileName{FileKind::kKeys};
  if (name.starts_with("MANIFEST-")) {
    if (auto n = ParseNumber(name.substr(9))) {
      return ParsedFileName{FileKind::kManifest, *n};
    }
    return std::nullopt;
  }
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto n = ParseNumber(name.substr(0, dot));
  if (!n) return std::nullopt;
  std::string_view ext = name.substr(dot + 1);
  if (ext == "log") return ParsedFileName{FileKind::kLog, *n};
  if (ext == "sst") return ParsedFileName{FileKind::kTable, *n};
  if (ext == "dbtmp") return ParsedFileName{FileKind::kTemp, *n};
  return std::nullopt;
}

std::optional<uint64_t> ParseLogFileName(std::string_view name) {
  auto p = ParseFileName(name);
  if (p && p->kind == FileKind::kLog) return p->number;
  return std::nullopt;
}

}  // namespace synapsed::storage::engine
