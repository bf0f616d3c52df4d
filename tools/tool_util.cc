#include "tools/tool_util.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/escaping.h"
#include "fmt/format.h"

namespace synapsed::storage::tools {

int ExitCodeFor(const absl::Status& s) {
  return s.code() == absl::StatusCode::kDataLoss ? kExitCorrupt : kExitError;
}

void Fail(const absl::Status& s, std::string_view what) {
  std::cerr << "synapsed: " << what << ": "
            << (s.code() == absl::StatusCode::kDataLoss ? "corruption: " : "")
            << std::string(s.message()) << "\n";
  throw CLI::RuntimeError(ExitCodeFor(s));
}

void FailWith(int code, std::string_view message) {
  std::cerr << "synapsed: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::string Escape(std::string_view bytes, size_t max) {
  const size_t n = std::min(bytes.size(), max);
  std::string s = absl::CHexEscape(absl::string_view(bytes.data(), n));
  if (n < bytes.size()) s += fmt::format("...({} bytes)", bytes.size());
  return s;
}

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

absl::Status DecodeHexArg(std::string_view arg, std::string* out) {
  const bool ok = arg.size() % 2 == 0 &&
                  std::all_of(arg.begin(), arg.end(), [](char c) {
                    return std::isxdigit(static_cast<unsigned char>(c));
                  });
  if (!ok) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" is not hex (an even number of 0-9a-f digits)", arg));
  }
  *out = absl::HexStringToBytes(absl::string_view(arg.data(), arg.size()));
  return absl::OkStatus();
}

namespace {

std::chrono::milliseconds ProgressInterval() {
  const char* ms = std::getenv("SYNAPSED_PROGRESS_MS");
  return std::chrono::milliseconds(ms != nullptr ? std::atoi(ms) : 100);
}

}  // namespace

Progress::Progress(std::string what)
    : what_(std::move(what)),
      enabled_(isatty(STDERR_FILENO) == 1),
      interval_(ProgressInterval()),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
}

void Progress::Update(uint64_t done, uint64_t total, std::string_view detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  std::string line = total ? fmt::format("{}: {} / {}", what_, done, total)
                           : fmt::format("{}: {}", what_, done);
  if (!detail.empty()) line += fmt::format(" ({})", detail);
  std::cerr << "\r\033[K" << line << fmt::format("  {:.1f}s", secs) << std::flush;
  shown_ = true;
}

}  // namespace synapsed::storage::tools
