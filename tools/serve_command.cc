#include "tools/serve_command.h"

#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>

#include "cluster/cluster_node.h"
#include "crypto/key_file.h"
#include "fmt/format.h"
#include "server/metrics_endpoint.h"
#include "server/server.h"
#include "server/server_metrics.h"
#include "synapsed/storage/access_control.h"
#include "tools/db_open.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

struct ServeFlags {
  StoreFlags store;
  std::string listen = "127.0.0.1:6380";
  std::string metrics_listen;  // empty: no /metrics endpoint
  std::string sync = "everysec";
  int threads = 0;
  size_t max_clients = 10000;
  int idle_timeout = 300;
  bool allow_remote = false;
  // Cluster mode: the cluster's map and this node's id in it.
  std::string cluster;
  uint64_t node_id = 0;
  std::string cluster_secret;  // a key file; its first key is the secret
};

// The running server, for the signal handler (RequestShutdown is
// async-signal-safe: it only wakes the loops).
std::atomic<server::Server*> g_server{nullptr};

void OnSignal(int) {
  if (server::Server* s = g_server.load()) s->RequestShutdown();
}

// "host:port", "[v6]:port".
void SplitListen(const std::string& listen, std::string* host, int* port,
                 std::string_view flag = "--listen") {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    FailWith(kExitError, fmt::format("serve: {} wants HOST:PORT, not \"{}\"", flag, listen));
  }
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  try {
    *port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    *port = -1;
  }
  if (*port < 0 || *port > 65535) {
    FailWith(kExitError, fmt::format("serve: bad port in {} \"{}\"", flag, listen));
  }
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// `serve --cluster FILE --node-id N --dir DIR`: node N's replicas of the
// cluster's partitions, served on the client port the config gives it, with
// each keyed command routed to its partition (cluster/cluster_node.h).
void ServeClusterNode(const ServeFlags& f) {
  if (f.node_id == 0) FailWith(kExitError, "serve: --cluster needs --node-id");
  if (f.store.dir.empty() || !f.store.config_file.empty() || !f.store.key_file.empty()) {
    FailWith(kExitError,
             "serve: --cluster takes --dir (where this node's replicas live) and neither "
             "--config nor --key-file");
  }
  auto config = cluster::ReadClusterConfig(f.cluster);
  CheckOk(config.status(), "serve: --cluster");
  std::unique_ptr<crypto::SecureKey> secret;
  if (!f.cluster_secret.empty()) {
    auto keys = crypto::ReadKeyFile(f.cluster_secret);
    CheckOk(keys.status(), "serve: --cluster-secret");
    secret = std::make_unique<crypto::SecureKey>(std::move(keys->front().key));
  }
  cluster::ClusterNodeOptions o;
  o.config = *std::move(config);
  o.node_id = f.node_id;
  o.dir = f.store.dir;
  o.cluster_secret = secret.get();
  auto node = cluster::ClusterNode::Open(std::move(o));
  CheckOk(node.status(), "serve");
  const cluster::ClusterNodeAddress& self = (*node)->self();
  if (!server::IsLoopback(self.host) && !f.allow_remote) {
    FailWith(kExitError, fmt::format("serve: refusing to listen on {}: the server has no "
                                     "authentication in cluster mode, so it listens on "
                                     "loopback only unless --allow-remote is given",
                                     self.host));
  }
  server::ServerOptions options;
  options.host = self.host;
  options.port = self.port;
  options.threads = f.threads;
  options.max_clients = f.max_clients;
  options.idle_timeout_s = f.idle_timeout;
  // A replicated write is durable when acknowledged (the Raft log is synced).
  options.sync = server::SyncMode::kAlways;
  options.router = node->get();
  server::Server srv((*node)->node_store(), options);
  CheckOk(srv.Start(), "serve");
  g_server.store(&srv);
  InstallSignalHandlers();
  std::cout << fmt::format("synapsed serve: listening on {} pid {} (cluster node {}, {} "
                           "partitions, {} threads)",
                           srv.state().listen, getpid(), f.node_id,
                           (*node)->config()->partitions.size(), srv.state().threads)
            << std::endl;
  srv.Wait();
  g_server.store(nullptr);
  node->reset();  // stops the groups and closes the replicas
  std::cout << "synapsed serve: stopped" << std::endl;
}

