#include "cluster/cluster_config.h"

#include <set>

#include "backends/hash_slot.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {
namespace {

using json = nlohmann::json;

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("invalid cluster config: field \"{}\": {}", field, why));
}

absl::Status CheckKnown(const json& obj, const std::string& where,
                        const std::set<std::string>& known) {
  if (!obj.is_object()) return FieldError(where.empty() ? "(top)" : where, "expected an object");
  for (const auto& [name, value] : obj.items()) {
    if (!known.count(name)) {
      return FieldError(where.empty() ? name : where + "." + name, "unknown field");
    }
  }
  return absl::OkStatus();
}

// A required non-negative integer no larger than `max`.
absl::StatusOr<uint64_t> Unsigned(const json& obj, const char* name, const std::string& field,
                                  uint64_t max) {
  if (!obj.contains(name)) return FieldError(field, "missing");
  const json& v = obj[name];
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max) {
    return FieldError(field, fmt::format("expected an integer from 0 to {}", max));
  }
  return v.get<uint64_t>();
}

}  // namespace

absl::Status ValidateClusterConfig(ClusterConfig* c) {
  if (c->nodes.empty()) return FieldError("nodes", "no node listed");
  std::set<uint64_t> ids;
  for (size_t i = 0; i < c->nodes.size(); ++i) {
    const ClusterNodeAddress& n = c->nodes[i];
    const std::string f = fmt::format("nodes[{}]", i);
    if (n.id == 0) return FieldError(f + ".id", "node ids start at 1");
    if (!ids.insert(n.id).second) return FieldError(f + ".id", fmt::format("{} is listed twice", n.id));
    if (n.host.empty()) return FieldError(f + ".host", "empty");
    if (n.port < 1 || n.port > 65535) return FieldError(f + ".port", "expected 1 to 65535");
    if (n.raft_port < 1 || n.raft_port + c->partitions.size() > 65536) {
      return FieldError(f + ".raft_port",
                        fmt::format("raft_port + partition id must stay within 1 to 65535 "
                                    "({} partitions)",
                                    c->partitions.size()));
    }
  }
  if (c->partitions.empty()) return FieldError("partitions", "no partition listed");
  c->slot_owner.assign(kHashSlots, UINT32_MAX);
  for (size_t i = 0; i < c->partitions.size(); ++i) {
    const PartitionConfig& p = c->partitions[i];
    const std::string f = fmt::format("partitions[{}]", i);
    if (p.id != i) {
      return FieldError(f + ".id", fmt::format("partition ids are 0, 1, ... in order; expected {}", i));
    }
    if (p.replicas.size() != c->replication_factor) {
      return FieldError(f + ".replicas",
                        fmt::format("{} replicas where replication_factor is {}",
                                    p.replicas.size(), c->replication_factor));
    }
    std::set<uint64_t> seen;
    for (uint64_t r : p.replicas) {
      if (c->FindNode(r) == nullptr) {
        return FieldError(f + ".replicas", fmt::format("node {} is not in \"nodes\"", r));
      }
      if (!seen.insert(r).second) {
        return FieldError(f + ".replicas", fmt::format("node {} holds two replicas", r));
      }
    }
    for (const auto& [first, last] : p.slots) {
      if (first > last || last >= kHashSlots) {
        return FieldError(f + ".slots", fmt::format("[{}, {}] is not a range within 0 to {}",
                                                    first, last, kHashSlots - 1));
      }
      for (uint32_t s = first; s <= last; ++s) {
        if (c->slot_owner[s] != UINT32_MAX) {
          return FieldError(f + ".slots", fmt::format("slot {} is also partition {}'s", s,
                                                      c->slot_owner[s]));
        }
        c->slot_owner[s] = static_cast<uint32_t>(i);
      }
    }
  }
  for (uint32_t s = 0; s < kHashSlots; ++s) {
    if (c->slot_owner[s] == UINT32_MAX) {
      return FieldError("partitions", fmt::format("slot {} belongs to no partition", s));
    }
  }
  if (c->min_replicas > c->replication_factor) {
    return FieldError("min_replicas", fmt::format("{} exceeds replication_factor {}",
                                                  c->min_replicas, c->replication_factor));
  }
  return absl::OkStatus();
}

