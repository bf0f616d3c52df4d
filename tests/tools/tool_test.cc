// End-to-end tests of the built `synapsed` binary: `db` subcommands
// against a database built through the library (tool_test_util.h).
// tool_inspect_test.cc covers check, manifest, wal and sst.
#include <filesystem>
#include <fstream>

#include "engine/db.h"
#include "synapsed/storage/builder.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/tool_test_util.h"

namespace synapsed::storage::tools_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

json ParseJson(const RunResult& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out;
  return j;
}

TEST(ToolHelp, EverySubcommandHasHelp) {
  const std::vector<std::vector<std::string>> commands = {
      {"db"},          {"db", "get"},        {"db", "exists"},   {"db", "put"},
      {"db", "delete"}, {"db", "scan"},      {"db", "stats"},    {"db", "lsm"},
      {"db", "compact"}, {"db", "check"},    {"db", "properties"}, {"manifest", "dump"},
      {"wal", "dump"}, {"sst", "properties"}, {"sst", "dump"},   {"sst", "check"},
      {"sst", "blocks"}, {"demo"},           {"bench"}};
  for (auto args : commands) {
    const std::string name = fmt::format("{}", fmt::join(args, " "));
    args.push_back("--help");
    RunResult r = RunTool(args);
    EXPECT_EQ(r.code, 0) << name << "\n" << r.err;
    EXPECT_THAT(r.out, HasSubstr("Usage")) << name;
    const bool data = name != "db" && name != "db put" && name != "db delete" &&
                      name != "demo" && name != "bench";
    if (data) {
      EXPECT_THAT(r.out, HasSubstr("--json")) << name;
    }
  }
  RunResult none = RunTool({});
  EXPECT_NE(none.code, 0);
}

TEST(ToolDb, GetAndExists) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"db", "get", "--dir", db.dir, "key00005"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, OldValue(5) + "\n");
  EXPECT_THAT(r.err, HasSubstr("opened " + db.dir + " read-only"));
  r = RunTool({"db", "get", "--dir", db.dir, "key00150"});  // overwritten, in L0
  EXPECT_EQ(r.out, NewValue(150) + "\n");
  r = RunTool({"db", "get", "--dir", db.dir, "late07"});  // only in the log
  EXPECT_EQ(r.out, "v7\n");
  r = RunTool({"db", "get", "--dir", db.dir, "key00320"});  // deleted
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not found"));
  r = RunTool({"db", "get", "--dir", db.dir, "--hex", "6b65793030303035", "--json"});
  json j = ParseJson(r);
  EXPECT_EQ(j["key"], "6b65793030303035");
  EXPECT_EQ(j["value"], fmt::format("{:02x}", fmt::join(OldValue(5), "")));
  r = RunTool({"db", "get", "--dir", db.dir, "--hex", "zz"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not hex"));

  r = RunTool({"db", "exists", "--dir", db.dir, "key00999"});
  EXPECT_EQ(r.out, "true\n");
  r = RunTool({"db", "exists", "--dir", db.dir, "key00349", "--json"});
  EXPECT_EQ(ParseJson(r)["exists"], false);
}

TEST(ToolDb, Scan) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"db", "scan", "--dir", db.dir, "--prefix", "key001", "--limit", "3"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Lines(r.out),
            (std::vector<std::string>{"key00100 => " + NewValue(100), "key00101 => " + NewValue(101),
                                      "key00102 => " + NewValue(102)}));
  EXPECT_THAT(r.err, HasSubstr("3 pair(s)"));
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  // Deleted keys are gone; the range is [start, end).
  r = RunTool({"db", "scan", "--dir", db.dir, "--start", "key00340", "--end", "key00352",
               "--keys-only"});
  EXPECT_EQ(Lines(r.out), (std::vector<std::string>{"key00350", "key00351"}));
  r = RunTool({"db", "scan", "--dir", db.dir, "--reverse", "--limit", "2", "--keys-only"});
  EXPECT_EQ(Lines(r.out), (std::vector<std::string>{"late19", "late18"}));
  // --start and --prefix intersect.
  r = RunTool({"db", "scan", "--dir", db.dir, "--prefix", "late", "--start", "late15",
               "--keys-only"});
  EXPECT_EQ(Lines(r.out).size(), 5u);
  r = RunTool({"db", "scan", "--dir", db.dir, "--json"});
  json j = ParseJson(r);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 1000u - 50u + 20u);
  EXPECT_EQ(j[0]["key"], "key00000");
  EXPECT_EQ(j[0]["value"], OldValue(0));
}

