// Kill points: named places in the write, flush, compaction and manifest
// paths where a crash test can make the process die (RocksDB's
// TEST_KILL_RANDOM, made deterministic).
//
//   SYNAPSED_KILL_POINT("flush.before_manifest");
//
// Compiled in only when the build defines SYNAPSED_KILL_POINTS (CMake option
// SYNAPSED_KILL_POINTS, on in the test builds); otherwise the macro is
// empty and costs nothing.
//
// Arming: ArmKillPoint(name, nth) makes the nth time `name` is reached call
// the handler (default: raise SIGKILL, the process dies on the spot). The
// environment variable SYNAPSED_KILL_POINT=name[:nth] arms one at the first
// hit of any kill point, so a parent can arm its child. In-process tests
// install a handler (e.g. freeze the fault-injecting file system) instead.
// Thread-safe.
#ifndef SYNAPSED_UTIL_KILL_POINT_H_
#define SYNAPSED_UTIL_KILL_POINT_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace synapsed::storage {

// Every kill point compiled into the engine, for tests that iterate them.
const std::vector<std::string>& KillPointNames();

void ArmKillPoint(std::string_view name, int nth = 1);
void DisarmKillPoints();
// Called (once) when an armed point fires; null restores SIGKILL.
void SetKillPointHandler(std::function<void(std::string_view)> handler);

void KillPoint(std::string_view name);

}  // namespace synapsed::storage

#ifdef SYNAPSED_KILL_POINTS
#define SYNAPSED_KILL_POINT(name) ::synapsed::storage::KillPoint(name)
#else
#define SYNAPSED_KILL_POINT(name) \
  do {                            \
  } while (0)
#endif

#endif  // SYNAPSED_UTIL_KILL_POINT_H_
