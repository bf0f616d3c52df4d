#include "tools/db_open.h"

#include <iostream>

#include "env/env.h"
#include "fmt/format.h"
#include "synapsed/storage/builder.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

StorageConfig ConfigWithoutKeys(const StoreFlags& flags, std::string_view command) {
  if (!flags.config_file.empty()) {
    auto text = env::ReadFileToString(env::DefaultFileSystem(), flags.config_file);
    if (!text.ok()) Fail(text.status(), fmt::format("{}: reading the config", command));
    auto parsed = StorageConfig::FromJson(*text);
    if (!parsed.ok()) Fail(parsed.status(), fmt::format("{}: {}", command, flags.config_file));
    return *parsed;
  }
  if (!flags.dir.empty()) return StorageConfig::Native(flags.dir);
  FailWith(kExitError, fmt::format("{}: give --dir DIR or --config FILE", command));
}

StorageConfig ConfigFor(const StoreFlags& flags, std::string_view command) {
  StorageConfig config = ConfigWithoutKeys(flags, command);
  if (!flags.key_file.empty()) {
    EncryptionConfig e;
    e.key_file = flags.key_file;
    config.encryption = e;
  }
  return config;
}

}  // namespace

void AddStoreFlags(CLI::App* cmd, StoreFlags* flags) {
  auto* config = cmd->add_option("--config", flags->config_file,
                                 "a StorageConfig JSON file");
  auto* dir = cmd->add_option("--dir", flags->dir, "a native database directory");
  config->excludes(dir);
  cmd->add_option("--key-file", flags->key_file,
                  "the key file of an encrypted store (docs/format/encryption.md)");
}

StorageConfig StoreConfigOf(const StoreFlags& flags, std::string_view command) {
  return ConfigFor(flags, command);
}

std::string NativeDir(const StoreFlags& flags, std::string_view command) {
  const StorageConfig config = ConfigFor(flags, command);
  if (config.type != BackendType::kNative) {
    FailWith(kExitError,
             fmt::format("{}: works on native databases; the config names a {} store",
                         command, BackendTypeName(config.type)));
  }
  return config.path;
}

OpenedStore OpenForRead(const StoreFlags& flags, std::string_view command) {
  const StorageConfig config = ConfigFor(flags, command);
  // Reading commands never create or change a database, whatever the config.
  auto store = StorageBuilder(config).ReadOnly().Build();
  if (!store.ok()) Fail(store.status(), fmt::format("{}: opening {}", command, config.path));
  std::cerr << fmt::format("synapsed: opened {} read-only ({})\n", config.path,
                           (*store)->Name());
  OpenedStore out;
  out.native = engine::AsNativeEngine(store->get());
  out.store = std::move(*store);
  out.dir = config.path;
  return out;
}

OpenedStore OpenForWrite(const StoreFlags& flags, std::string_view command,
                         bool create) {
  StorageConfig config = ConfigFor(flags, command);
  if (!flags.dir.empty()) config.native.create_if_missing = create;
  if (flags.metrics && !config.metrics) config.metrics = MetricsConfig();
  auto store = StorageBuilder(config).Build();
  if (!store.ok()) {
    std::string hint;
    if (absl::IsNotFound(store.status()) && !flags.dir.empty()) {
      hint = " (give --create to make a new database)";
    }
    std::cerr << "synapsed: " << command << ": opening " << config.path << ": "
              << std::string(store.status().message()) << hint << "\n";
    throw CLI::RuntimeError(ExitCodeFor(store.status()));
  }
  OpenedStore out;
  out.native = engine::AsNativeEngine(store->get());
  out.store = std::move(*store);
  out.dir = config.path;
  return out;
}

}  // namespace synapsed::storage::tools