void Serve(const ServeFlags& f) {
  if (!f.cluster.empty()) return ServeClusterNode(f);
  server::ServerOptions options;
  SplitListen(f.listen, &options.host, &options.port);
  // With access control every connection must AUTH as a principal
  // (server/auth.h), so any address will do; without it, loopback unless
  // the operator insists. Decided from the config, before anything opens.
  const bool authenticated = StoreConfigOf(f.store, "serve").access_control.has_value();
  if (!server::IsLoopback(options.host) && !authenticated && !f.allow_remote) {
    FailWith(kExitError,
             fmt::format("serve: refusing to listen on {}: the server has no authentication "
                         "configured (\"access_control\" with \"passwords\" in --config), so "
                         "it listens on loopback only unless --allow-remote is given",
                         options.host));
  }
  if (f.sync == "always") {
    options.sync = server::SyncMode::kAlways;
  } else if (f.sync == "everysec") {
    options.sync = server::SyncMode::kEverySec;
  } else if (f.sync == "never") {
    options.sync = server::SyncMode::kNever;
  } else {
    FailWith(kExitError, "serve: --sync must be always, everysec or never");
  }
  std::string metrics_host;
  int metrics_port = 0;
  if (!f.metrics_listen.empty()) {
    SplitListen(f.metrics_listen, &metrics_host, &metrics_port, "--metrics-listen");
    if (!server::IsLoopback(metrics_host) && !f.allow_remote) {
      FailWith(kExitError,
               fmt::format("serve: refusing to serve /metrics on {}: loopback only unless "
                           "--allow-remote is given",
                           metrics_host));
    }
  }
  options.threads = f.threads;
  options.max_clients = f.max_clients;
  options.idle_timeout_s = f.idle_timeout;

  StoreFlags store_flags = f.store;
  store_flags.metrics = !f.metrics_listen.empty();
  OpenedStore db = OpenForWrite(store_flags, "serve", /*create=*/true);
  if (auto* secured = dynamic_cast<SecuredStore*>(db.store.get());
      secured != nullptr && !secured->HasPasswords()) {
    std::cerr << "synapsed serve: warning: access control is on but no principal has a "
                 "password, so no client can log in (add \"access_control.passwords\"; "
                 "`synapsed acl passwd` makes the hashes)"
              << std::endl;
  }
  server::Server srv(db.store.get(), options);
  CheckOk(srv.Start(), "serve");
  // Its own thread and loop (metrics_endpoint.h); stopped before the store
  // is flushed and closed.
  server::MetricsEndpoint metrics([&srv] { return server::PrometheusText(srv.state()); });
  if (!f.metrics_listen.empty()) {
    CheckOk(metrics.Start(metrics_host, metrics_port), "serve: --metrics-listen");
  }
  g_server.store(&srv);
  InstallSignalHandlers();
  std::cout << fmt::format(
                   "synapsed serve: listening on {} pid {} ({} store, sync {}, {} threads)",
                   srv.state().listen, getpid(), db.store->Name(), f.sync, srv.state().threads)
            << std::endl;
  if (!f.metrics_listen.empty()) {
    std::cout << fmt::format("synapsed serve: metrics on http://{}:{}/metrics", metrics_host,
                             metrics.port())
              << std::endl;
  }
  srv.Wait();
  g_server.store(nullptr);
  metrics.Stop();
  CheckOk(db.store->Flush(), "serve: flushing the store");
  std::cout << "synapsed serve: stopped; the store is flushed" << std::endl;
}

}  // namespace

void AddServeCommand(CLI::App* app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app->add_subcommand(
      "serve", "serve a store over the Redis protocol (docs/format/resp.md)");
  AddStoreFlags(cmd, &f->store);
  cmd->add_option("--listen", f->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--metrics-listen", f->metrics_listen,
                  "HOST:PORT to serve GET /metrics on, in the Prometheus text format (port 0: "
                  "any free port); stacks the metrics layer on the store");
  cmd->add_option("--sync", f->sync,
                  "always: acknowledge writes once durable; everysec: sync the log every "
                  "second; never: leave it to the OS")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "event-loop threads (0: one per core)")
      ->capture_default_str();
  cmd->add_option("--max-clients", f->max_clients, "connections served at once")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", f->idle_timeout,
                  "seconds before a silent connection is closed (0: never)")
      ->capture_default_str();
  cmd->add_flag("--allow-remote", f->allow_remote,
                "listen (and serve /metrics) on a non-loopback address although no "
                "authentication is configured (a config with \"access_control\" needs no "
                "flag: every client must AUTH)");
  cmd->add_option("--cluster", f->cluster,
                  "serve as a node of the cluster this file describes (cluster.json, "
                  "docs/format/cluster_config.md; `synapsed cluster init` writes one): "
                  "listens on the node's port, holds its replicas under --dir");
  cmd->add_option("--node-id", f->node_id, "this node's id in --cluster");
  cmd->add_option("--cluster-secret", f->cluster_secret,
                  "key file whose first key every node of the cluster holds: Raft connections "
                  "prove it (required unless every node is on loopback)");
  cmd->callback([f] { Serve(*f); });
}

}  // namespace synapsed::storage::tools
