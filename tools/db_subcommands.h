// The parts of `synapsed db`, each in its own file; AddDbCommand
// (db_command.cc) wires them under the `db` subcommand.
//   db_command.cc          get, exists, put, delete, scan
//   db_inspect_command.cc  stats, lsm, properties, compact
//   db_check_command.cc    check
#ifndef SYNAPSED_TOOLS_DB_SUBCOMMANDS_H_
#define SYNAPSED_TOOLS_DB_SUBCOMMANDS_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddDbInspectCommands(CLI::App* db);
void AddDbCheckCommand(CLI::App* db);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_DB_SUBCOMMANDS_H_
