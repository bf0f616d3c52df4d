// Helpers shared by the `synapsed` subcommands: exit codes, error
// reporting, byte escaping and terminal progress.
//
// Exit codes (every subcommand):
//   0  success
//   1  bad input or an I/O error: a missing file or directory, something that
//      is not a synapsed database or file, a refused operation
//   2  corrupt data (absl::DataLossError; `check` found a problem)
// CLI11's own usage errors keep CLI11's codes (non-zero).
//
// A subcommand's callback ends with a failure by throwing
// CLI::RuntimeError(code), which CLI11_PARSE turns into the exit code
// without printing more; the message goes to stderr first (Fail).
//
// Single-threaded: the tool's main thread calls these.
#ifndef SYNAPSED_TOOLS_TOOL_UTIL_H_
#define SYNAPSED_TOOLS_TOOL_UTIL_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace synapsed::storage::tools {

inline constexpr int kExitError = 1;
inline constexpr int kExitCorrupt = 2;

// 2 for DataLoss, 1 for anything else.
int ExitCodeFor(const absl::Status& s);

// Prints "synapsed: <what>: <message>" (with "corruption: " for DataLoss)
// and throws CLI::RuntimeError(ExitCodeFor(s)). REQUIRES: !s.ok().
[[noreturn]] void Fail(const absl::Status& s, std::string_view what);
// Fails with `code` and a plain message.
[[noreturn]] void FailWith(int code, std::string_view message);
// Fail() unless `s` is OK.
inline void CheckOk(const absl::Status& s, std::string_view what) {
  if (!s.ok()) Fail(s, what);
}

// Printable C-escaped bytes ("a\x01b"); `max` bytes at most, with a
// "...(N bytes)" suffix when cut.
std::string Escape(std::string_view bytes, size_t max = SIZE_MAX);
// Lower-case hex.
std::string Hex(std::string_view bytes);
// The bytes a "--hex" argument names; InvalidArgument if it is not hex.
[[nodiscard]] absl::Status DecodeHexArg(std::string_view arg, std::string* out);

// One line of progress on stderr, rewritten in place at most ten times a
// second, and only when stderr is a terminal: piped output stays clean.
// The line is erased when the Progress is destroyed. SYNAPSED_PROGRESS_MS
// in the environment changes the interval (tests use 0 to see every step).
class Progress {
 public:
  explicit Progress(std::string what);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // "what: done / total" (total 0: unknown). Reads the clock (tens of ns)
  // when enabled; nothing else unless a tenth of a second has passed.
  void Update(uint64_t done, uint64_t total = 0, std::string_view detail = {});

 private:
  const std::string what_;
  const bool enabled_;
  const std::chrono::milliseconds interval_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_TOOL_UTIL_H_
