#include "tools/keys_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "crypto/key_file.h"
#include "crypto/keyring.h"
#include "crypto/secure_key.h"
#include "engine/db.h"
#include "engine/db_impl.h"
#include "env/env.h"
#include "fmt/format.h"
#include "layers/encryption_layer.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/encryption.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

struct KeysFlags {
  std::string config_file;
  std::string dir;
  std::string key_file;
  std::string new_key_file;
  std::string out_file;
  std::string id = "key-1";
};

void Generate(const KeysFlags& f) {
  if (!IsValidKeyId(f.id)) {
    FailWith(kExitError, fmt::format("keys generate: \"{}\" is not a key id (1 to 64 of "
                                     "A-Z a-z 0-9 . _ -)",
                                     f.id));
  }
  auto key = crypto::SecureKey::Random();
  if (!key.ok()) Fail(key.status(), "keys generate");
  // The hex text lives in ordinary memory only while it is written.
  std::string text = fmt::format("{}\n{} ", crypto::kKeyFileHeader, f.id);
  for (uint8_t b : key->bytes()) text += fmt::format("{:02x}", b);
  text += "\n";
  const int fd = ::open(f.out_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    crypto::Wipe(text.data(), text.size());
    FailWith(kExitError, fmt::format("keys generate: cannot create {}: {}", f.out_file,
                                     std::strerror(err)));
  }
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  crypto::Wipe(text.data(), text.size());
  if (!written) {
    ::unlink(f.out_file.c_str());
    FailWith(kExitError, fmt::format("keys generate: writing {}: {}", f.out_file,
                                     std::strerror(err)));
  }
  std::cout << fmt::format("wrote {} (mode 0600) with key \"{}\"\n", f.out_file, f.id);
}

// The keys of `file`, then those of `newer` (whose current key becomes the
// keyring's current one).
std::shared_ptr<crypto::Keyring> LoadKeys(const std::string& file,
                                          const std::string& newer,
                                          std::string_view command) {
  auto ring = std::make_shared<crypto::Keyring>();
  std::string current;
  for (const std::string& path : {file, newer}) {
    if (path.empty()) continue;
    auto keys = crypto::ReadKeyFile(path);
    if (!keys.ok()) Fail(keys.status(), fmt::format("{}: {}", command, path));
    for (crypto::MasterKey& k : *keys) {
      current = k.id;
      auto held = ring->Find(k.id);
      if (held.ok()) {
        // The same id in both files must name the same key.
        if (!(*held)->key.SameBytes(k.key)) {
          FailWith(kExitError, fmt::format("{}: key id \"{}\" names two different keys in {} "
                                           "and {}",
                                           command, k.id, file, newer));
        }
        continue;
      }
      CheckOk(ring->Add(std::move(k)), fmt::format("{}: {}", command, path));
    }
  }
  // The last key listed (the newer file's, if given) is current.
  CheckOk(ring->SetCurrent(current), command);
  return ring;
}

std::unique_ptr<Store> OpenEncrypted(const KeysFlags& f, std::shared_ptr<crypto::Keyring> ring,
                                     bool read_only, std::string_view command) {
  engine::EngineOptions o;
  o.keyring = std::move(ring);
  o.read_only = read_only;
  o.create_if_missing = false;
  auto store = engine::OpenNativeStore(o, f.dir);
  if (!store.ok()) Fail(store.status(), fmt::format("{}: opening {}", command, f.dir));
  return *std::move(store);
}

void Status(const KeysFlags& f) {
  auto db = OpenEncrypted(f, LoadKeys(f.key_file, "", "keys status"), true, "keys status");
  auto text = db->GetProperty("encryption.keys");
  if (!text.ok()) Fail(text.status(), "keys status");
  std::cout << *text << "\n";
}

void Rotate(const KeysFlags& f) {
  auto ring = LoadKeys(f.key_file, f.new_key_file, "keys rotate");
  const std::string to = ring->Current()->id;
  auto db = OpenEncrypted(f, ring, false, "keys rotate");
  CheckOk(engine::AsNativeEngine(db.get())->RotateMasterKey(), "keys rotate");
  std::cout << fmt::format("every data key of {} is now wrapped under \"{}\"\n", f.dir, to);
}

