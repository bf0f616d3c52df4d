// `synapsed db ...` and `synapsed demo`: operate on a store through the
// public API, the way an embedder would.
#ifndef SYNAPSED_TOOLS_DB_COMMAND_H_
#define SYNAPSED_TOOLS_DB_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddDbCommand(CLI::App* app);
void AddDemoCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_DB_COMMAND_H_
