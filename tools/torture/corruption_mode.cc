// Corruption mode: a database is built and closed cleanly; each trial copies
// it, flips one random bit of one log, table or manifest, and then
//   - opens the copy read-only and reads every key (Get) and a full scan:
//     each read must return the right value or an error that names the
//     damaged file; a wrong value, a resurrected or vanished key is a
//     mismatch (except keys of a damaged log's tail, which recovery may
//     drop as torn: counted apart, and what is left must be the state after
//     a prefix of the writes that keeps everything flushed to tables);
//   - runs `synapsed db check --dir` on it (`--key-file` with a file of the
//     test key when encrypted; or, without the binary, the
//     read-only open and full read): every flip in a table or the manifest
//     must be reported — exit status 2 and the damaged file named — and
//     any other failure of the checker is a problem, never a catch.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "tools/torture/torture.h"
#include "tools/torture/value_codec.h"
#include "util/random.h"

namespace synapsed::storage::torture {
namespace {

namespace fs = std::filesystem;

absl::Status FlipBitInFile(const std::string& path, uint64_t offset, int bit) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("open " + path);
  unsigned char c = 0;
  bool ok = pread(fd, &c, 1, static_cast<off_t>(offset)) == 1;
  c ^= static_cast<unsigned char>(1u << bit);
  ok = ok && pwrite(fd, &c, 1, static_cast<off_t>(offset)) == 1;
  close(fd);
  return ok ? absl::OkStatus() : absl::InternalError("flip " + path);
}

absl::Status WriteOwnerOnlyFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::InternalError("create " + path);
  const bool ok = fchmod(fd, 0600) == 0 &&
                  write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? absl::OkStatus() : absl::InternalError("write " + path);
}

// What `binary db check --dir dir` said. Only exit status 2 (kExitCorrupt)
// with the damaged file named is a finding: any other failure (a usage
// error, an exec failure, a crash signal) is the checker failing, and must
// never pass for a caught flip.
struct CheckOutcome {
  bool exited = false;  // false: killed by a signal (or never waited for)
  int code = -1;        // exit status, or the signal
  std::string output;   // stdout and stderr, the first 64 KiB
  bool Clean() const { return exited && code == 0; }
  bool Flags(const std::string& file) const {
    return exited && code == 2 && output.find(file) != std::string::npos;
  }
  std::string Describe() const {
    return fmt::format("{} {}{}", exited ? "exit status" : "signal", code,
                       output.empty() ? "" : ": " + output.substr(0, 300));
  }
};

