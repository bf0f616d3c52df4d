// End-to-end tests of `synapsed db check`, `manifest dump`, `wal dump` and
// `sst ...` against the shared database and damaged copies of it.
#include <filesystem>
#include <fstream>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/tool_test_util.h"

namespace synapsed::storage::tools_test {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using json = nlohmann::json;
namespace fs = std::filesystem;

json ParseJson(const RunResult& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out << "\n" << r.err;
  return j;
}

std::string Base(const std::string& path) { return fs::path(path).filename().string(); }

// A copy of the shared database with one byte of `file` (a path inside it)
// flipped at `offset`.
std::string DamagedCopy(const std::string& file, uint64_t offset, const std::string& name) {
  const std::string dir = CopyDb(SharedDb().dir, name);
  FlipByte(dir + "/" + Base(file), offset);
  return dir;
}

TEST(ToolCheck, CleanDatabase) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"db", "check", "--dir", db.dir});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(": OK"));
  EXPECT_THAT(r.out, HasSubstr("ok    " + db.manifest));
  EXPECT_THAT(r.out, HasSubstr("ok    " + db.table + " L6"));
  // The log's header and the sync mark of the first synced put besides the
  // 20 puts (docs/format/wal.md, "Headers and sync marks").
  EXPECT_THAT(r.out, HasSubstr("ok    " + db.log + " (22 record(s), 20 op(s))"));
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  json j = ParseJson(RunTool({"db", "check", "--dir", db.dir, "--json"}));
  EXPECT_EQ(j["ok"], true);
  EXPECT_TRUE(j["problems"].empty());
  EXPECT_GE(j["tables"].size(), 3u);
  uint64_t entries = 0;
  for (const auto& t : j["tables"]) entries += t["entries"].get<uint64_t>();
  EXPECT_EQ(entries, 1250u);
}

TEST(ToolCheck, DamagedTable) {
  const TestDb& db = SharedDb();
  const std::string dir = DamagedCopy(db.table, 100, "bad-table");
  const auto before = Snapshot(dir);
  RunResult r = RunTool({"db", "check", "--dir", dir});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  const std::string table = dir + "/" + Base(db.table);
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + table));
  EXPECT_THAT(r.out, MatchesRegex(fmt::format("(.|\n)*PROBLEM {}: .* at offset [0-9]+\n(.|\n)*",
                                              table)));
  EXPECT_THAT(r.out, HasSubstr("1 problem(s)"));
  json j = ParseJson(RunTool({"db", "check", "--dir", dir, "--json"}));
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["file"], table);
  EXPECT_LE(j["problems"][0]["offset"].get<uint64_t>(), 100u);  // the block holding it
  // The same damage through `sst check`, and reads of it fail cleanly.
  r = RunTool({"sst", "check", table});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("offset"));
  r = RunTool({"db", "scan", "--dir", dir});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(Base(db.table)));
  EXPECT_EQ(Snapshot(dir), before);
}

TEST(ToolCheck, DamagedLog) {
  const TestDb& db = SharedDb();
  const std::string dir = DamagedCopy(db.log, 20, "bad-log");
  const auto before = Snapshot(dir);
  RunResult r = RunTool({"db", "check", "--dir", dir});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  const std::string log = dir + "/" + Base(db.log);
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + log));
  EXPECT_THAT(r.out, HasSubstr("PROBLEM " + log + ": WAL corruption at offset 0"));
  // The engine's read-only open fails at the same place: said once.
  EXPECT_THAT(r.out, Not(HasSubstr("open fails too")));
  json j = ParseJson(RunTool({"db", "check", "--dir", dir, "--json"}));
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["file"], log);
  EXPECT_EQ(j["problems"][0]["offset"], 0);
  // Opening for a read reports the same place.
  r = RunTool({"db", "get", "--dir", dir, "late01"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr(log));
  EXPECT_EQ(Snapshot(dir), before);
}

