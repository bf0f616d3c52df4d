// `synapsed disk-limit --dir DIR [--count N] [--size BYTES] [--json FILE]`:
// what the device under DIR allows for small synced writes, the ceiling a
// synced-write benchmark (`synapsed bench --benchmarks=fillsync`) is judged
// against. Two measurements, each N times "pwrite SIZE bytes, fdatasync":
//
//   preallocated overwrite  into a file written with zeros (N x SIZE rounded
//                           up to 4 KiB) and fdatasync'ed once beforehand, at
//                           the next offset each time: the sync only has to
//                           write data blocks (no size or extent change to
//                           journal). What a log writer that reuses or
//                           pre-extends its file can reach.
//   append                  at the end of an empty file: every sync also
//                           carries the new file size.
//
// Prints ops/s (and per-op latency) per measurement; --json also writes them
// to FILE ('-': stdout, the table then goes to stderr). The two files are
// created in DIR (refusing to overwrite anything) and removed at the end,
// also on failure. Exit codes: tools/tool_util.h (1 for a bad flag, a missing
// or unwritable DIR, an I/O error).
#ifndef SYNAPSED_TOOLS_DISK_LIMIT_COMMAND_H_
#define SYNAPSED_TOOLS_DISK_LIMIT_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddDiskLimitCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_DISK_LIMIT_COMMAND_H_
