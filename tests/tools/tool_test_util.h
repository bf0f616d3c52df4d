// Helpers for the end-to-end tests of the `synapsed` binary: run it (stdout,
// stderr and exit code captured), build a database through the library,
// copy and damage it, and snapshot a directory to prove reads change
// nothing.
#ifndef SYNAPSED_TESTS_TOOLS_TOOL_TEST_UTIL_H_
#define SYNAPSED_TESTS_TOOLS_TOOL_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace synapsed::storage::tools_test {

struct RunResult {
  int code = -1;  // exit code; 128+N if killed by signal N
  std::string out, err;
};

// Runs the built binary with `args`, stdout and stderr to files (so not a
// terminal), and waits for it.
RunResult RunTool(const std::vector<std::string>& args);
// Runs it with stderr on a pseudo-terminal (stdout discarded) and
// SYNAPSED_PROGRESS_MS=0; returns what the terminal received.
RunResult RunToolOnTerminal(const std::vector<std::string>& args);

// The database every test reads (built once per test binary):
//   keys key00000..key00999 written, compacted to the last level;
//   key00100..key00299 overwritten ("new-" values), key00300..key00349
//   deleted, flushed to L0;
//   20 more puts (late00..late19) left only in the newest log.
struct TestDb {
  std::string dir;
  std::string table;     // a live L6 table
  std::string log;       // the log holding the 20 late records
  std::string manifest;  // the live manifest
};
const TestDb& SharedDb();
std::string OldValue(int i);
std::string NewValue(int i);

// A fresh temporary directory (removed at exit).
std::string TempDir(const std::string& name);
// Copies `from` (a directory) to a new temporary directory.
std::string CopyDb(const std::string& from, const std::string& name);
// XORs the byte at `offset` of `path` with 0x40.
void FlipByte(const std::string& path, uint64_t offset);

// name -> contents of every file in `dir`.
std::map<std::string, std::string> Snapshot(const std::string& dir);
// The bytes of the file at `path` ("" if it cannot be read).
std::string ReadAll(const std::string& path);

}  // namespace synapsed::storage::tools_test

#endif  // SYNAPSED_TESTS_TOOLS_TOOL_TEST_UTIL_H_