// `key_file`: the master key of an encrypted database ("" for a plain one).
CheckOutcome RunDbCheck(const std::string& binary, const std::string& dir,
                        const std::string& key_file) {
  CheckOutcome c;
  const std::string out_path = dir + ".check.txt";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (key_file.empty()) {
      execl(binary.c_str(), binary.c_str(), "db", "check", "--dir", dir.c_str(),
            static_cast<char*>(nullptr));
    } else {
      execl(binary.c_str(), binary.c_str(), "db", "check", "--dir", dir.c_str(), "--key-file",
            key_file.c_str(), static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return c;
  c.exited = WIFEXITED(status);
  c.code = c.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  std::error_code ec;
  if (auto size = fs::file_size(out_path, ec); !ec) {
    std::string s(std::min<uintmax_t>(size, 64 << 10), '\0');
    int fd = open(out_path.c_str(), O_RDONLY);
    if (fd >= 0) {
      s.resize(std::max<ssize_t>(0, read(fd, s.data(), s.size())));
      close(fd);
    }
    c.output = std::move(s);
  }
  return c;
}

struct ReadOutcome {
  uint64_t errors = 0;          // reads that failed
  uint64_t unnamed_errors = 0;  // ... without naming the damaged file
  uint64_t wrong = 0;           // wrong value, or present/absent wrongly
  uint64_t vanished = 0;        // present keys reading NotFound
  uint64_t matched = 0;         // Gets that returned the expected value
  std::vector<std::string> notes;
  std::map<uint32_t, std::string> recovered;  // what the Gets returned
};

// Is `got` the state after some prefix of `ops` at least `min_len` long (a
// log tail dropped as torn, no hole, and nothing lost that was already in
// tables: the first `min_len` ops were flushed before the damage)?
bool IsPrefixState(const std::vector<std::pair<uint32_t, std::optional<std::string>>>& ops,
                   const std::map<uint32_t, std::string>& got, size_t min_len) {
  std::map<uint32_t, std::string> state;
  auto same = [&](uint32_t k) {
    auto a = state.find(k);
    auto b = got.find(k);
    return (a == state.end()) == (b == got.end()) && (a == state.end() || a->second == b->second);
  };
  // Keys where `state` and `got` differ.
  int64_t diff = static_cast<int64_t>(got.size());
  for (size_t i = 0; i <= ops.size(); ++i) {
    if (i >= min_len && diff == 0) return true;
    if (i == ops.size()) break;
    const auto& [k, v] = ops[i];
    const bool before = same(k);
    if (v) state[k] = *v; else state.erase(k);
    diff += (same(k) ? 0 : 1) - (before ? 0 : 1);
  }
  return false;
}

// A damaged manifest can make the engine name a table instead: recovery
// takes a damaged last edit for a torn one and goes back to the version
// before it, whose tables that edit had let go. Such an error is accepted
// only if it says a listed table is missing and that table really is not
// in `dir` (so the manifest's damage is the only explanation).
bool NamesTableTheManifestLost(const std::string& msg, const std::string& dir) {
  const std::string prefix = dir + "/";
  if (msg.rfind(prefix, 0) != 0 ||
      msg.find("table listed by the manifest is missing") == std::string::npos) {
    return false;
  }
  auto parsed = engine::ParseFileName(msg.substr(prefix.size(), msg.find(':') - prefix.size()));
  std::error_code ec;
  return parsed && parsed->kind == engine::FileKind::kTable &&
         !fs::exists(msg.substr(0, msg.find(':')), ec);
}

ReadOutcome ReadEverything(const std::string& dir, const std::string& file,
                           bool is_manifest,
                           const std::map<uint32_t, std::string>& expect, uint32_t keys,
                           std::shared_ptr<crypto::Keyring> keyring) {
  ReadOutcome r;
  auto note = [&r](std::string s) {
    if (r.notes.size() < 4) r.notes.push_back(std::move(s));
  };
  auto error = [&](const absl::Status& s, const std::string& what) {
    ++r.errors;
    // Only the damaged file: an error naming another one sends whoever
    // reads it to the wrong file.
    const std::string msg(s.message());
    if (msg.find(file) == std::string::npos &&
        !(is_manifest && NamesTableTheManifestLost(msg, dir))) {
      ++r.unnamed_errors;
      note(fmt::format("{} failed without naming {}: {}", what, file, std::string(s.message())));
    }
  };
  engine::EngineOptions eo;
  eo.read_only = true;
  eo.keyring = std::move(keyring);
  auto db = engine::OpenNativeStore(eo, dir);
  if (!db.ok()) {
    error(db.status(), "read-only open");
    return r;
  }
  for (uint32_t k = 0; k < keys; ++k) {
    auto v = (*db)->Get(KeyName(k));
    auto it = expect.find(k);
    if (v.ok()) r.recovered[k] = *v;
    if (v.ok() && it != expect.end() && *v == it->second) ++r.matched;
    if (!v.ok() && !absl::IsNotFound(v.status())) {
      error(v.status(), "Get " + KeyName(k));
    } else if (v.ok() && (it == expect.end() || *v != it->second)) {
      ++r.wrong;
      note(fmt::format("Get {} returned a wrong value ({} bytes)", KeyName(k), v->size()));
    } else if (!v.ok() && it != expect.end()) {
      ++r.vanished;
      note(fmt::format("Get {}: NotFound, but the key holds a value", KeyName(k)));
    }
  }
  auto kvs = (*db)->Scan(KeyRange::All());
  if (!kvs.ok()) {
    error(kvs.status(), "full scan");
  } else {
    auto it = expect.begin();
    for (const auto& kv : *kvs) {
      auto k = ParseKeyName(kv.key);
      while (it != expect.end() && k && it->first < *k) {
        ++r.vanished;
        ++it;
      }
      if (!k || it == expect.end() || it->first != *k || it->second != kv.value) {
        ++r.wrong;
        note(fmt::format("scan yields a wrong pair at '{}'", kv.key));
        continue;
      }
      ++it;
    }
    r.vanished += static_cast<uint64_t>(std::distance(it, expect.end()));
  }
  return r;
}

}  // namespace

TortureReport RunCorruption(const TortureOptions& o) {
  TortureReport rep;
  rep.mode = "corruption";
  rep.seed = o.seed;
  std::string work = o.dir;
  if (work.empty()) {
    char tmpl[] = "/tmp/synapsed-torture-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d == nullptr) {
      rep.error = "cannot create a work directory";
      return rep;
    }
    work = d;
  }
  std::error_code ec;
  fs::create_directories(work, ec);
  const std::string clean = work + "/clean";
  const std::string trial = work + "/trial";
  fs::remove_all(clean, ec);
  // `db check` of an encrypted database reads its master key from a file
  // (owner-only, as key files must be), kept outside the copied directory.
  std::string key_file;
  if (o.encryption) {
    key_file = work + "/torture.key";
    if (absl::Status s = WriteOwnerOnlyFile(key_file, TortureKeyFileText(o.seed)); !s.ok()) {
      rep.error = std::string(s.message());
      return rep;
    }
  }
  Random rnd(Mix64(o.seed ^ 0xc0));
  const uint32_t keys = std::min<uint32_t>(o.keys, 5000);
  // Build: tables on several levels (and a manifest with many edits), then
  // writes left only in the log.
  std::map<uint32_t, std::string> expect;
  std::vector<std::pair<uint32_t, std::optional<std::string>>> ops;
  size_t in_tables = 0;  // ops[0, in_tables) were flushed: no log flip may lose them
  {
    engine::EngineOptions eo;
    eo.write_buffer_size = o.write_buffer_size;
    eo.target_file_size = o.target_file_size;
    eo.base_level_bytes = o.base_level_bytes;
    eo.l0_compaction_trigger = static_cast<int>(o.l0_trigger);
    eo.table.block_size = 512;
    if (o.encryption) eo.keyring = TortureKeyring(o.seed);
    auto db = engine::OpenNativeStore(eo, clean);
    if (!db.ok()) {
      rep.error = "build: " + std::string(db.status().message());
      return rep;
    }
    uint64_t id = 1;
    for (int round = 0; round < 4; ++round) {
      for (uint64_t i = 0; i < std::max<uint64_t>(o.ops_per_cycle / 4, 200); ++i, ++id) {
        uint32_t k = static_cast<uint32_t>(rnd.Uniform(keys));
        absl::Status s;
        if (rnd.OneIn(6)) {
          s = (*db)->Delete(KeyName(k));
          expect.erase(k);
          ops.emplace_back(k, std::nullopt);
        } else {
          s = (*db)->Put(KeyName(k), EncodeValue(k, id));
          expect[k] = EncodeValue(k, id);
          ops.emplace_back(k, EncodeValue(k, id));
        }
        if (!s.ok()) {
          rep.error = "build: " + std::string(s.message());
          return rep;
        }
      }
      if (round < 3) {
        absl::Status s = engine::AsNativeEngine(db->get())->FlushMemTables();
        if (s.ok() && round == 1) {
          s = (*db)->CompactRange(std::nullopt, std::nullopt);
        }
        if (!s.ok()) {
          rep.error = "build: " + std::string(s.message());
          return rep;
        }
        in_tables = ops.size();
      }
    }
  }
  std::vector<std::pair<std::string, engine::FileKind>> files;
  for (const auto& e : fs::directory_iterator(clean, ec)) {
    auto parsed = engine::ParseFileName(e.path().filename().string());
    if (!parsed || e.file_size(ec) == 0) continue;
    if (parsed->kind == engine::FileKind::kLog || parsed->kind == engine::FileKind::kTable ||
        parsed->kind == engine::FileKind::kManifest) {
      files.emplace_back(e.path().filename().string(), parsed->kind);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    rep.error = "build left no files";
    return rep;
  }
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t cycle = 0;; ++cycle) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if ((o.cycles == 0 && o.duration_seconds <= 0) ? cycle >= 1
        : (o.cycles != 0 && cycle >= o.cycles) ||
              (o.duration_seconds > 0 && elapsed >= o.duration_seconds)) {
      break;
    }
    // Pick the kind first, so the few logs and the one manifest get flips too.
    const int kind = static_cast<int>(rnd.Uniform(3));
    std::vector<size_t> of_kind;
    for (size_t i = 0; i < files.size(); ++i) {
      if (static_cast<int>(files[i].second) == kind) of_kind.push_back(i);
    }
    if (of_kind.empty()) of_kind.push_back(rnd.Uniform(files.size()));
    const auto& [name, fkind] = files[of_kind[rnd.Uniform(of_kind.size())]];
    fs::remove_all(trial, ec);
    fs::copy(clean, trial, fs::copy_options::recursive, ec);
    if (ec) {
      rep.error = "copy: " + ec.message();
      break;
    }
    const std::string path = trial + "/" + name;
    const uint64_t size = fs::file_size(path, ec);
    const uint64_t offset = rnd.Uniform(size);
    const int bit = static_cast<int>(rnd.Uniform(8));
    if (absl::Status s = FlipBitInFile(path, offset, bit); !s.ok()) {
      rep.error = std::string(s.message());
      break;
    }
    ++rep.corruptions_injected;
    rep.cycles = cycle + 1;
    const std::string where = fmt::format("seed {} cycle {}: bit {} of byte {} of {} ({} bytes)",
                                          o.seed, cycle, bit, offset, name, size);
    ReadOutcome r =
        ReadEverything(trial, name, fkind == engine::FileKind::kManifest, expect, keys,
                       o.encryption ? TortureKeyring(o.seed) : nullptr);
    rep.reads_checked += keys + 1;
    rep.writes_acknowledged += expect.size();  // the live values this trial must keep
    CheckOutcome check;
    const bool use_check = !o.check_binary.empty();
    if (use_check) check = RunDbCheck(o.check_binary, trial, key_file);
    const bool check_flags = !use_check ? r.errors > 0 : check.Flags(name);
    const bool is_log = fkind == engine::FileKind::kLog;
    if (r.errors > 0 || check_flags) ++rep.corruptions_detected;
    if (r.errors == 0 && r.wrong == 0 && r.vanished == 0) ++rep.corruptions_read_unnoticed;
    bool bad = false;
    if ((!is_log && r.wrong > 0) || r.unnamed_errors > 0 || (!is_log && r.vanished > 0)) {
      rep.mismatches += (is_log ? 0 : r.wrong + r.vanished) + r.unnamed_errors;
      bad = true;
    }
    if (use_check && !check_flags && !check.Clean()) {
      bad = true;
      r.notes.push_back(fmt::format("db check failed without flagging {} ({})", name,
                                    check.Describe()));
    }
    if (!is_log && !check_flags) {
      ++rep.corruptions_check_missed;
      bad = true;
      r.notes.push_back(fmt::format("db check did not flag {}{}", name,
                                    !use_check ? "" : " (" + check.Describe() + ")"));
    }
    if (is_log && (r.vanished > 0 || r.wrong > 0)) {
      // Recovery cannot tell a damaged last record from a torn one; what
      // it keeps must still be a prefix of the writes, and the flushed
      // rounds are in tables, out of the damaged log's reach.
      // (A dropped last delete brings the older value back: still a prefix.)
      if (IsPrefixState(ops, r.recovered, in_tables)) {
        ++rep.log_tails_dropped;
      } else {
        r.notes.push_back(fmt::format(
            "{} keys lost and {} wrong: not the state after any prefix of the writes "
            "that keeps the {} flushed to tables",
            r.vanished, r.wrong, in_tables));
        bad = true;
        ++rep.holes;
      }
    }
    if (!bad) {
      rep.writes_survived += r.matched;
      rep.values_matched += r.matched;
    }
    if (bad) {
      rep.problems.push_back(where);
      for (auto& n : r.notes) rep.problems.push_back("  " + n);
      rep.reproduction = fmt::format(
          "synapsed torture --mode=corruption --seed={} --cycles={} --ops-per-cycle={} "
          "--keys={} --dir={}{} (the damaged copy is left in {}/trial)",
          o.seed, cycle + 1, o.ops_per_cycle, o.keys, work,
          o.encryption ? " --encryption" : "", work);
      return rep;  // the damaged copy stays for inspection
    }
  }
  if (rep.ok() && o.dir.empty()) fs::remove_all(work, ec);
  return rep;
}

}  // namespace synapsed::storage::torture
