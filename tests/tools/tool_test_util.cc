#include "tests/tools/tool_test_util.h"

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

extern char** environ;

namespace synapsed::storage::tools_test {
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(SYNAPSED_BINARY));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

std::vector<std::string>& TempDirs() {
  static auto* dirs = new std::vector<std::string>;
  static bool registered = [] {
    std::atexit([] {
      std::error_code ec;
      for (const auto& d : TempDirs()) fs::remove_all(d, ec);
    });
    return true;
  }();
  (void)registered;
  return *dirs;
}

}  // namespace

RunResult RunTool(const std::vector<std::string>& args) {
  const std::string io = TempDir("io");
  const std::string out = io + "/out", err = io + "/err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto argv = Argv(args);
  pid_t pid;
  RunResult r;
  const int rc = posix_spawn(&pid, SYNAPSED_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << SYNAPSED_BINARY << ": " << strerror(rc);
    return r;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = DecodeWaitStatus(status);
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  fs::remove_all(io);
  return r;
}

RunResult RunToolOnTerminal(const std::vector<std::string>& args) {
  RunResult r;
  auto argv = Argv(args);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) {
    ADD_FAILURE() << "forkpty: " << strerror(errno);
    return r;
  }
  if (pid == 0) {  // the child: stdout away, stderr stays on the terminal
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    setenv("SYNAPSED_PROGRESS_MS", "0", 1);
    execv(SYNAPSED_BINARY, argv.data());
    _exit(127);
  }
  char buf[4096];
  while (true) {
    const ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO once the child has exited
    r.err.append(buf, n);
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = DecodeWaitStatus(status);
  return r;
}

std::string OldValue(int i) { return fmt::format("value-{:05}-{}", i, std::string(80, 'o')); }
std::string NewValue(int i) { return fmt::format("new-{:05}-{}", i, std::string(80, 'n')); }

std::string TempDir(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / ("synapsed-tool-" + name + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << strerror(errno);
  static std::mutex mu;
  std::lock_guard<std::mutex> l(mu);
  TempDirs().push_back(tmpl);
  return tmpl;
}

std::string CopyDb(const std::string& from, const std::string& name) {
  const std::string to = TempDir(name);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  return to;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  ASSERT_TRUE(f.good()) << path << " has no byte at " << offset;
  c ^= 0x40;
  f.seekp(offset);
  f.write(&c, 1);
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::directory_iterator(dir)) {
    m[e.path().filename().string()] = ReadAll(e.path().string());
  }
  return m;
}

namespace {

TestDb BuildDb() {
  TestDb db;
  db.dir = TempDir("db");
  engine::EngineOptions o;
  o.write_buffer_size = 16 << 10;  // many flushes: several tables
  o.target_file_size = 8 << 10;  // several tables in the last level
  o.table.block_size = 1024;
  o.l0_compaction_trigger = 100;  // no automatic compaction: L0 stays
  o.l0_slowdown_trigger = 200;
  o.l0_stop_trigger = 300;
  o.use_io_uring = false;
  auto opened = engine::OpenNativeStore(o, db.dir);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return db;
  std::unique_ptr<Store> store = std::move(*opened);
  engine::DBImpl* engine = engine::AsNativeEngine(store.get());
  auto ok = [](const absl::Status& s) { EXPECT_TRUE(s.ok()) << s; };
  for (int i = 0; i < 1000; ++i) ok(store->Put(fmt::format("key{:05}", i), OldValue(i)));
  ok(store->CompactRange(std::nullopt, std::nullopt));
  for (int i = 100; i < 300; ++i) ok(store->Put(fmt::format("key{:05}", i), NewValue(i)));
  for (int i = 300; i < 350; ++i) ok(store->Delete(fmt::format("key{:05}", i)));
  ok(engine->FlushMemTables());
  // Synced, so the late records are in the log file; no Flush(), which
  // would write them to a table.
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < 20; ++i) {
    ok(store->Put(sync, fmt::format("late{:02}", i), fmt::format("v{}", i)));
  }
  store.reset();

  uint64_t biggest_log = 0, log_size = 0;
  for (const auto& e : fs::directory_iterator(db.dir)) {
    const std::string name = e.path().filename().string();
    auto p = engine::ParseFileName(name);
    if (!p) continue;
    if (p->kind == engine::FileKind::kManifest) db.manifest = e.path().string();
    if (p->kind == engine::FileKind::kLog && e.file_size() >= log_size) {
      biggest_log = p->number;
      log_size = e.file_size();
    }
  }
  db.log = engine::LogFileName(db.dir, biggest_log);
  return db;
}

}  // namespace

const TestDb& SharedDb() {
  static const TestDb* db = [] {
    auto* d = new TestDb(BuildDb());
    // A table of the last level (the compacted one): the smallest number.
    uint64_t lowest = UINT64_MAX;
    for (const auto& e : fs::directory_iterator(d->dir)) {
      auto p = engine::ParseFileName(e.path().filename().string());
      if (p && p->kind == engine::FileKind::kTable) lowest = std::min(lowest, p->number);
    }
    d->table = engine::TableFileName(d->dir, lowest);
    return d;
  }();
  return *db;
}

}  // namespace synapsed::storage::tools_test
