#include "util/kill_point.h"

#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>

namespace synapsed::storage {
namespace {

struct State {
  std::mutex mu;
  std::string armed;
  int countdown = 0;
  std::map<std::string, int, std::less<>> hits;
  std::function<void(std::string_view)> handler;
  bool env_checked = false;
};

State& GetState() {
  static State* s = new State;
  return *s;
}

}  // namespace

const std::vector<std::string>& KillPointNames() {
  static const std::vector<std::string> names = {
      "write.before_log",          // a commit group, before its log record
      "write.after_log",           // logged, not yet in the memtable
      "write.after_memtable",      // applied, not yet acknowledged
      "switch.after_new_log",      // a new log created, memtable switched
      "flush.after_table",         // L0 table written and synced
      "flush.before_manifest",     // directory synced, edit not written
      "flush.after_manifest",      // edit durable, old logs not deleted
      "compaction.after_outputs",  // outputs synced, edit not written
      "compaction.after_manifest", // edit durable, inputs not deleted
      "manifest.after_create",     // new manifest synced, CURRENT old
      "manifest.after_current_tmp",// CURRENT.tmp synced, not renamed
      "manifest.after_rename",     // CURRENT renamed, directory not synced
      "obsolete.after_delete",     // one obsolete file deleted
      "keys.after_temp",           // encrypted: KEYS.tmp synced, not renamed
      "keys.after_rename",         // encrypted: KEYS renamed, directory not synced
  };
  return names;
}

void ArmKillPoint(std::string_view name, int nth) {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  s.armed = std::string(name);
  s.countdown = nth;
}

void DisarmKillPoints() {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  s.armed.clear();
  s.countdown = 0;
  s.hits.clear();
}

void SetKillPointHandler(std::function<void(std::string_view)> handler) {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  s.handler = std::move(handler);
}

int KillPointHits(std::string_view name) {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  auto it = s.hits.find(name);
  return it == s.hits.end() ? 0 : it->second;
}

void KillPoint(std::string_view name) {
  State& s = GetState();
  std::function<void(std::string_view)> fire;
  {
    std::lock_guard<std::mutex> l(s.mu);
    if (!s.env_checked) {
      s.env_checked = true;
      if (const char* env = std::getenv("SYNAPSED_KILL_POINT")) {
        std::string spec = env;
        size_t colon = spec.rfind(':');
        s.armed = spec.substr(0, colon);
        s.countdown = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
      }
    }
    // Found by view: a kill point on the write path is reached three times
    // per write, and a key built for every hit would allocate each time.
    auto it = s.hits.find(name);
    if (it == s.hits.end()) it = s.hits.emplace(std::string(name), 0).first;
    ++it->second;
    if (s.countdown > 0 && s.armed == name && --s.countdown == 0) {
      s.armed.clear();
      fire = s.handler;
      if (!fire) {
        std::raise(SIGKILL);
      }
    }
  }
  if (fire) fire(name);
}

}  // namespace synapsed::storage
