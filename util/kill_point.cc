#include "util/kill_point.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>

namespace synapsed::storage {
namespace {

struct State {
  std::mutex mu;
  std::string armed;
  int countdown = 0;
  std::function<void(std::string_view)> handler;
};

State& GetState() {
  static State* s = new State;
  return *s;
}

// True while a point is armed; hits take the lock only then.
std::atomic<bool> g_armed{false};

// SYNAPSED_KILL_POINT=name[:nth], read at the first hit of any point.
void ArmFromEnvironmentOnce() {
  static const bool checked = [] {
    if (const char* env = std::getenv("SYNAPSED_KILL_POINT")) {
      const std::string spec = env;
      const size_t colon = spec.rfind(':');
      ArmKillPoint(spec.substr(0, colon),
                   colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1));
    }
    return true;
  }();
  (void)checked;
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
  g_armed.store(nth > 0, std::memory_order_release);
}

void DisarmKillPoints() {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  s.armed.clear();
  s.countdown = 0;
  g_armed.store(false, std::memory_order_release);
}

void SetKillPointHandler(std::function<void(std::string_view)> handler) {
  State& s = GetState();
  std::lock_guard<std::mutex> l(s.mu);
  s.handler = std::move(handler);
}

void KillPoint(std::string_view name) {
  ArmFromEnvironmentOnce();
  // Three kill points are on every write's path: unarmed, a hit is this
  // load and nothing more.
  if (!g_armed.load(std::memory_order_acquire)) return;
  State& s = GetState();
  std::function<void(std::string_view)> fire;
  {
    std::lock_guard<std::mutex> l(s.mu);
    if (s.countdown > 0 && s.armed == name && --s.countdown == 0) {
      s.armed.clear();
      g_armed.store(false, std::memory_order_release);
      fire = s.handler;
      if (!fire) {
        std::raise(SIGKILL);
      }
    }
  }
  if (fire) fire(name);
}

}  // namespace synapsed::storage
