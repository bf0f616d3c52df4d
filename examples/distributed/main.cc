// The `distributed` backend: a Store whose data lives in a replicated,
// partitioned cluster of `synapsed serve --cluster` nodes. Start one as the
// README shows ("A replicated cluster"), then:
//
//   distributed 127.0.0.1:7001 [127.0.0.1:7002 ...]
//
// Any node will do: the client learns the map of slots and leaders from it,
// sends each key to the leader of its partition, and follows the cluster
// through leader changes.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "synapsed/storage/builder.h"
#include "synapsed/storage/status_macros.h"

using namespace synapsed::storage;

// Adds `by` to the counter at `key` in a transaction, again while another
// client's commit conflicts with it.
absl::Status Increment(Store& store, const std::string& key, int by) {
  for (int attempt = 1;; ++attempt) {
    SYNAPSED_ASSIGN_OR_RETURN(auto txn, store.BeginTransaction());
    std::string v;
    absl::Status s = txn->GetForUpdate(key, &v);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    const int now = s.ok() ? std::stoi(v) : 0;
    SYNAPSED_RETURN_IF_ERROR(txn->Put(key, std::to_string(now + by)));
    s = txn->Commit();
    if (!absl::IsAborted(s) || attempt == 10) return s;
  }
}

absl::Status Run(const std::vector<std::string>& nodes) {
  StorageConfig config;
  config.type = BackendType::kDistributed;
  config.distributed.nodes = nodes;
  SYNAPSED_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, StorageBuilder(config).Build());
  SYNAPSED_ASSIGN_OR_RETURN(std::string map, store->GetProperty("distributed.topology"));
  std::cout << "connected; the cluster's partitions:\n" << map;

  // Keys spread over the partitions by their hash slot.
  for (int i = 0; i < 6; ++i) {
    const std::string key = "city:" + std::to_string(i);
    SYNAPSED_RETURN_IF_ERROR(store->Put(key, "population " + std::to_string(1000 * (i + 1))));
  }
  SYNAPSED_ASSIGN_OR_RETURN(std::string v, store->Get("city:3"));
  std::cout << "get city:3 -> " << v << "\n";

  // A hash tag ({user:42}) keeps a user's keys in one slot, so a batch over
  // them is atomic; a batch across partitions is refused and writes nothing.
  WriteBatch profile;
  SYNAPSED_RETURN_IF_ERROR(profile.Put("{user:42}.name", "Ada"));
  SYNAPSED_RETURN_IF_ERROR(profile.Put("{user:42}.email", "ada@example.org"));
  SYNAPSED_RETURN_IF_ERROR(store->Write(WriteOptions(), profile));
  std::string_view keys[] = {"{user:42}.name", "{user:42}.email"};
  SYNAPSED_ASSIGN_OR_RETURN(auto got, store->BatchGet(ReadOptions(), keys));
  std::cout << "batch get {user:42} -> " << got[0].value_or("-") << ", "
            << got[1].value_or("-") << "\n";

  SYNAPSED_RETURN_IF_ERROR(Increment(*store, "{user:42}.logins", 1));
  SYNAPSED_RETURN_IF_ERROR(Increment(*store, "{user:42}.logins", 1));
  SYNAPSED_ASSIGN_OR_RETURN(std::string logins, store->Get("{user:42}.logins"));
  std::cout << "{user:42}.logins after two transactions -> " << logins << "\n";

  // Iteration merges every partition's keys in order.
  SYNAPSED_ASSIGN_OR_RETURN(auto cities, store->Scan(KeyRange::Prefix("city:")));
  std::cout << "scan city: ->";
  for (const KeyValue& kv : cities) std::cout << " " << kv.key;
  std::cout << "\n";
  if (cities.size() != 6) return absl::InternalError("the scan missed a city");

  for (int i = 0; i < 6; ++i) {
    SYNAPSED_RETURN_IF_ERROR(store->Delete("city:" + std::to_string(i)));
  }
  for (std::string_view k : keys) SYNAPSED_RETURN_IF_ERROR(store->Delete(k));
  SYNAPSED_RETURN_IF_ERROR(store->Delete("{user:42}.logins"));
  std::cout << "cleaned up\n";
  return absl::OkStatus();
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: distributed HOST:PORT [HOST:PORT ...]  (a node of a running cluster)\n";
    return 2;
  }
  const absl::Status s = Run(std::vector<std::string>(argv + 1, argv + argc));
  if (!s.ok()) {
    std::cerr << "distributed: " << s << "\n";
    return 1;
  }
  return 0;
}