const ClusterNodeAddress* ClusterConfig::FindNode(uint64_t id) const {
  for (const ClusterNodeAddress& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

const PartitionConfig& ClusterConfig::PartitionOfSlot(uint16_t slot) const {
  return partitions[slot_owner[slot]];
}

std::string ClusterConfig::RaftAddress(const ClusterNodeAddress& n, uint32_t p) const {
  return fmt::format("{}:{}", n.host, n.raft_port + static_cast<int>(p));
}

absl::StatusOr<ClusterConfig> ParseClusterConfig(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("invalid cluster config: not JSON");
  RETURN_IF_ERROR(CheckKnown(
      j, "", {"epoch", "nodes", "partitions", "replication_factor", "min_replicas", "consistency",
              "snapshot_threshold", "snapshot_trailing"}));
  ClusterConfig c;
  if (j.contains("epoch")) {
    ASSIGN_OR_RETURN(c.epoch, Unsigned(j, "epoch", "epoch", UINT64_MAX));
    if (c.epoch == 0) return FieldError("epoch", "epochs start at 1");
  }
  ASSIGN_OR_RETURN(uint64_t rf, Unsigned(j, "replication_factor", "replication_factor", 64));
  if (rf == 0) return FieldError("replication_factor", "at least 1");
  c.replication_factor = static_cast<uint32_t>(rf);
  if (j.contains("min_replicas")) {
    ASSIGN_OR_RETURN(uint64_t m, Unsigned(j, "min_replicas", "min_replicas", 64));
    c.min_replicas = static_cast<uint32_t>(m);
  }
  if (j.contains("snapshot_threshold")) {
    ASSIGN_OR_RETURN(uint64_t v, Unsigned(j, "snapshot_threshold", "snapshot_threshold", UINT32_MAX));
    c.snapshot_threshold = static_cast<uint32_t>(v);
  }
  if (j.contains("snapshot_trailing")) {
    ASSIGN_OR_RETURN(uint64_t v, Unsigned(j, "snapshot_trailing", "snapshot_trailing", UINT32_MAX));
    c.snapshot_trailing = static_cast<uint32_t>(v);
  }
  if (j.contains("consistency")) {
    const json& v = j["consistency"];
    if (v == "eventual") {
      c.eventual_reads = true;
    } else if (v != "strong") {
      return FieldError("consistency", "expected \"strong\" or \"eventual\"");
    }
  }
  if (!j.contains("nodes") || !j["nodes"].is_array()) return FieldError("nodes", "expected an array");
  for (size_t i = 0; i < j["nodes"].size(); ++i) {
    const json& n = j["nodes"][i];
    const std::string f = fmt::format("nodes[{}]", i);
    RETURN_IF_ERROR(CheckKnown(n, f, {"id", "host", "port", "raft_port"}));
    ClusterNodeAddress a;
    ASSIGN_OR_RETURN(a.id, Unsigned(n, "id", f + ".id", UINT32_MAX));
    if (!n.contains("host") || !n["host"].is_string()) return FieldError(f + ".host", "expected a string");
    a.host = n["host"].get<std::string>();
    ASSIGN_OR_RETURN(uint64_t port, Unsigned(n, "port", f + ".port", 65535));
    ASSIGN_OR_RETURN(uint64_t raft_port, Unsigned(n, "raft_port", f + ".raft_port", 65535));
    a.port = static_cast<int>(port);
    a.raft_port = static_cast<int>(raft_port);
    c.nodes.push_back(std::move(a));
  }
  if (!j.contains("partitions") || !j["partitions"].is_array()) {
    return FieldError("partitions", "expected an array");
  }
  for (size_t i = 0; i < j["partitions"].size(); ++i) {
    const json& p = j["partitions"][i];
    const std::string f = fmt::format("partitions[{}]", i);
    RETURN_IF_ERROR(CheckKnown(p, f, {"id", "slots", "replicas"}));
    PartitionConfig pc;
    ASSIGN_OR_RETURN(uint64_t id, Unsigned(p, "id", f + ".id", UINT16_MAX));
    pc.id = static_cast<uint32_t>(id);
    if (!p.contains("slots") || !p["slots"].is_array()) return FieldError(f + ".slots", "expected an array");
    for (const json& r : p["slots"]) {
      if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() ||
          !r[1].is_number_unsigned() || r[0].get<uint64_t>() >= kHashSlots ||
          r[1].get<uint64_t>() >= kHashSlots) {
        return FieldError(f + ".slots",
                          fmt::format("expected [first, last] pairs of slots 0 to {}", kHashSlots - 1));
      }
      pc.slots.emplace_back(r[0].get<uint16_t>(), r[1].get<uint16_t>());
    }
    if (!p.contains("replicas") || !p["replicas"].is_array()) {
      return FieldError(f + ".replicas", "expected an array of node ids");
    }
    for (const json& r : p["replicas"]) {
      if (!r.is_number_unsigned()) return FieldError(f + ".replicas", "expected node ids");
      pc.replicas.push_back(r.get<uint64_t>());
    }
    c.partitions.push_back(std::move(pc));
  }
  RETURN_IF_ERROR(ValidateClusterConfig(&c));
  return c;
}

absl::StatusOr<ClusterConfig> ReadClusterConfig(const std::string& path) {
  absl::StatusOr<std::string> text = env::ReadFileToString(env::DefaultFileSystem(), path);
  if (!text.ok()) return text.status();  // names the file already
  absl::StatusOr<ClusterConfig> config = ParseClusterConfig(*text);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        fmt::format("{}: {}", path, std::string(config.status().message())));
  }
  return config;
}

