// Server commands: INFO, TIME, SHUTDOWN.
//
// INFO's sections are Redis's where the field means the same here, plus
// synapsed_* fields and an "engine" section with the store's own numbers
// (Store::GetProperty("stats")), and a "metrics" section with the metrics
// layer's numbers when the store has one (server_metrics.h).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "server/command.h"
#include "server/server_metrics.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

std::string ServerSection(ServerState& st, Store&) {
  const int64_t now = NowMs();
  return fmt::format(
      "# Server\r\nredis_version:7.0.0\r\nsynapsed_version:0.1.0\r\nredis_mode:standalone\r\n"
      "multiplexing_api:libuv\r\narch_bits:64\r\nprocess_id:{}\r\ntcp_port:{}\r\n"
      "listen:{}\r\nloop_threads:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\n"
      "uptime_in_days:{}\r\n",
      getpid(), st.port, st.listen, st.threads, now * 1000, (now - st.started_ms) / 1000,
      (now - st.started_ms) / 86400000);
}

std::string ClientsSection(ServerState& st, Store&) {
  return fmt::format(
      "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:0\r\n"
      "watching_keys:{}\r\nidle_timeout_seconds:{}\r\nclient_output_limit_bytes:{}\r\n",
      st.clients.size(), st.max_clients, st.watches.watched_keys(), st.idle_timeout_s,
      st.max_output_bytes);
}

std::string StatsSection(ServerState& st, Store&) {
  const ServerStats& s = st.stats;
  return fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
      "total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\n"
      "keyspace_hits:{}\r\nkeyspace_misses:{}\r\nprotocol_errors:{}\r\n"
      "synapsed_batched_writes:{}\r\nsynapsed_batched_commands:{}\r\n"
      "client_output_buffer_limit_disconnections:{}\r\n",
      s.connections_received.load(), s.commands_processed.load(), s.net_input_bytes.load(),
      s.net_output_bytes.load(), s.rejected_connections.load(), s.keyspace_hits.load(),
      s.keyspace_misses.load(), s.protocol_errors.load(), s.batched_writes.load(),
      s.batched_commands.load(), s.subscribers_dropped.load());
}

std::string PersistenceSection(ServerState& st, Store&) {
  return fmt::format(
      "# Persistence\r\nloading:0\r\naof_enabled:0\r\nsynapsed_backend:{}\r\n"
      "synapsed_sync:{}\r\nsynapsed_everysec_syncs:{}\r\nsynapsed_sync_errors:{}\r\n",
      st.store->Name(), SyncModeName(st.sync), st.stats.syncs.load(),
      st.stats.sync_errors.load());
}

// The keys the connection's principal may see; none listed when it may not
// read them all (access control refuses the whole range).
std::string KeyspaceSection(ServerState&, Store& store) {
  size_t keys = 0;
  auto it = store.NewIterator(ReadOptions(), KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
  if (!it->status().ok()) keys = 0;
  std::string out = "# Keyspace\r\n";
  if (keys > 0) out += fmt::format("db0:keys={},expires=0,avg_ttl=0\r\n", keys);
  return out;
}

// The store's "stats" property, "name: value" per line, as engine_<name>.
std::string EngineSection(ServerState&, Store& store) {
  std::string out = "# Engine\r\n";
  auto stats = store.GetProperty("stats");
  if (!stats.ok()) return out + "engine_stats:unavailable\r\n";
  for (absl::string_view piece : absl::StrSplit(*stats, '\n', absl::SkipEmpty())) {
    const std::string_view line(piece.data(), piece.size());
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    out += fmt::format("engine_{}:{}\r\n", line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

void Info(CommandContext& c) {
  // Each section sees the store as the connection's principal.
  using SectionFn = std::string (*)(ServerState&, Store&);
  static const std::pair<std::string_view, SectionFn> kSections[] = {
      {"server", ServerSection},         {"clients", ClientsSection},
      {"stats", StatsSection},           {"persistence", PersistenceSection},
      {"keyspace", KeyspaceSection},     {"engine", EngineSection},
      {"metrics", [](ServerState&, Store& store) {
         return MetricsInfoSection(store);
       }}};
  std::vector<std::string> wanted;
  for (size_t i = 1; i < c.args.size(); ++i) wanted.push_back(absl::AsciiStrToLower(c.args[i]));
  const bool all = wanted.empty() || std::any_of(wanted.begin(), wanted.end(), [](auto& w) {
    return w == "all" || w == "default" || w == "everything";
  });
  std::string out;
  for (const auto& [name, fn] : kSections) {
    if (!all && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    if (!out.empty()) out += "\r\n";
    out += fn(*c.state, c.session->store());
  }
  c.reply.Verbatim(out);
}

void Time(CommandContext& c) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(us / 1000000));
  c.reply.Bulk(std::to_string(us % 1000000));
}

// Redis replies nothing when SHUTDOWN succeeds: the connection closes. Here
// every loop drains (the server's RequestShutdown) and the store is flushed
// and closed by whoever runs the server.
void Shutdown(CommandContext& c) {
  for (size_t i = 1; i < c.args.size(); ++i) {
    const std::string opt = absl::AsciiStrToUpper(c.args[i]);
    if (opt == "ABORT") return c.reply.Error("ERR No shutdown in progress.");
    if (opt != "NOSAVE" && opt != "SAVE" && opt != "NOW" && opt != "FORCE") {
      return c.reply.Error(kSyntaxError);
    }
  }
  if (c.txn != nullptr) return c.reply.Error("ERR SHUTDOWN is not allowed inside MULTI");
  if (c.state->request_shutdown) c.state->request_shutdown();
  c.session->RequestClose();
}

}  // namespace

void AddServerCommands(std::vector<CommandSpec>* t) {
  t->push_back({"info", -1, 0, 0, 0, 0, Info});
  t->push_back({"time", 1, kFast, 0, 0, 0, Time});
  t->push_back({"shutdown", -1, kAdmin, 0, 0, 0, Shutdown});
}

}  // namespace synapsed::storage::server
