#include "server/server_metrics.h"

#include <iterator>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::server {

std::string MetricsInfoSection(Store& store) {
  std::string out = "# Metrics\r\n";
  auto text = store.GetProperty("metrics");
  const nlohmann::json j = text.ok()
                               ? nlohmann::json::parse(*text, nullptr, false)
                               : nlohmann::json();
  if (!j.is_object() || !j.contains("operations") ||
      !j["operations"].is_object()) {
    return out + "metrics_enabled:0\r\n";
  }
  out += "metrics_enabled:1\r\n";
  for (const auto& [op, m] : j["operations"].items()) {
    if (m.value("count", uint64_t{0}) == 0) continue;
    uint64_t errors = 0;
    std::string by_code;
    for (const auto& [code, n] : m["errors"].items()) {
      errors += n.get<uint64_t>();
      by_code += fmt::format(",err_{}={}", code, n.get<uint64_t>());
    }
    const auto& latency = m["latency_seconds"];
    fmt::format_to(
        std::back_inserter(out),
        "metrics_op_{}:calls={},errors={}{},bytes_in={},bytes_out={},p50_usec={"
        ":.2f},"
        "p99_usec={:.2f},p999_usec={:.2f}\r\n",
        op, m["count"].get<uint64_t>(), errors, by_code,
        m["bytes_in"].get<uint64_t>(), m["bytes_out"].get<uint64_t>(),
        latency["p50"].get<double>() * 1e6, latency["p99"].get<double>() * 1e6,
        latency["p999"].get<double>() * 1e6);
  }
  return out;
}

absl::StatusOr<std::string> PrometheusText(ServerState& state) {
  auto text = state.store->GetProperty("metrics.prometheus");
  if (!text.ok()) {
    return absl::FailedPreconditionError(
        fmt::format("the store has no metrics layer: {}",
                    std::string(text.status().message())));
  }
  std::string out = *std::move(text);
  const ServerStats& s = state.stats;
  auto counter = [&out](std::string_view name, std::string_view help,
                        uint64_t value) {
    fmt::format_to(std::back_inserter(out),
                   "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help,
                   value);
  };
  counter("synapsed_server_connections_received_total", "Connections accepted.",
          s.connections_received.load());
  counter("synapsed_server_rejected_connections_total",
          "Connections refused (maxclients).", s.rejected_connections.load());
  counter("synapsed_server_commands_processed_total", "Commands run.",
          s.commands_processed.load());
  counter("synapsed_server_net_input_bytes_total", "Bytes read from clients.",
          s.net_input_bytes.load());
  counter("synapsed_server_net_output_bytes_total", "Bytes written to clients.",
          s.net_output_bytes.load());
  counter("synapsed_server_protocol_errors_total",
          "Requests refused as malformed.", s.protocol_errors.load());
  fmt::format_to(
      std::back_inserter(out),
      "# HELP synapsed_server_connected_clients Clients connected now.\n"
      "# TYPE synapsed_server_connected_clients gauge\n"
      "synapsed_server_connected_clients {}\n",
      state.clients.size());
  return out;
}

}  // namespace synapsed::storage::server