std::string ClusterConfigToJson(const ClusterConfig& c) {
  json j;
  j["epoch"] = c.epoch;
  j["replication_factor"] = c.replication_factor;
  j["min_replicas"] = c.min_replicas;
  j["consistency"] = c.eventual_reads ? "eventual" : "strong";
  if (c.snapshot_threshold != 0) j["snapshot_threshold"] = c.snapshot_threshold;
  if (c.snapshot_trailing != 0) j["snapshot_trailing"] = c.snapshot_trailing;
  j["nodes"] = json::array();
  for (const ClusterNodeAddress& n : c.nodes) {
    j["nodes"].push_back(
        {{"id", n.id}, {"host", n.host}, {"port", n.port}, {"raft_port", n.raft_port}});
  }
  j["partitions"] = json::array();
  for (const PartitionConfig& p : c.partitions) {
    json slots = json::array();
    for (const auto& [first, last] : p.slots) slots.push_back({first, last});
    j["partitions"].push_back({{"id", p.id}, {"slots", slots}, {"replicas", p.replicas}});
  }
  return j.dump(2) + "\n";
}

absl::StatusOr<ClusterConfig> MakeClusterConfig(std::vector<ClusterNodeAddress> nodes,
                                                uint32_t partitions,
                                                uint32_t replication_factor,
                                                uint32_t min_replicas) {
  if (replication_factor == 0 || replication_factor > nodes.size()) {
    return FieldError("replication_factor",
                      fmt::format("{} replicas need as many nodes; {} given", replication_factor,
                                  nodes.size()));
  }
  if (partitions == 0 || partitions > kHashSlots) {
    return FieldError("partitions", fmt::format("expected 1 to {}", kHashSlots));
  }
  ClusterConfig c;
  c.nodes = std::move(nodes);
  c.replication_factor = replication_factor;
  c.min_replicas = min_replicas;
  for (uint32_t p = 0; p < partitions; ++p) {
    PartitionConfig pc;
    pc.id = p;
    const uint32_t first = p * kHashSlots / partitions;
    const uint32_t last = (p + 1) * kHashSlots / partitions - 1;
    pc.slots.emplace_back(first, last);
    for (uint32_t r = 0; r < replication_factor; ++r) {
      pc.replicas.push_back(c.nodes[(p + r) % c.nodes.size()].id);
    }
    c.partitions.push_back(std::move(pc));
  }
  RETURN_IF_ERROR(ValidateClusterConfig(&c));
  return c;
}

}  // namespace synapsed::storage::cluster
