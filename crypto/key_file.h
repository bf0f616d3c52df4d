// The key file: master keys in a text file, specified in
// docs/format/encryption.md ("Key file"):
//
//   synapsed-key-file 1
//   <id> <64 hex digits>        one line per key, oldest first
//
// Lines that are empty or start with '#' are comments. The same text is
// what an environment variable given as EncryptionConfig::key_env holds.
//
// Errors name the source and the line and say what is wrong; they never
// repeat a key's digits. The text read from a file is wiped before it is
// freed. Thread-safe (no shared state).
#ifndef SYNAPSED_CRYPTO_KEY_FILE_H_
#define SYNAPSED_CRYPTO_KEY_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/master_key.h"

namespace synapsed::storage::crypto {

// The first line of every key file. The number is the format's version.
inline constexpr std::string_view kKeyFileHeader = "synapsed-key-file 1";
// A key file is small; anything larger is not one.
inline constexpr size_t kMaxKeyFileSize = 64 << 10;

// Parses key-file text. `source` names it in errors ("key file /etc/k",
// "environment variable APP_KEY"). InvalidArgument for malformed text, a
// bad or repeated id, or no key at all.
[[nodiscard]] absl::StatusOr<std::vector<MasterKey>> ParseKeyFile(
    std::string_view text, std::string_view source);

// Reads and parses the key file at `path`. PermissionDenied, naming the
// file and its mode, if the mode has any group or other bit (the file must
// be readable by its owner alone: chmod 600); FailedPrecondition if it is
// not a regular file or is too large; NotFound if it does not exist.
[[nodiscard]] absl::StatusOr<std::vector<MasterKey>> ReadKeyFile(
    const std::string& path);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_KEY_FILE_H_
