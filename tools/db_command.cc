#include "tools/db_command.h"

#include <iostream>
#include <memory>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/builder.h"
#include "tools/db_open.h"
#include "tools/db_subcommands.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

struct KvFlags {
  StoreFlags store;
  std::string key, value;
  bool hex = false;
  bool json = false;
  bool sync = false;
  bool create = false;
};

// Arguments are text unless --hex.
std::string Arg(const KvFlags& f, const std::string& arg, std::string_view what) {
  if (!f.hex) return arg;
  std::string bytes;
  if (absl::Status s = DecodeHexArg(arg, &bytes); !s.ok()) Fail(s, what);
  return bytes;
}

// Output: C-escaped text, or hex with --hex. JSON strings must be UTF-8,
// hence the UTF-8-safe escaping there.
std::string Out(const KvFlags& f, std::string_view bytes) {
  return f.hex ? Hex(bytes) : Escape(bytes);
}
std::string JsonOut(const KvFlags& f, std::string_view bytes) {
  return f.hex ? Hex(bytes)
               : absl::Utf8SafeCHexEscape(absl::string_view(bytes.data(), bytes.size()));
}

CLI::App* AddKvCommand(CLI::App* db, const char* name, const char* help,
                       KvFlags* f) {
  CLI::App* cmd = db->add_subcommand(name, help);
  AddStoreFlags(cmd, &f->store);
  cmd->add_flag("--hex", f->hex, "keys and values on the command line and in the output are hex");
  return cmd;
}

void AddGetExists(CLI::App* db) {
  auto f = std::make_shared<KvFlags>();
  CLI::App* get = AddKvCommand(db, "get", "print the value of a key (read-only)", f.get());
  get->add_option("key", f->key, "the key")->required();
  get->add_flag("--json", f->json, "print {\"key\", \"value\"}");
  get->callback([f] {
    OpenedStore db = OpenForRead(f->store, "db get");
    const std::string key = Arg(*f, f->key, "db get: key");
    auto v = db.store->Get(key);
    if (absl::IsNotFound(v.status())) {
      FailWith(kExitError, fmt::format("db get: key \"{}\" not found", Out(*f, key)));
    }
    if (!v.ok()) Fail(v.status(), "db get");
    if (f->json) {
      std::cout << nlohmann::json({{"key", JsonOut(*f, key)}, {"value", JsonOut(*f, *v)}}).dump()
                << "\n";
    } else {
      std::cout << Out(*f, *v) << "\n";
    }
  });

  auto e = std::make_shared<KvFlags>();
  CLI::App* exists =
      AddKvCommand(db, "exists", "say whether a key exists: true or false (read-only)", e.get());
  exists->add_option("key", e->key, "the key")->required();
  exists->add_flag("--json", e->json, "print {\"key\", \"exists\"}");
  exists->callback([e] {
    OpenedStore db = OpenForRead(e->store, "db exists");
    const std::string key = Arg(*e, e->key, "db exists: key");
    auto found = db.store->Exists(key);
    if (!found.ok()) Fail(found.status(), "db exists");
    if (e->json) {
      std::cout << nlohmann::json({{"key", JsonOut(*e, key)}, {"exists", *found}}).dump() << "\n";
    } else {
      std::cout << (*found ? "true" : "false") << "\n";
    }
  });
}

void AddPutDelete(CLI::App* db) {
  auto f = std::make_shared<KvFlags>();
  CLI::App* put = AddKvCommand(db, "put", "set a key to a value", f.get());
  put->add_option("key", f->key, "the key")->required();
  put->add_option("value", f->value, "the value")->required();
  put->add_flag("--sync", f->sync, "make the write durable before returning");
  put->add_flag("--create", f->create, "create the database if --dir holds none");
  put->callback([f] {
    OpenedStore db = OpenForWrite(f->store, "db put", f->create);
    WriteOptions wo;
    wo.sync = f->sync;
    CheckOk(db.store->Put(wo, Arg(*f, f->key, "db put: key"),
                          Arg(*f, f->value, "db put: value")),
            "db put");
  });

  auto d = std::make_shared<KvFlags>();
  CLI::App* del = AddKvCommand(db, "delete", "delete a key", d.get());
  del->add_option("key", d->key, "the key")->required();
  del->add_flag("--sync", d->sync, "make the delete durable before returning");
  del->callback([d] {
    OpenedStore db = OpenForWrite(d->store, "db delete", /*create=*/false);
    WriteOptions wo;
    wo.sync = d->sync;
    CheckOk(db.store->Delete(wo, Arg(*d, d->key, "db delete: key")), "db delete");
  });
}

struct ScanFlags {
  KvFlags kv;
  std::string start, end, prefix;
  size_t limit = 0;
  bool reverse = false;
  bool keys_only = false;
};

