// Helpers of the audit tests: a key file, a fixed clock, and a secured
// memory store whose audit log lives on a given file system.
#ifndef SYNAPSED_SECURITY_AUDIT_TEST_UTIL_H_
#define SYNAPSED_SECURITY_AUDIT_TEST_UTIL_H_

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "synapsed/storage/config.h"

namespace synapsed::storage::security {

// The audit key of every test (and of the worked example in
// docs/format/audit.md): bytes 0x00, 0x01, ..., 0x1f.
inline constexpr char kAuditKeyHex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// Writes the key file (mode 600) in a fresh temporary directory.
inline std::string WriteAuditKeyFile() {
  std::string dir = std::string(::testing::TempDir()) + "/audit_key.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return "";
  const std::string path = dir + "/audit.key";
  std::ofstream(path) << "synapsed-key-file 1\naudit-1 " << kAuditKeyHex
                      << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

// 2026-01-01T00:00:00Z, moved by hand.
struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1767225600);
  std::function<absl::Time()> Fn() {
    return [this] { return now; };
  }
};

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_TEST_UTIL_H_
