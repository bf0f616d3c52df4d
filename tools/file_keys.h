// How the file-level commands (`wal dump`, `manifest dump`, `sst ...`,
// `db check`) read an encrypted database's files: `--key-file FILE` names
// the master keys, and the data key of each file comes from the KEYS
// registry of the directory the file is in (docs/format/encryption.md).
//
// Without --key-file, a file of an encrypted database is refused with a
// message saying so (its records and blocks are sealed; decoding them as
// plain data would only report garbage as corruption), except by the
// checks, which then verify checksums only.
#ifndef SYNAPSED_TOOLS_FILE_KEYS_H_
#define SYNAPSED_TOOLS_FILE_KEYS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/file_cipher.h"
#include "engine/key_registry.h"

namespace synapsed::storage::tools {

// Adds --key-file to `cmd`, stored in `*key_file`.
void AddKeyFileFlag(CLI::App* cmd, std::string* key_file);

// The registry of the database directory `dir`, opened with the keys of
// `key_file`; null for a plain database. Ends the command (tool_util.h)
// when `dir` is encrypted and no key file is given, when a key file is
// given for a plain one, or when the keys do not open KEYS.
std::unique_ptr<engine::KeyRegistry> OpenFileKeys(const std::string& dir,
                                                  const std::string& key_file,
                                                  std::string_view command);

// Whether `dir` is an encrypted database (has a KEYS file). Ends the
// command if that cannot be read.
bool IsEncryptedDatabase(const std::string& dir, std::string_view command);

// The cipher of the file at `path` (a log, table or manifest named as the
// engine names them) from `keys`; null when `keys` is null. Ends the
// command if the registry has no key for it.
std::shared_ptr<const crypto::FileCipher> CipherForFile(const engine::KeyRegistry* keys,
                                                        const std::string& path,
                                                        std::string_view command);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_FILE_KEYS_H_
