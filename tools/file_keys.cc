#include "tools/file_keys.h"

#include "crypto/keyring.h"
#include "engine/filenames.h"
#include "env/env.h"
#include "fmt/format.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {

void AddKeyFileFlag(CLI::App* cmd, std::string* key_file) {
  cmd->add_option("--key-file", *key_file,
                  "the key file of an encrypted database (docs/format/encryption.md)");
}

std::unique_ptr<engine::KeyRegistry> OpenFileKeys(const std::string& dir,
                                                  const std::string& key_file,
                                                  std::string_view command) {
  env::FileSystem* fs = env::DefaultFileSystem();
  if (!IsEncryptedDatabase(dir, command)) {
    if (!key_file.empty()) {
      FailWith(kExitError, fmt::format("{}: {} is not an encrypted database (it has no KEYS "
                                       "file); drop --key-file",
                                       command, dir));
    }
    return nullptr;
  }
  if (key_file.empty()) {
    FailWith(kExitError, fmt::format("{}: {} is an encrypted database: give --key-file",
                                     command, dir));
  }
  EncryptionConfig e;
  e.key_file = key_file;
  auto ring = crypto::LoadKeyring(e);
  if (!ring.ok()) Fail(ring.status(), command);
  auto keys = engine::KeyRegistry::Open(fs, dir, std::shared_ptr<crypto::Keyring>(*std::move(ring)));
  if (!keys.ok()) Fail(keys.status(), command);
  return *std::move(keys);
}

bool IsEncryptedDatabase(const std::string& dir, std::string_view command) {
  auto encrypted = engine::KeyRegistry::Exists(env::DefaultFileSystem(), dir);
  if (!encrypted.ok()) Fail(encrypted.status(), command);
  return *encrypted;
}

std::shared_ptr<const crypto::FileCipher> CipherForFile(const engine::KeyRegistry* keys,
                                                        const std::string& path,
                                                        std::string_view command) {
  if (keys == nullptr) return nullptr;
  const std::string base = path.substr(path.rfind('/') + 1);
  auto parsed = engine::ParseFileName(base);
  crypto::FileKind kind;
  if (parsed && parsed->kind == engine::FileKind::kLog) {
    kind = crypto::FileKind::kLog;
  } else if (parsed && parsed->kind == engine::FileKind::kTable) {
    kind = crypto::FileKind::kTable;
  } else if (parsed && parsed->kind == engine::FileKind::kManifest) {
    kind = crypto::FileKind::kManifest;
  } else {
    FailWith(kExitError, fmt::format("{}: {}: an encrypted file must keep its name "
                                     "(NNNNNN.log, NNNNNN.sst, MANIFEST-NNNNNN): its data key "
                                     "is found by number",
                                     command, path));
  }
  auto cipher = keys->CipherFor(parsed->number, kind);
  if (!cipher.ok()) Fail(cipher.status(), command);
  return *std::move(cipher);
}

}  // namespace synapsed::storage::tools
