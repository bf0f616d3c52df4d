#include "tests/conformance/backend_factory.h"

#include "synapsed/storage/builder.h"

namespace synapsed::storage::testing {

std::vector<BackendFactory> AllBackends() {
  std::vector<BackendFactory> all;
  all.push_back({"memory", [](const std::string&) {
                   return StorageBuilder(StorageConfig::Memory()).Build();
                 }});
  all.push_back({"native",
                 [](const std::string& dir) {
                   return StorageBuilder(StorageConfig::Native(dir)).Build();
                 },
                 /*persistent=*/true});
  // Tiny memtables: every test runs across many memtable and log switches.
  all.push_back({"native_tiny_buffers",
                 [](const std::string& dir) {
                   StorageConfig c = StorageConfig::Native(dir);
                   c.native.write_buffer_size = 4096;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  return all;
}

}  // namespace synapsed::storage::testing
