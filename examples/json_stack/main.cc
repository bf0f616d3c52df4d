// A layered stack from one JSON config: a native store with the compression
// layer under an LRU value cache, all named in one document (as a service
// would read it from its config file).
//
//   json_stack [CONFIG.json]   (default: the config below, in a fresh /tmp dir)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "synapsed/storage/builder.h"
#include "synapsed/storage/status_macros.h"

using namespace synapsed::storage;

absl::Status Run(const std::string& json) {
  std::cout << "config: " << json << "\n";
  SYNAPSED_ASSIGN_OR_RETURN(StorageConfig config,
                            StorageConfig::FromJson(json));
  SYNAPSED_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                            StorageBuilder(config).Build());
  std::cout << "built the stack " << store->Name() << "\n";

  // Long, repetitive values: the compression layer shrinks them on disk.
  const std::string big(4096, 'x');
  for (int i = 0; i < 3; ++i) {
    SYNAPSED_RETURN_IF_ERROR(store->Put("doc/" + std::to_string(i), big));
  }
  std::cout << "put doc/0..doc/2 (4 KiB each)\n";
  SYNAPSED_ASSIGN_OR_RETURN(std::string v, store->Get("doc/1"));
  std::cout << "get doc/1 -> " << v.size() << " bytes, "
            << (v == big ? "intact" : "CHANGED") << "\n";
  if (v != big) return absl::DataLossError("value changed through the layers");
  SYNAPSED_ASSIGN_OR_RETURN(auto docs, store->Scan(KeyRange::Prefix("doc/")));
  std::cout << "scan doc/ -> " << docs.size() << " key(s)\n";

  // A config with a typo is refused, naming the field.
  auto bad = StorageConfig::FromJson(R"({"type": "memory", "cahce": {}})");
  std::cout << "a config with a typo: " << bad.status().ToString() << "\n";
  if (bad.ok()) return absl::InternalError("a bad config was accepted");
  return absl::OkStatus();
}

int main(int argc, char** argv) {
  std::string json;
  std::string dir;
  if (argc > 1) {
    std::ifstream in(argv[1]);
    std::stringstream ss;
    ss << in.rdbuf();
    json = ss.str();
  } else {
    char tmpl[] = "/tmp/synapsed_json_stack_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    json =
        R"({"type": "native", "path": ")" + dir +
        R"(", "write_buffer_size": 1048576,)"
        R"( "cache": {"policy": "lru", "max_entries": 1000},)"
        R"( "compression": {"enabled": true, "algorithm": "zstd", "min_size": 256}})";
  }
  absl::Status s = Run(json);
  if (!dir.empty()) std::filesystem::remove_all(dir);
  if (!s.ok()) {
    std::cerr << "json_stack: " << s << "\n";
    return 1;
  }
  std::cout << "json_stack: OK\n";
  return 0;
}
