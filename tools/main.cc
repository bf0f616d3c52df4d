// `synapsed`: the command-line tool. One command, subcommands per area:
// db, demo, keys, acl, audit, sst, wal, manifest, bench, disk-limit, torture, serve. Exit codes
// are shared by every subcommand: see tools/tool_util.h.
#include <CLI/CLI.hpp>

#include "tools/acl_command.h"
#include "tools/audit_command.h"
#include "tools/bench_command.h"
#include "tools/cluster_command.h"
#include "tools/db_command.h"
#include "tools/disk_limit_command.h"
#include "tools/keys_command.h"
#include "tools/manifest_command.h"
#include "tools/serve_command.h"
#include "tools/torture_command.h"
#include "tools/wal_command.h"
#ifdef SYNAPSED_HAVE_SST_COMMAND
#include "tools/sst_command.h"
#endif

int main(int argc, char** argv) {
  CLI::App app{"synapsed: inspect and use synapsed-storage databases"};
  app.require_subcommand(1);
  synapsed::storage::tools::AddDemoCommand(&app);
  synapsed::storage::tools::AddDbCommand(&app);
  synapsed::storage::tools::AddKeysCommand(&app);
  synapsed::storage::tools::AddAclCommand(&app);
  synapsed::storage::tools::AddAuditCommand(&app);
  synapsed::storage::tools::AddWalCommand(&app);
  synapsed::storage::tools::AddManifestCommand(&app);
  synapsed::storage::tools::AddBenchCommand(&app);
  synapsed::storage::tools::AddDiskLimitCommand(&app);
  synapsed::storage::tools::AddTortureCommand(&app);
  synapsed::storage::tools::AddServeCommand(&app);
  synapsed::storage::tools::AddClusterCommand(&app);
#ifdef SYNAPSED_HAVE_SST_COMMAND
  synapsed::storage::tools::AddSstCommand(&app);
#endif
  CLI11_PARSE(app, argc, argv);
  return 0;
}
