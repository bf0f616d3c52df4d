#include "tools/db_command.h"

#include <iostream>
#include <memory>

#include "absl/strings/escaping.h"
#include "env/env.h"
#include "fmt/format.h"
#include "synapsed/storage/builder.h"

namespace synapsed::storage::tools {
namespace {

// Where a command finds its store: --config FILE (JSON) or --dir DIR (the
// native backend). Exactly one is required.
struct StoreFlags {
  std::string config_file;
  std::string dir;
  bool json = false;
};

void AddStoreFlags(CLI::App* cmd, StoreFlags* flags) {
  auto* config = cmd->add_option("--config", flags->config_file,
                                 "a StorageConfig JSON file");
  auto* dir = cmd->add_option("--dir", flags->dir,
                              "a native database directory");
  config->excludes(dir);
}

// Exits with a message unless `s` is OK (CLI11's way to set the exit code).
void Check(const absl::Status& s, std::string_view what) {
  if (!s.ok()) {
    std::cerr << "synapsed: " << what << ": " << s << "\n";
    throw CLI::RuntimeError(1);
  }
}

std::unique_ptr<Store> OpenStore(const StoreFlags& flags) {
  StorageConfig config;
  if (!flags.config_file.empty()) {
    auto text = env::ReadFileToString(env::DefaultFileSystem(), flags.config_file);
    Check(text.status(), "reading config");
    auto parsed = StorageConfig::FromJson(*text);
    Check(parsed.status(), flags.config_file);
    config = *parsed;
  } else if (!flags.dir.empty()) {
    config = StorageConfig::Native(flags.dir);
  } else {
    std::cerr << "synapsed: give --dir DIR or --config FILE\n";
    throw CLI::RuntimeError(2);
  }
  auto store = StorageBuilder(config).Build();
  Check(store.status(), "opening the store");
  return std::move(*store);
}

// Printable form of arbitrary bytes.
std::string Show(std::string_view bytes) {
  return absl::CHexEscape(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace

void AddDbCommand(CLI::App* app) {
  CLI::App* db = app->add_subcommand("db", "read and write a database");
  db->require_subcommand(1);
  auto flags = std::make_shared<StoreFlags>();

  auto key = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  CLI::App* get = db->add_subcommand("get", "print the value of a key");
  AddStoreFlags(get, flags.get());
  get->add_option("key", *key, "the key")->required();
  get->callback([flags, key] {
    auto store = OpenStore(*flags);
    auto v = store->Get(*key);
    if (absl::IsNotFound(v.status())) {
      std::cerr << "synapsed: key \"" << Show(*key) << "\" not found\n";
      throw CLI::RuntimeError(1);
    }
    Check(v.status(), "get");
    std::cout << Show(*v) << "\n";
  });

  CLI::App* put = db->add_subcommand("put", "set a key to a value");
  AddStoreFlags(put, flags.get());
  put->add_option("key", *key, "the key")->required();
  put->add_option("value", *value, "the value")->required();
  auto sync = std::make_shared<bool>(false);
  put->add_flag("--sync", *sync, "make the write durable before returning");
  put->callback([flags, key, value, sync] {
    auto store = OpenStore(*flags);
    WriteOptions wo;
    wo.sync = *sync;
    Check(store->Put(wo, *key, *value), "put");
  });

  CLI::App* del = db->add_subcommand("delete", "delete a key");
  AddStoreFlags(del, flags.get());
  del->add_option("key", *key, "the key")->required();
  del->callback([flags, key] {
    auto store = OpenStore(*flags);
    Check(store->Delete(*key), "delete");
  });

  struct ScanFlags {
    std::string start, end, prefix;
    size_t limit = 0;
    bool reverse = false;
  };
  auto sf = std::make_shared<ScanFlags>();
  CLI::App* scan = db->add_subcommand("scan", "list keys and values in a range");
  AddStoreFlags(scan, flags.get());
  scan->add_option("--start", sf->start, "first key (inclusive)");
  scan->add_option("--end", sf->end, "last key (exclusive)");
  scan->add_option("--prefix", sf->prefix, "only keys with this prefix");
  scan->add_option("--limit", sf->limit, "at most this many pairs (0: all)");
  scan->add_flag("--reverse", sf->reverse, "descending order");
  scan->add_flag("--json", flags->json, "print a JSON array");
  scan->callback([flags, sf, scan] {
    auto store = OpenStore(*flags);
    KeyRange range;
    if (!sf->prefix.empty()) {
      range = KeyRange::Prefix(sf->prefix);
    }
    if (scan->count("--start")) range.start = sf->start;
    if (scan->count("--end")) range.end = sf->end;
    auto kvs = store->Scan(range, sf->limit, sf->reverse);
    Check(kvs.status(), "scan");
    if (flags->json) {
      std::cout << "[";
      for (size_t i = 0; i < kvs->size(); ++i) {
        std::cout << (i ? ",\n " : "")
                  << fmt::format("{{\"key\": \"{}\", \"value\": \"{}\"}}",
                                 absl::Utf8SafeCHexEscape((*kvs)[i].key),
                                 absl::Utf8SafeCHexEscape((*kvs)[i].value));
      }
      std::cout << "]\n";
      return;
    }
    for (const auto& kv : *kvs) {
      std::cout << Show(kv.key) << " => " << Show(kv.value) << "\n";
    }
    std::cerr << kvs->size() << " pair(s)\n";
  });
}

void AddDemoCommand(CLI::App* app) {
  auto dir = std::make_shared<std::string>("synapsed-demo");
  CLI::App* demo = app->add_subcommand(
      "demo", "put, get and scan a few keys in an embedded store, saying what it does");
  demo->add_option("--dir", *dir, "the database directory")->capture_default_str();
  demo->callback([dir] {
    std::cout << "Opening the native store in " << *dir << "\n";
    auto built = StorageBuilder(StorageConfig::Native(*dir)).Build();
    Check(built.status(), "opening the store");
    std::unique_ptr<Store> store = std::move(*built);
    auto before = store->Scan(KeyRange::All());
    Check(before.status(), "scan");
    if (!before->empty()) {
      std::cout << "It already holds " << before->size()
                << " key(s) from an earlier run (recovered from its log)\n";
    }
    const std::pair<const char*, const char*> kvs[] = {
        {"fruit/apple", "red"}, {"fruit/banana", "yellow"},
        {"fruit/cherry", "dark red"}, {"veg/kale", "green"}};
    for (const auto& [k, v] : kvs) {
      Check(store->Put(k, v), "put");
      std::cout << "put   " << k << " = " << v << "\n";
    }
    WriteOptions sync;
    sync.sync = true;
    Check(store->Delete(sync, "fruit/banana"), "delete");
    std::cout << "delete fruit/banana (sync=true: durable on return)\n";
    auto v = store->Get("fruit/apple");
    Check(v.status(), "get");
    std::cout << "get   fruit/apple -> " << *v << "\n";
    auto scan = store->Scan(KeyRange::Prefix("fruit/"));
    Check(scan.status(), "scan");
    std::cout << "scan  prefix \"fruit/\":\n";
    for (const auto& kv : *scan) std::cout << "        " << kv.key << " = " << kv.value << "\n";
    auto rev = store->Scan(KeyRange::All(), 0, /*reverse=*/true);
    Check(rev.status(), "scan");
    std::cout << "scan  everything, reverse:\n";
    for (const auto& kv : *rev) std::cout << "        " << kv.key << " = " << kv.value << "\n";
    Check(store->Flush(), "flush");
    std::cout << "Flushed and closed. Run it again: the data is still there.\n";
  });
}

}  // namespace synapsed::storage::tools
