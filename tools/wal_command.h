// `synapsed wal dump FILE`: every record of a write-ahead log
// (docs/format/wal.md), decoded: offset, first sequence, op count, and each
// op's sequence, kind and key (values with --values). Read-only.
//
// By default the file is read as the newest log of a database: a damaged
// final record is a torn tail (reported, exit 0), as recovery treats it.
// --strict reads it as an older log, where any damage is corruption.
// Exit codes (tools/tool_util.h): 2 for corruption (reported with file and
// offset after the records before it) and for a file with no intact record
// of this log at all (not a synapsed log, or the wrong --log-number).
#ifndef SYNAPSED_TOOLS_WAL_COMMAND_H_
#define SYNAPSED_TOOLS_WAL_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddWalCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_WAL_COMMAND_H_
