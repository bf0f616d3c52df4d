#include "backends/cluster_topology.h"

#include "backends/hash_slot.h"
#include "fmt/format.h"

namespace synapsed::storage {
namespace {

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("malformed CLUSTER SHARDS reply: {}", why));
}

// The value of `name` in a RESP2 map (a flat array of names and values).
const RespReply* Field(const RespReply& map, std::string_view name) {
  if (map.type != RespReply::Type::kArray) return nullptr;
  for (size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    const RespReply& k = map.elements[i];
    if (k.type == RespReply::Type::kBulk && k.str == name) return &map.elements[i + 1];
  }
  return nullptr;
}

absl::StatusOr<std::string> NodeAddress(const RespReply& node, bool* leader) {
  const RespReply* ip = Field(node, "ip");
  const RespReply* port = Field(node, "port");
  const RespReply* role = Field(node, "role");
  if (ip == nullptr || ip->type != RespReply::Type::kBulk || port == nullptr ||
      port->type != RespReply::Type::kInteger || port->integer <= 0 || port->integer > 65535) {
    return Malformed("a node without ip and port");
  }
  *leader = role != nullptr && role->str == "master";
  return fmt::format("{}:{}", ip->str, port->integer);
}

absl::StatusOr<PartitionRoute> ParseShard(const RespReply& shard) {
  const RespReply* slots = Field(shard, "slots");
  const RespReply* nodes = Field(shard, "nodes");
  if (slots == nullptr || slots->type != RespReply::Type::kArray || slots->elements.empty() ||
      slots->elements.size() % 2 != 0 || nodes == nullptr ||
      nodes->type != RespReply::Type::kArray || nodes->elements.empty()) {
    return Malformed("a shard without slot ranges or nodes");
  }
  PartitionRoute p;
  for (size_t i = 0; i < slots->elements.size(); i += 2) {
    const RespReply& a = slots->elements[i];
    const RespReply& b = slots->elements[i + 1];
    if (a.type != RespReply::Type::kInteger || b.type != RespReply::Type::kInteger ||
        a.integer < 0 || b.integer < a.integer || b.integer >= kHashSlots) {
      return Malformed("a slot range out of 0..16383");
    }
    p.slots.emplace_back(static_cast<uint16_t>(a.integer), static_cast<uint16_t>(b.integer));
  }
  for (const RespReply& node : nodes->elements) {
    bool leader = false;
    auto address = NodeAddress(node, &leader);
    if (!address.ok()) return address.status();
    if (leader) p.leader = *address;
    p.replicas.push_back(*std::move(address));
  }
  if (p.leader.empty()) p.leader = p.replicas.front();
  return p;
}

}  // namespace

absl::StatusOr<ClusterTopology> ClusterTopology::FromShards(const RespReply& shards) {
  if (shards.type != RespReply::Type::kArray || shards.elements.empty()) {
    return Malformed("expected an array of shards");
  }
  ClusterTopology t;
  constexpr uint16_t kNone = 0xffff;
  t.partition_of_slot_.assign(kHashSlots, kNone);
  for (const RespReply& shard : shards.elements) {
    auto p = ParseShard(shard);
    if (!p.ok()) return p.status();
    const auto index = static_cast<uint16_t>(t.partitions_.size());
    for (const auto& [first, last] : p->slots) {
      for (uint32_t s = first; s <= last; ++s) {
        if (t.partition_of_slot_[s] != kNone) {
          return Malformed(fmt::format("slot {} is in two shards", s));
        }
        t.partition_of_slot_[s] = index;
      }
    }
    t.partitions_.push_back(*std::move(p));
  }
  for (uint32_t s = 0; s < kHashSlots; ++s) {
    if (t.partition_of_slot_[s] == kNone) return Malformed(fmt::format("slot {} has no shard", s));
  }
  return t;
}

ClusterTopology ClusterTopology::SingleNode(const std::string& address) {
  ClusterTopology t;
  t.partitions_.push_back({{{0, kHashSlots - 1}}, {address}, address});
  t.partition_of_slot_.assign(kHashSlots, 0);
  return t;
}

size_t ClusterTopology::PartitionOfKey(std::string_view key) const {
  return PartitionOfSlot(KeyHashSlot(key));
}

void ClusterTopology::SetLeader(uint16_t slot, const std::string& address) {
  partitions_[PartitionOfSlot(slot)].leader = address;
}

}  // namespace synapsed::storage
