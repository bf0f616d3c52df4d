// ServerState: what every loop thread of one server shares — the store, the
// durability mode, the clients (for CLIENT LIST and the limits), the WATCH
// registry, SCAN's cursor table and the counters INFO reports.
//
// Thread-safe: the store is (storage.h); the rest is atomics or guarded by
// its own mutex. Created before the loops start and destroyed after they end.
#ifndef SYNAPSED_SERVER_SERVER_STATE_H_
#define SYNAPSED_SERVER_SERVER_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "util/mutex.h"
#include "server/key_locks.h"
#include "server/scan_cursor_table.h"
#include "server/watch_registry.h"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::server {

class CommandRouter;

// When a write is durable relative to its acknowledgement (INFO persistence).
enum class SyncMode {
  kAlways,    // acknowledged after it is synced (WriteOptions::sync)
  kEverySec,  // synced by a timer at most a second after it is acknowledged
  kNever,     // the OS writes it back when it likes
};
std::string_view SyncModeName(SyncMode mode);

// One connection as CLIENT LIST shows it. Owned by its connection; the
// registry holds a pointer while the connection lives.
struct ClientInfo {
  uint64_t id = 0;
  std::string addr, laddr;  // "ip:port"
  int64_t created_ms = 0;   // wall clock
  std::atomic<int64_t> last_ms{0};
  std::atomic<int> protocol{2};
  std::atomic<bool> in_multi{false};
  mutable Mutex mu;
  std::string name ABSL_GUARDED_BY(mu);
  std::string last_command ABSL_GUARDED_BY(mu);
};

class ClientRegistry {
 public:
  // Assigns the id and registers; false (nothing registered) when `max`
  // clients are already connected.
  bool Add(ClientInfo* c, size_t max);
  void Remove(const ClientInfo* c);
  size_t size() const;
  // One line per client, in Redis's CLIENT LIST format.
  std::string List() const;

 private:
  std::atomic<uint64_t> next_id_{1};
  mutable Mutex mu_;
  std::map<uint64_t, const ClientInfo*> clients_ ABSL_GUARDED_BY(mu_);
};

struct ServerStats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> batched_writes{0};   // store writes that carried pipelined commands
  std::atomic<uint64_t> batched_commands{0};  // the commands they carried
  std::atomic<uint64_t> syncs{0};             // everysec syncs
  std::atomic<uint64_t> sync_errors{0};
  // Subscribed connections closed because their change stream fell behind.
  std::atomic<uint64_t> subscribers_dropped{0};
};

struct ServerState {
  ServerState(Store* s, SyncMode mode)
      : store(s), secured(dynamic_cast<SecuredStore*>(s)), sync(mode) {}

  WriteOptions write_options() const {
    WriteOptions o;
    o.sync = sync == SyncMode::kAlways;
    return o;
  }

  Store* const store;
  // Cluster mode (command_router.h); null otherwise. Set before the loops
  // start.
  CommandRouter* router = nullptr;
  // `store` when it has access control (the builder puts that layer
  // outermost): then a connection must AUTH and its commands run as the
  // principal it logged in as (server/auth.h). Null otherwise.
  SecuredStore* const secured;
  const SyncMode sync;
  std::string listen;      // "ip:port" as bound
  int port = 0;
  int threads = 1;
  size_t max_clients = 0;
  int idle_timeout_s = 0;  // 0: never
  size_t max_output_bytes = 0;
  const int64_t started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count();
  // Asks every loop to drain and stop (SHUTDOWN). Set by the server.
  std::function<void()> request_shutdown;

  ClientRegistry clients;
  WatchRegistry watches;
  KeyLocks key_locks;
  // SCAN positions too long for a 64-bit cursor (scan_cursor.h).
  ScanCursorTable scan_cursors;
  ServerStats stats;
};

int64_t NowMs();

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SERVER_STATE_H_
