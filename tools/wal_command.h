// `synapsed wal dump FILE`: every record of a write-ahead log, decoded.
#ifndef SYNAPSED_TOOLS_WAL_COMMAND_H_
#define SYNAPSED_TOOLS_WAL_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddWalCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_WAL_COMMAND_H_