TEST(ToolDb, StatsLsmProperties) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"db", "stats", "--dir", db.dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("last_sequence: 1270"));
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  json stats = ParseJson(RunTool({"db", "stats", "--dir", db.dir, "--json"}));
  EXPECT_EQ(stats["last_sequence"], 1270);

  r = RunTool({"db", "lsm", "--dir", db.dir, "--tables"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("key range"));
  EXPECT_THAT(r.out, HasSubstr("deletions 50"));  // the L0 table with the deletes
  json lsm = ParseJson(RunTool({"db", "lsm", "--dir", db.dir, "--json", "--tables"}));
  ASSERT_EQ(lsm["levels"].size(), 7u);
  EXPECT_GE(lsm["levels"][0]["tables"].get<int>(), 1);
  EXPECT_GE(lsm["levels"][6]["tables"].get<int>(), 2);
  EXPECT_EQ(lsm["memtable_entries"], 20);  // the late puts, from the log
  int tables = 0;
  for (const auto& l : lsm["levels"]) tables += l["tables"].get<int>();
  EXPECT_EQ(lsm["live_tables"], tables);
  int sst_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(db.dir)) {
    sst_files += e.path().extension() == ".sst";
  }
  EXPECT_EQ(tables, sst_files);

  r = RunTool({"db", "properties", "--dir", db.dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), static_cast<size_t>(tables) + 2);  // header, total
  EXPECT_THAT(r.out, HasSubstr(fmt::format("{} live table(s)", tables)));
  json props = ParseJson(RunTool({"db", "properties", "--dir", db.dir, "--json"}));
  ASSERT_EQ(props.size(), static_cast<size_t>(tables));
  uint64_t l6_entries = 0, l0_entries = 0, l0_deletions = 0;
  for (const auto& p : props) {
    if (p["level"] == 6) l6_entries += p["entries"].get<uint64_t>();
    if (p["level"] == 0) {
      l0_entries += p["entries"].get<uint64_t>();
      l0_deletions += p["deletions"].get<uint64_t>();
    }
  }
  EXPECT_EQ(l6_entries, 1000u);
  EXPECT_EQ(l0_entries, 250u);
  EXPECT_EQ(l0_deletions, 50u);
}

