// `synapsed torture`: crash-recovery torture of the native engine (modes,
// oracle and checks in tools/torture/torture.h).
#ifndef SYNAPSED_TOOLS_TORTURE_COMMAND_H_
#define SYNAPSED_TOOLS_TORTURE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddTortureCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_TORTURE_COMMAND_H_
