// `synapsed sst`: inspect SSTable files (docs/format/sstable.md), read-only.
//
//   synapsed sst properties FILE [--json]   what the table says about itself
//   synapsed sst dump FILE [--hex] [--json] [--limit N]
//                                           every entry: key, sequence, type,
//                                           value (printable-escaped or hex)
//   synapsed sst check FILE [--json]        verify every block checksum and
//                                           entry; report the first bad block
//                                           (an encrypted table without
//                                           --key-file: its checksums only)
//   synapsed sst blocks FILE [--json]       per-block offset, sizes, codec,
//                                           compression ratio, restarts
//
// Exit codes: 0 success; 1 the file cannot be read (missing, I/O error) or
// bad usage; 2 the file is corrupt (DataLoss; `check` found a bad block).
// Errors go to stderr. On failure a subcommand's callback throws
// CLI::RuntimeError(code), which CLI11_PARSE / App::exit turn into the
// process exit code without printing anything more.
#ifndef SYNAPSED_TOOLS_SST_COMMAND_H_
#define SYNAPSED_TOOLS_SST_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "crypto/file_cipher.h"

namespace synapsed::storage::tools {

inline constexpr int kSstExitError = 1;
inline constexpr int kSstExitCorrupt = 2;

void AddSstCommand(CLI::App* app);

// What `sst check` verifies, for reuse (`synapsed db check`): opens the
// table at `path` read-only and reads every data block through the index,
// verifying checksums, entries, key order and the properties' counts.
// `status` is the first problem (DataLoss naming the file and offset).
struct SstCheckResult {
  absl::Status status;
  uint64_t data_blocks = 0;
  uint64_t entries = 0;
  // Blocks whose checksums the block map led to (encrypted tables).
  uint64_t stored_blocks = 0;
};
// `cipher`: the table's data key, for a table of an encrypted database;
// then the block map's checksum walk runs too, so a damaged map is found.
SstCheckResult CheckSstFile(const std::string& path,
                            std::shared_ptr<const crypto::FileCipher> cipher = nullptr);
// What can be verified of an encrypted table without its key: every
// checksum in the file, through its block map (sstable/block_map.h).
// Leaves data_blocks and entries at 0.
SstCheckResult CheckSstChecksums(const std::string& path);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_SST_COMMAND_H_
