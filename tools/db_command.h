// `synapsed db ...`: look inside and change a database without writing
// code; and `synapsed demo`, a guided tour of the public API.
//
//   synapsed db get|exists KEY          (read-only)
//   synapsed db scan [--start K] [--end K] [--prefix P] [--limit N] [--reverse]
//   synapsed db stats | lsm | properties | check   (read-only)
//   synapsed db put KEY VALUE | delete KEY | compact [--start K] [--end K]
//
// Each takes --dir DIR or --config FILE (tools/db_open.h says how it opens
// the store); --hex makes key and value arguments and output hex; --json
// prints data as JSON. Exit codes: tools/tool_util.h.
#ifndef SYNAPSED_TOOLS_DB_COMMAND_H_
#define SYNAPSED_TOOLS_DB_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddDbCommand(CLI::App* app);
void AddDemoCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_DB_COMMAND_H_
