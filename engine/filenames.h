// The files of a native database directory:
//
//   CURRENT              names the live manifest ("MANIFEST-000005\n"); a
//                        directory without it is not a synapsed database
//   MANIFEST-NNNNNN      the log of version edits (docs/format/manifest.md)
//   NNNNNN.log           write-ahead logs (docs/format/wal.md)
//   NNNNNN.sst           tables (docs/format/sstable.md)
//   LOCK                 held (fcntl) while a process has the database open
//   CURRENT.tmp          a CURRENT being replaced
//   KEYS, KEYS.tmp       an encrypted database's data keys (engine/key_registry.h)
//
// Logs, tables and manifests share one number space (the manifest's
// next_file_number). Anything in the directory that the manifest does not
// reference is garbage and is deleted on open.
#ifndef SYNAPSED_ENGINE_FILENAMES_H_
#define SYNAPSED_ENGINE_FILENAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synapsed::storage::engine {

inline constexpr std::string_view kCurrentName = "CURRENT";
inline constexpr std::string_view kLockName = "LOCK";

enum class FileKind { kLog, kTable, kManifest, kCurrent, kLock, kTemp, kKeys };

struct ParsedFileName {
  FileKind kind;
  uint64_t number = 0;  // logs, tables, manifests
};

std::string LogFileName(std::string_view dir, uint64_t number);
std::string TableFileName(std::string_view dir, uint64_t number);
std::string ManifestFileName(std::string_view dir, uint64_t number);
std::string CurrentFileName(std::string_view dir);
std::string TempFileName(std::string_view dir, uint64_t number);

// The kind (and number) of a file name in a database directory; nullopt if
// the name is not one of ours.
std::optional<ParsedFileName> ParseFileName(std::string_view name);
// The number of a "NNNNNN.log" name, or nullopt.
std::optional<uint64_t> ParseLogFileName(std::string_view name);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_FILENAMES_H_
