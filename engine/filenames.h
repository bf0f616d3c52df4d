// The files of a native database directory:
//
//   SYNAPSED      marker: "synapsed-storage <format version>\n"; a directory
//                 without it (and not empty) is not a synapsed database
//   LOCK          held (fcntl) while a process has the database open
//   NNNNNN.log    write-ahead logs, replayed in number order on open
//
// Tables, MANIFEST and CURRENT join them with the flush/compaction work.
#ifndef SYNAPSED_ENGINE_FILENAMES_H_
#define SYNAPSED_ENGINE_FILENAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synapsed::storage::engine {

inline constexpr std::string_view kMarkerName = "SYNAPSED";
inline constexpr std::string_view kMarkerContents = "synapsed-storage 1\n";
inline constexpr std::string_view kLockName = "LOCK";

std::string LogFileName(std::string_view dir, uint64_t number);
// The number of a "NNNNNN.log" name, or nullopt.
std::optional<uint64_t> ParseLogFileName(std::string_view name);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_FILENAMES_H_
