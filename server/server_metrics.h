// The server's view of the metrics layer (layers/metrics_layer.h): what
// INFO's "metrics" section and the /metrics endpoint (metrics_endpoint.h)
// show, from the store's GetProperty("metrics") and ("metrics.prometheus"),
// plus the server's own counters (ServerStats, server_state.h).
//
// Thread safety: any thread (the store and ServerStats are thread-safe).
#ifndef SYNAPSED_SERVER_SERVER_METRICS_H_
#define SYNAPSED_SERVER_SERVER_METRICS_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/server_state.h"

namespace synapsed::storage::server {

// INFO's "# Metrics" section, in Redis's commandstats style: one line per
// operation that ran, e.g.
//   metrics_op_get:calls=2,errors=1,err_not_found=1,bytes_in=3,bytes_out=3,
//     p50_usec=1.50,p99_usec=1.99,p999_usec=2.00
// and "metrics_enabled:0" when the store has no metrics layer.
std::string MetricsInfoSection(Store& store);

// The /metrics body: the store's Prometheus text followed by the server's
// synapsed_server_* series. FailedPrecondition when the store has no
// metrics layer.
absl::StatusOr<std::string> PrometheusText(ServerState& state);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SERVER_METRICS_H_