TEST(ToolCheck, DamagedManifest) {
  const TestDb& db = SharedDb();
  const std::string dir = DamagedCopy(db.manifest, 10, "bad-manifest");
  const auto before = Snapshot(dir);
  RunResult r = RunTool({"db", "check", "--dir", dir});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  const std::string manifest = dir + "/" + Base(db.manifest);
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + manifest));
  EXPECT_THAT(r.out, HasSubstr("PROBLEM " + manifest + ": WAL corruption at offset 0"));
  json j = ParseJson(RunTool({"db", "check", "--dir", dir, "--json"}));
  EXPECT_EQ(j["problems"][0]["file"], manifest);
  EXPECT_EQ(Snapshot(dir), before);
}

TEST(ToolCheck, MissingTable) {
  const TestDb& db = SharedDb();
  const std::string dir = CopyDb(db.dir, "missing-table");
  const std::string table = dir + "/" + Base(db.table);
  fs::remove(table);
  RunResult r = RunTool({"db", "check", "--dir", dir, "--json"});
  EXPECT_EQ(r.code, 2);
  json j = ParseJson(r);
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["file"], table);
  EXPECT_THAT(j["problems"][0]["error"].get<std::string>(),
              HasSubstr("listed in L6 by the manifest but cannot be read"));
}

TEST(ToolCheck, NotADatabase) {
  RunResult r = RunTool({"db", "check", "--dir", "/nonexistent/synapsed"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no such directory"));
  r = RunTool({"db", "check", "--dir", TempDir("empty-check")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a synapsed database"));
}

TEST(ToolManifest, Dump) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"manifest", "dump", db.dir});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("record 0 at offset 0 (snapshot):\n  format_version: 1\n"));
  EXPECT_THAT(r.out, HasSubstr("  add: L6 #"));
  EXPECT_THAT(r.out, HasSubstr("  delete: L0 #"));
  EXPECT_THAT(r.out, HasSubstr("last sequence 1250"));  // the late puts are not flushed
  EXPECT_THAT(r.out, HasSubstr("\nL6: "));
  EXPECT_EQ(RunTool({"manifest", "dump", db.manifest}).out, r.out);

  json j = ParseJson(RunTool({"manifest", "dump", db.manifest, "--json"}));
  EXPECT_EQ(j["ok"], true);
  ASSERT_GE(j["records"].size(), 3u);
  uint64_t prev = 0;
  for (size_t i = 1; i < j["records"].size(); ++i) {
    EXPECT_GT(j["records"][i]["offset"].get<uint64_t>(), prev);
    prev = j["records"][i]["offset"].get<uint64_t>();
  }
  // The final state is the engine's: same tables per level as `db lsm`.
  json lsm = ParseJson(RunTool({"db", "lsm", "--dir", db.dir, "--json", "--tables"}));
  for (int level = 0; level < 7; ++level) {
    std::vector<uint64_t> a, b;
    for (const auto& t : j["state"]["levels"][level]["tables"]) a.push_back(t["number"]);
    if (lsm["levels"][level].contains("files")) {
      for (const auto& t : lsm["levels"][level]["files"]) b.push_back(t["number"]);
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b) << "L" << level;
  }
}