TEST(ToolDb, PutDeleteCompact) {
  const std::string dir = CopyDb(SharedDb().dir, "write");
  RunResult r = RunTool({"db", "put", "--dir", dir, "--sync", "fresh", "hello"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("read-only")));
  EXPECT_EQ(RunTool({"db", "get", "--dir", dir, "fresh"}).out, "hello\n");
  EXPECT_EQ(RunTool({"db", "delete", "--dir", dir, "key00005"}).code, 0);
  EXPECT_EQ(RunTool({"db", "get", "--dir", dir, "key00005"}).code, 1);

  r = RunTool({"db", "compact", "--dir", dir, "--start", "key00000", "--end", "key00400"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("compacted [key00000 .. key00400] in "));
  // No L0 table overlaps the range any more. What stays in L0 lies outside
  // it: the late puts, flushed from the log first, and "fresh" when the
  // delete's open flushed the log holding it on its own (a background
  // flush that may or may not finish before that process closes; if it
  // does not, "fresh" shares a table with the delete and goes down with it).
  json lsm = ParseJson(RunTool({"db", "lsm", "--dir", dir, "--json", "--tables"}));
  // "'late03'@1250" -> late03
  auto user_key = [](const json& bound) {
    const std::string s = bound.get<std::string>();
    return s.substr(1, s.find('\'', 1) - 1);
  };
  for (const auto& t : lsm["levels"][0]["files"]) {
    EXPECT_TRUE(user_key(t["largest"]) < "key00000" || user_key(t["smallest"]) > "key00400")
        << t;
  }
  r = RunTool({"db", "compact", "--dir", dir, "--json"});
  json c = ParseJson(r);
  EXPECT_EQ(c["tables_after"][0], 0);
  EXPECT_EQ(RunTool({"db", "get", "--dir", dir, "key00150"}).out, NewValue(150) + "\n");
  EXPECT_EQ(RunTool({"db", "get", "--dir", dir, "late03"}).out, "v3\n");
  EXPECT_EQ(RunTool({"db", "check", "--dir", dir}).code, 0);

  // A missing database is created only when asked.
  const std::string fresh = TempDir("fresh") + "/db";
  r = RunTool({"db", "put", "--dir", fresh, "k", "v"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--create"));
  EXPECT_FALSE(std::filesystem::exists(fresh));
  EXPECT_EQ(RunTool({"db", "put", "--dir", fresh, "--create", "k", "v"}).code, 0);
  // --config works for writes and (native) reads.
  const std::string config = TempDir("config") + "/c.json";
  std::ofstream(config) << json({{"type", "native"}, {"path", fresh}}).dump();
  EXPECT_EQ(RunTool({"db", "put", "--config", config, "k2", "v2"}).code, 0);
  r = RunTool({"db", "scan", "--config", config, "--keys-only"});
  EXPECT_EQ(Lines(r.out), (std::vector<std::string>{"k", "k2"}));
  // db compact goes through Store::CompactRange, so a layer stack compacts
  // too; only the bare engine has a table shape to show.
  const std::string layered = TempDir("layered") + "/c.json";
  std::ofstream(layered) << json({{"type", "native"},
                                  {"path", fresh},
                                  {"cache", {{"policy", "lru"}, {"max_entries", 100}}}})
                                .dump();
  r = RunTool({"db", "compact", "--config", layered});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("compacted [first .. last] in "));
  EXPECT_THAT(r.out, Not(HasSubstr("before")));
  EXPECT_EQ(RunTool({"db", "get", "--config", config, "k2"}).out, "v2\n");
}

TEST(ToolDb, ReadingCommandsChangeNothing) {
  const TestDb& db = SharedDb();
  const auto before = Snapshot(db.dir);
  const std::vector<std::vector<std::string>> reads = {
      {"db", "get", "--dir", db.dir, "key00001"},
      {"db", "exists", "--dir", db.dir, "key00001"},
      {"db", "scan", "--dir", db.dir},
      {"db", "stats", "--dir", db.dir},
      {"db", "lsm", "--dir", db.dir, "--tables"},
      {"db", "properties", "--dir", db.dir},
      {"db", "check", "--dir", db.dir},
      {"manifest", "dump", db.dir},
      {"wal", "dump", db.log},
      {"sst", "check", db.table}};
  for (const auto& args : reads) {
    RunResult r = RunTool(args);
    EXPECT_EQ(r.code, 0) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err;
  }
  EXPECT_EQ(Snapshot(db.dir), before) << "a reading command changed the directory";
}

TEST(ToolDb, ReadsWhileAWriterHoldsTheDatabase) {
  const std::string dir = CopyDb(SharedDb().dir, "locked");
  auto writer = engine::OpenNativeStore(engine::EngineOptions(), dir);
  ASSERT_TRUE(writer.ok()) << writer.status();
  // Reads take no lock; they see the state at their open.
  RunResult r = RunTool({"db", "get", "--dir", dir, "key00007"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, OldValue(7) + "\n");
  // A write is refused: the writer holds the lock.
  r = RunTool({"db", "put", "--dir", dir, "k", "v"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("in use"));
}

TEST(ToolDb, BadInput) {
  RunResult r = RunTool({"db", "get", "--dir", "/nonexistent/synapsed", "k"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no such directory"));
  const std::string empty = TempDir("empty");
  r = RunTool({"db", "scan", "--dir", empty});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a synapsed database"));
  r = RunTool({"db", "lsm"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("give --dir DIR or --config FILE"));
  const std::string config = TempDir("level") + "/c.json";
  std::ofstream(config) << R"({"type": "leveldb", "path": "/tmp/x"})";
  r = RunTool({"db", "get", "--config", config, "k"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(StorageBuilder::HasBackend(BackendType::kLevelDb)
                                   ? "leveldb has no read-only open"
                                   : "this build has no leveldb backend"));
  r = RunTool({"db", "get", "--dir", empty, "--config", config, "k"});  // exclusive
  EXPECT_NE(r.code, 0);
  r = RunTool({"db", "frobnicate"});
  EXPECT_NE(r.code, 0);
}

// Reading commands open any backend read-only through the builder: a
// rocksdb or sqlite store written with `db put --config` reads back without
// a byte of its files changing, and the layers of the config apply.
void ReadsThroughTheBuilder(BackendType type, const std::string& path,
                            const std::string& watched) {
  const std::string config = TempDir("any") + "/c.json";
  std::ofstream(config) << json({{"type", BackendTypeName(type)}, {"path", path}}).dump();
  RunResult r = RunTool({"db", "put", "--config", config, "--sync", "k1", "v1"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(RunTool({"db", "put", "--config", config, "k2", "v2"}).code, 0);
  const auto before = Snapshot(watched);
  r = RunTool({"db", "get", "--config", config, "k1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "v1\n");
  EXPECT_THAT(r.err, HasSubstr("read-only (" + std::string(BackendTypeName(type)) + ")"));
  r = RunTool({"db", "scan", "--config", config, "--keys-only"});
  EXPECT_EQ(Lines(r.out), (std::vector<std::string>{"k1", "k2"})) << r.err;
  EXPECT_EQ(RunTool({"db", "exists", "--config", config, "k3"}).out, "false\n");
  auto after = Snapshot(watched);
  std::erase_if(after, [&](const auto& kv) {  // a WAL-mode SQLite reader's files
    return before.count(kv.first) == 0 &&
           (kv.first.ends_with("-wal") || kv.first.ends_with("-shm"));
  });
  EXPECT_EQ(after, before) << "a reading command changed the store's files";
  // The table shape is the native engine's alone.
  r = RunTool({"db", "lsm", "--config", config});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("is not the native engine without layers"));
  // A config with a layer reads through it.
  const std::string cached = TempDir("any_cached") + "/c.json";
  std::ofstream(cached) << json({{"type", BackendTypeName(type)},
                                 {"path", path},
                                 {"cache", {{"policy", "lru"}, {"max_entries", 10}}}})
                               .dump();
  r = RunTool({"db", "get", "--config", cached, "k2"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "v2\n");
  EXPECT_THAT(r.err, HasSubstr("read-only (cache(" + std::string(BackendTypeName(type)) + "))"));
}

TEST(ToolDb, ReadOnlyRocksDbThroughTheBuilder) {
  if (!StorageBuilder::HasBackend(BackendType::kRocksDb)) {
    GTEST_SKIP() << "this build has no rocksdb backend";
  }
  const std::string dir = TempDir("rocks_ro") + "/db";
  ReadsThroughTheBuilder(BackendType::kRocksDb, dir, dir);
}

TEST(ToolDb, ReadOnlySqliteThroughTheBuilder) {
  if (!StorageBuilder::HasBackend(BackendType::kSqlite)) {
    GTEST_SKIP() << "this build has no sqlite backend";
  }
  const std::string dir = TempDir("sqlite_ro");
  ReadsThroughTheBuilder(BackendType::kSqlite, dir + "/s.db", dir);
}

// `synapsed keys`: a key file made with mode 0600, an encrypted database
// written and read with it, refused without it, rotated to a new key (then
// only the new file opens it) and re-encrypted; no key is ever printed.
TEST(ToolKeys, GenerateRotateReencrypt) {
  const std::string root = TempDir("keys");
  const std::string k1 = root + "/k1.key", k2 = root + "/k2.key", db = root + "/db";
  RunResult r = RunTool({"keys", "generate", k1, "--id", "k1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::filesystem::status(k1).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(RunTool({"keys", "generate", k1}).code, 1);  // never overwritten
  ASSERT_EQ(RunTool({"keys", "generate", k2, "--id", "k2"}).code, 0);
  ASSERT_EQ(RunTool({"db", "put", "--dir", db, "--create", "--key-file", k1, "fruit",
                     "marker-apple"})
                .code,
            0);
  EXPECT_EQ(RunTool({"db", "get", "--dir", db, "--key-file", k1, "fruit"}).out,
            "marker-apple\n");
  r = RunTool({"db", "get", "--dir", db, "fruit"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("is encrypted"));
  r = RunTool({"keys", "status", "--dir", db, "--key-file", k1});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ParseJson(r)["master_key"], "k1");
  r = RunTool({"keys", "rotate", "--dir", db, "--key-file", k1, "--new-key-file", k2});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(RunTool({"db", "get", "--dir", db, "--key-file", k2, "fruit"}).out,
            "marker-apple\n");
  r = RunTool({"db", "get", "--dir", db, "--key-file", k1, "fruit"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not among the keys given (k1)"));
  r = RunTool({"keys", "reencrypt", "--dir", db, "--key-file", k2});
  ASSERT_EQ(r.code, 0) << r.err;
  json status = ParseJson(r);
  EXPECT_EQ(status["generations"].size(), 1u) << status.dump();
  EXPECT_TRUE(status["generations"].contains("k2")) << status.dump();
  // The file-level commands read an encrypted database with its key file,
  // and say what is missing without it.
  r = RunTool({"db", "get", "--dir", db, "fruit"});
  EXPECT_EQ(r.code, 1);
  r = RunTool({"db", "check", "--dir", db, "--key-file", k2});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK"));
  r = RunTool({"manifest", "dump", db, "--key-file", k2});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(RunTool({"manifest", "dump", db}).code, 1);
  std::string table, log;
  for (const auto& [name, bytes] : Snapshot(db)) {
    if (name.ends_with(".sst")) table = db + "/" + name;
    if (name.ends_with(".log")) log = db + "/" + name;
  }
  ASSERT_FALSE(table.empty());
  r = RunTool({"sst", "dump", table, "--key-file", k2});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("marker-apple"));
  EXPECT_EQ(RunTool({"sst", "dump", table}).code, 1);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(RunTool({"wal", "dump", log, "--key-file", k2}).code, 0);
  // Nothing of the value, and no key, in any file or output.
  for (const auto& [name, bytes] : Snapshot(db)) {
    EXPECT_EQ(bytes.find("marker-apple"), std::string::npos) << name;
  }
  const std::string key_text = ReadAll(k2);
  const std::string key_hex = key_text.substr(key_text.rfind(' ') + 1, 64);
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(key_hex)));
}

// Without the key, `db check` and `sst check` verify an encrypted
// database's checksums (through each table's block map) and find a flipped
// byte, naming the file and offset; they decode nothing.
TEST(ToolKeys, ChecksumsVerifyWithoutTheKey) {
  const std::string root = TempDir("keyless");
  const std::string k = root + "/k.key", db = root + "/db";
  ASSERT_EQ(RunTool({"keys", "generate", k, "--id", "k"}).code, 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(RunTool({"db", "put", "--dir", db, "--create", "--key-file", k,
                       "key" + std::to_string(i), "marker-value"})
                  .code,
              0);
  }
  RunResult r = RunTool({"db", "compact", "--dir", db, "--key-file", k});  // a table
  ASSERT_EQ(r.code, 0) << r.err;
  r = RunTool({"db", "check", "--dir", db});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("(checksums only): OK"));
  EXPECT_THAT(r.out, Not(HasSubstr("marker-value")));
  std::string table;
  for (const auto& [name, bytes] : Snapshot(db)) {
    if (name.ends_with(".sst")) table = db + "/" + name;
  }
  ASSERT_FALSE(table.empty());
  r = RunTool({"sst", "check", table});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("checksums OK"));

  // One flipped byte in the table's first block.
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(3);
    char c = 0;
    f.get(c);
    f.seekp(3);
    f.put(static_cast<char>(c ^ 0x40));
  }
  r = RunTool({"db", "check", "--dir", db, "--json"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  json j = json::parse(r.out);
  EXPECT_TRUE(j["checksums_only"].get<bool>());
  EXPECT_GT(j["manifest"]["records"].get<int>(), 0) << j.dump();
  EXPECT_TRUE(j["manifest"]["ok"].get<bool>()) << j.dump();
  ASSERT_EQ(j["problems"].size(), 1u) << j.dump();
  EXPECT_EQ(j["problems"][0]["file"], table);
  EXPECT_EQ(j["problems"][0]["offset"], 0);
  EXPECT_THAT(j["problems"][0]["error"].get<std::string>(),
              HasSubstr("block checksum mismatch"));
  r = RunTool({"sst", "check", table});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("block checksum mismatch at offset 0"));
  // With the key, the same damage is found.
  EXPECT_EQ(RunTool({"db", "check", "--dir", db, "--key-file", k}).code, 2);
}

// `keys reseal` on a store under the integrity envelope: values written
// under k1, the key file then given a second key (now current), reseal
// rewrites them, after which a key file with k2 alone reads them.
TEST(ToolKeys, ResealSqliteUnderTheEnvelope) {
  if (!StorageBuilder::HasBackend(BackendType::kSqlite)) {
    GTEST_SKIP() << "this build has no sqlite backend";
  }
  const std::string root = TempDir("reseal");
  const std::string k1 = root + "/k1.key", k2 = root + "/k2.key", both = root + "/both.key";
  ASSERT_EQ(RunTool({"keys", "generate", k1, "--id", "k1"}).code, 0);
  ASSERT_EQ(RunTool({"keys", "generate", k2, "--id", "k2"}).code, 0);
  // A key file holding k1 then k2 (k2 current), mode 0600.
  {
    const std::string a = ReadAll(k1), b = ReadAll(k2);
    std::ofstream(both) << a << b.substr(b.find('\n') + 1);
    std::filesystem::permissions(both, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
  }
  const std::string config = root + "/c.json";
  std::ofstream(config) << json({{"type", "sqlite"}, {"path", root + "/s.db"}}).dump();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(RunTool({"db", "put", "--config", config, "--key-file", k1,
                       "k" + std::to_string(i), "v" + std::to_string(i)})
                  .code,
              0);
  }
  RunResult r = RunTool({"keys", "reseal", "--config", config, "--key-file", both});
  ASSERT_EQ(r.code, 0) << r.err;
  json stats = ParseJson(r);
  EXPECT_EQ(stats["current_key"], "k2");
  EXPECT_EQ(stats["values_resealed"], 5);
  EXPECT_EQ(stats["resealed_by_old_key"]["k1"], 5);
  r = RunTool({"db", "get", "--config", config, "--key-file", k2, "k3"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "v3\n");
  r = RunTool({"keys", "reseal", "--config", config});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no \"encryption\""));
}

TEST(ToolDb, ProgressOnlyOnATerminal) {
  const TestDb& db = SharedDb();
  RunResult tty = RunToolOnTerminal({"db", "scan", "--dir", db.dir});
  EXPECT_EQ(tty.code, 0) << tty.err;
  EXPECT_THAT(tty.err, HasSubstr("scanned: 970"));
  EXPECT_THAT(tty.err, HasSubstr("\r"));
  RunResult piped = RunTool({"db", "scan", "--dir", db.dir});
  EXPECT_THAT(piped.err, Not(HasSubstr("\r")));
  EXPECT_THAT(piped.err, Not(HasSubstr("scanned:")));
  tty = RunToolOnTerminal({"db", "check", "--dir", db.dir});
  EXPECT_THAT(tty.err, HasSubstr("checking tables: "));
  piped = RunTool({"db", "check", "--dir", db.dir});
  EXPECT_THAT(piped.err, Not(HasSubstr("checking tables")));
  const std::string dir = CopyDb(db.dir, "progress");
  tty = RunToolOnTerminal({"db", "compact", "--dir", dir});
  EXPECT_EQ(tty.code, 0);
  EXPECT_THAT(tty.err, HasSubstr("compacting: "));
}

TEST(ToolDemo, Runs) {
  const std::string dir = TempDir("demo") + "/db";
  RunResult r = RunTool({"demo", "--dir", dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("get   fruit/apple -> red"));
  r = RunTool({"demo", "--dir", dir});
  EXPECT_THAT(r.out, HasSubstr("It already holds 3 key(s)"));
}

}  // namespace
}  // namespace synapsed::storage::tools_test
