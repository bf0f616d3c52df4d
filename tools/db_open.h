// How `synapsed db` subcommands find and open their store.
//
// --dir DIR names a native database; --config FILE a StorageConfig JSON.
// Reading subcommands (get, exists, scan, stats, lsm, properties) open any
// backend the config names read-only through StorageBuilder::ReadOnly(), with
// the config's layers: no lock is taken, nothing in the directory is created,
// changed or deleted, and they say so on stderr ("opened DIR read-only").
// LevelDB has no read-only open and is refused with the reason; `lsm` and
// `properties` need the native engine without layers. `db check` reads a
// native directory's files itself (NativeDir).
// Writing subcommands (put, delete, compact) open read-write through
// StorageBuilder, and create a missing database only when asked (--create).
//
// Failures end the command (tools/tool_util.h exit codes).
#ifndef SYNAPSED_TOOLS_DB_OPEN_H_
#define SYNAPSED_TOOLS_DB_OPEN_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "engine/db.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::tools {

struct StoreFlags {
  std::string config_file;
  std::string dir;
  std::string key_file;  // an encrypted store's key file (--key-file)
  // Stack the metrics layer even if the config has none (serve
  // --metrics-listen).
  bool metrics = false;
};

// Adds --dir and --config (mutually exclusive; one is required at run time),
// and --key-file (an encrypted store's keys; overrides the config's).
void AddStoreFlags(CLI::App* cmd, StoreFlags* flags);

struct OpenedStore {
  std::unique_ptr<Store> store;
  std::string dir;                   // the database directory
  engine::DBImpl* native = nullptr;  // the native engine, null for others
};

// Opens read-only (any backend but leveldb) and prints the notice on stderr.
OpenedStore OpenForRead(const StoreFlags& flags, std::string_view command);
// Opens read-write. `create`: make the database if the directory has none.
OpenedStore OpenForWrite(const StoreFlags& flags, std::string_view command,
                         bool create);
// The config the flags name (the file, or a native --dir), with --key-file
// applied, without opening anything.
StorageConfig StoreConfigOf(const StoreFlags& flags, std::string_view command);
// The native database directory the flags name, without opening it.
std::string NativeDir(const StoreFlags& flags, std::string_view command);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_DB_OPEN_H_