TEST(ToolManifest, Corruption) {
  const TestDb& db = SharedDb();
  const std::string dir = DamagedCopy(db.manifest, 10, "bad-manifest-dump");
  const std::string manifest = dir + "/" + Base(db.manifest);
  RunResult r = RunTool({"manifest", "dump", dir});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("corruption: " + manifest + ": WAL corruption at offset 0"));
  json j = ParseJson(RunTool({"manifest", "dump", manifest, "--json"}));
  EXPECT_EQ(j["ok"], false);
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("offset 0"));

  // A file that is not a manifest, by name or by content.
  r = RunTool({"manifest", "dump", db.log});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not named MANIFEST-NNNNNN"));
  const std::string fake = TempDir("fake-manifest") + "/MANIFEST-000001";
  std::ofstream(fake) << "this is not a manifest, just text\n";
  r = RunTool({"manifest", "dump", fake});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no intact record"));
  r = RunTool({"manifest", "dump", "/nonexistent/MANIFEST-000001"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no such file"));
}

TEST(ToolWal, Dump) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"wal", "dump", db.log, "--values"});
  EXPECT_EQ(r.code, 0) << r.err;
  // The header (the older logs end at 1250), the first synced put's sync
  // mark, then the puts.
  EXPECT_THAT(r.out, HasSubstr("offset 0 sequence 1250 count 0 (header)\n"));
  EXPECT_THAT(r.out, HasSubstr("sequence 1250 count 0 (sync mark)\n"));
  EXPECT_THAT(r.out, HasSubstr("sequence 1251 count 1\n    1251 put late00 = v0\n"));
  EXPECT_THAT(r.out, HasSubstr("sequence 1270 count 1\n    1270 put late19 = v19\n"));
  EXPECT_THAT(r.out, HasSubstr("22 record(s), 20 op(s)\n"));

  json j = ParseJson(RunTool({"wal", "dump", db.log, "--json"}));
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["records"].size(), 22u);
  EXPECT_EQ(j["record_count"], 22);
  EXPECT_EQ(j["records"][0]["kind"], "header");
  EXPECT_EQ(j["records"][0]["offset"], 0);
  EXPECT_EQ(j["records"][1]["kind"], "sync mark");
  for (int i = 0; i < 20; ++i) {
    const json& rec = j["records"][i + 2];
    EXPECT_EQ(rec["kind"], "batch");
    EXPECT_EQ(rec["sequence"], 1251 + i);
    EXPECT_EQ(rec["count"], 1);
    EXPECT_EQ(rec["ops"][0]["key"], fmt::format("late{:02}", i));
    EXPECT_EQ(rec["ops"][0]["op"], "put");
    EXPECT_FALSE(rec["ops"][0].contains("value"));
    if (i > 0) {
      EXPECT_GT(rec["offset"], j["records"][i + 1]["offset"]);
    }
  }
}

TEST(ToolWal, Corruption) {
  const TestDb& db = SharedDb();
  const std::string dir = DamagedCopy(db.log, 20, "bad-wal");
  const std::string log = dir + "/" + Base(db.log);
  RunResult r = RunTool({"wal", "dump", log});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("corruption: " + log + ": WAL corruption at offset 0"));
  json j = ParseJson(RunTool({"wal", "dump", log, "--json"}));
  EXPECT_EQ(j["ok"], false);
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("offset 0"));

  // The last record damaged: a torn tail for the newest log (exit 0, said),
  // corruption with --strict.
  const std::string torn = CopyDb(db.dir, "torn-wal") + "/" + Base(db.log);
  FlipByte(torn, fs::file_size(torn) - 2);
  r = RunTool({"wal", "dump", torn});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("21 record(s), 19 op(s); torn tail of"));
  r = RunTool({"wal", "dump", torn, "--strict"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("offset"));

  // Not a log.
  const std::string fake = TempDir("fake-wal") + "/000007.log";
  std::ofstream(fake) << std::string(100, 'x');
  r = RunTool({"wal", "dump", fake});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no intact record of log 7"));
  r = RunTool({"wal", "dump", db.manifest});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--log-number"));
  r = RunTool({"wal", "dump", "/nonexistent/000001.log"});
  EXPECT_EQ(r.code, 1);
}

TEST(ToolSst, Subcommands) {
  const TestDb& db = SharedDb();
  RunResult r = RunTool({"sst", "properties", db.table});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("file.size: "));
  json p = ParseJson(RunTool({"sst", "properties", db.table, "--json"}));
  EXPECT_GT(p["entries"].get<uint64_t>(), 0u);
  r = RunTool({"sst", "dump", db.table, "--limit", "2"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("'key00000' @ 1 : value => '" + OldValue(0) + "'\n"));
  json d = ParseJson(RunTool({"sst", "dump", db.table, "--json", "--limit", "3"}));
  EXPECT_EQ(d.size(), 3u);
  r = RunTool({"sst", "check", db.table});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr(": OK ("));
  json b = ParseJson(RunTool({"sst", "blocks", db.table, "--json"}));
  EXPECT_EQ(b["data_blocks"].size(), p["data_blocks"].get<size_t>());

  r = RunTool({"sst", "properties", db.manifest});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("not an sstable"));
  r = RunTool({"sst", "check", "/nonexistent.sst"});
  EXPECT_EQ(r.code, 1);
}

}  // namespace
}  // namespace synapsed::storage::tools_test