void Reencrypt(const KeysFlags& f) {
  auto db = OpenEncrypted(f, LoadKeys(f.key_file, "", "keys reencrypt"), false,
                          "keys reencrypt");
  CheckOk(engine::AsNativeEngine(db.get())->ReencryptAll(), "keys reencrypt");
  auto text = db->GetProperty("encryption.keys");
  if (!text.ok()) Fail(text.status(), "keys reencrypt");
  std::cout << *text << "\n";
}

void Reseal(const KeysFlags& f) {
  auto text = env::ReadFileToString(env::DefaultFileSystem(), f.config_file);
  if (!text.ok()) Fail(text.status(), "keys reseal: reading the config");
  auto config = StorageConfig::FromJson(*text);
  if (!config.ok()) Fail(config.status(), fmt::format("keys reseal: {}", f.config_file));
  if (!f.key_file.empty()) {
    EncryptionConfig e;
    e.key_file = f.key_file;
    config->encryption = e;
  }
  if (!config->encryption) {
    FailWith(kExitError, "keys reseal: the config has no \"encryption\" and no --key-file");
  }
  if (config->type == BackendType::kNative) {
    FailWith(kExitError, "keys reseal: a native store encrypts its files: use keys rotate "
                         "and keys reencrypt");
  }
  // The envelope on top: the other layers only change what is inside the
  // sealed values, which a reseal carries over as it is.
  config->cache.reset();
  config->compression.reset();
  auto store = StorageBuilder(*config).Build();
  if (!store.ok()) Fail(store.status(), "keys reseal: opening the store");
  auto* layer = dynamic_cast<layers::EncryptionLayer*>(store->get());
  if (layer == nullptr) {
    FailWith(kExitError, fmt::format("keys reseal: {} is not under the encryption layer",
                                     (*store)->Name()));
  }
  auto stats = layer->Reseal();
  if (!stats.ok()) Fail(stats.status(), "keys reseal");
  nlohmann::json by_key = nlohmann::json::object();
  for (const auto& [id, n] : stats->resealed_by_key_id) by_key[id] = n;
  std::cout << nlohmann::json({{"current_key", stats->current_key_id},
                               {"values_scanned", stats->values_scanned},
                               {"values_resealed", stats->values_resealed},
                               {"resealed_by_old_key", by_key}})
                   .dump(2)
            << "\n";
}

}  // namespace

void AddKeysCommand(CLI::App* app) {
  CLI::App* keys = app->add_subcommand(
      "keys", "encryption keys of an encrypted native database (keys are never printed)");
  keys->require_subcommand(1);
  auto f = std::make_shared<KeysFlags>();

  CLI::App* gen = keys->add_subcommand("generate", "write a new key file (mode 0600)");
  gen->add_option("FILE", f->out_file, "the key file to create")->required();
  gen->add_option("--id", f->id, "the key's id (default key-1)");
  gen->callback([f] { Generate(*f); });

  auto with_db = [&](CLI::App* cmd) {
    cmd->add_option("--dir", f->dir, "the database directory")->required();
    cmd->add_option("--key-file", f->key_file, "the key file that opens it")->required();
  };
  CLI::App* status = keys->add_subcommand("status", "master key and files per key generation");
  with_db(status);
  status->callback([f] { Status(*f); });

  CLI::App* rotate = keys->add_subcommand(
      "rotate", "re-wrap every data key under the new key file's current key");
  with_db(rotate);
  rotate->add_option("--new-key-file", f->new_key_file, "the new master key")->required();
  rotate->callback([f] { Rotate(*f); });

  CLI::App* re = keys->add_subcommand(
      "reencrypt", "rewrite every file under data keys of the current master key");
  with_db(re);
  re->callback([f] { Reencrypt(*f); });

  CLI::App* reseal = keys->add_subcommand(
      "reseal", "another backend under the envelope: re-seal values of older keys");
  reseal->add_option("--config", f->config_file, "the store's StorageConfig JSON")->required();
  reseal->add_option("--key-file", f->key_file, "the key file (overrides the config's)");
  reseal->callback([f] { Reseal(*f); });
}

}  // namespace synapsed::storage::tools