void Scan(const ScanFlags& sf, const CLI::App& cmd) {
  const KvFlags& f = sf.kv;
  KeyRange range;
  if (cmd.count("--prefix")) range = KeyRange::Prefix(Arg(f, sf.prefix, "db scan: --prefix"));
  if (cmd.count("--start")) {
    const std::string s = Arg(f, sf.start, "db scan: --start");
    if (!range.start || s > *range.start) range.start = s;
  }
  if (cmd.count("--end")) {
    const std::string e = Arg(f, sf.end, "db scan: --end");
    if (!range.end || e < *range.end) range.end = e;
  }
  OpenedStore db = OpenForRead(f.store, "db scan");
  // Stream through an iterator: a big database never sits in memory.
  ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<Iterator> it = db.store->NewIterator(ro, range);
  if (sf.reverse) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  Progress progress("scanned");
  uint64_t n = 0;
  if (f.json) std::cout << "[";
  for (; it->Valid() && (sf.limit == 0 || n < sf.limit); ++n) {
    if (f.json) {
      nlohmann::json kv = {{"key", JsonOut(f, it->key())}};
      if (!sf.keys_only) kv["value"] = JsonOut(f, it->value());
      std::cout << (n ? ",\n " : "") << kv.dump();
    } else if (sf.keys_only) {
      std::cout << Out(f, it->key()) << "\n";
    } else {
      std::cout << Out(f, it->key()) << " => " << Out(f, it->value()) << "\n";
    }
    progress.Update(n + 1);
    if (sf.reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  if (f.json) std::cout << "]\n";
  std::cout << std::flush;
  if (!it->status().ok()) Fail(it->status(), fmt::format("db scan (after {} pairs)", n));
  if (!f.json) std::cerr << n << " pair(s)\n";
}

void AddScan(CLI::App* db) {
  auto sf = std::make_shared<ScanFlags>();
  CLI::App* scan = AddKvCommand(db, "scan", "list keys and values in a range (read-only)", &sf->kv);
  scan->add_option("--start", sf->start, "first key (inclusive)");
  scan->add_option("--end", sf->end, "end key (exclusive)");
  scan->add_option("--prefix", sf->prefix, "only keys with this prefix");
  scan->add_option("--limit", sf->limit, "at most this many pairs (0: all)");
  scan->add_flag("--reverse", sf->reverse, "descending order");
  scan->add_flag("--keys-only", sf->keys_only, "print keys without values");
  scan->add_flag("--json", sf->kv.json, "print a JSON array of {\"key\", \"value\"}");
  scan->callback([sf, scan] { Scan(*sf, *scan); });
}

}  // namespace

void AddDbCommand(CLI::App* app) {
  CLI::App* db = app->add_subcommand(
      "db", "read, write and inspect a database (reading subcommands open it read-only)");
  db->require_subcommand(1);
  AddGetExists(db);
  AddPutDelete(db);
  AddScan(db);
  AddDbInspectCommands(db);
#ifdef SYNAPSED_HAVE_SST_COMMAND
  AddDbCheckCommand(db);
#endif
}

void AddDemoCommand(CLI::App* app) {
  auto dir = std::make_shared<std::string>("synapsed-demo");
  CLI::App* demo = app->add_subcommand(
      "demo", "put, get and scan a few keys in an embedded store, saying what it does");
  demo->add_option("--dir", *dir, "the database directory")->capture_default_str();
  demo->callback([dir] {
    std::cout << "Opening the native store in " << *dir << "\n";
    auto built = StorageBuilder(StorageConfig::Native(*dir)).Build();
    CheckOk(built.status(), "opening the store");
    std::unique_ptr<Store> store = std::move(*built);
    auto before = store->Scan(KeyRange::All());
    CheckOk(before.status(), "scan");
    if (!before->empty()) {
      std::cout << "It already holds " << before->size()
                << " key(s) from an earlier run (recovered from its log)\n";
    }
    const std::pair<const char*, const char*> kvs[] = {
        {"fruit/apple", "red"}, {"fruit/banana", "yellow"},
        {"fruit/cherry", "dark red"}, {"veg/kale", "green"}};
    for (const auto& [k, v] : kvs) {
      CheckOk(store->Put(k, v), "put");
      std::cout << "put   " << k << " = " << v << "\n";
    }
    WriteOptions sync;
    sync.sync = true;
    CheckOk(store->Delete(sync, "fruit/banana"), "delete");
    std::cout << "delete fruit/banana (sync=true: durable on return)\n";
    auto v = store->Get("fruit/apple");
    CheckOk(v.status(), "get");
    std::cout << "get   fruit/apple -> " << *v << "\n";
    auto scan = store->Scan(KeyRange::Prefix("fruit/"));
    CheckOk(scan.status(), "scan");
    std::cout << "scan  prefix \"fruit/\":\n";
    for (const auto& kv : *scan) std::cout << "        " << kv.key << " = " << kv.value << "\n";
    auto rev = store->Scan(KeyRange::All(), 0, Direction::kReverse);
    CheckOk(rev.status(), "scan");
    std::cout << "scan  everything, reverse:\n";
    for (const auto& kv : *rev) std::cout << "        " << kv.key << " = " << kv.value << "\n";
    CheckOk(store->Flush(), "flush");
    std::cout << "Flushed and closed. Run it again: the data is still there.\n";
  });
}

}  // namespace synapsed::storage::tools
