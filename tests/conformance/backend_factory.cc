#include "tests/conformance/backend_factory.h"

#include "synapsed/storage/builder.h"

namespace synapsed::storage::testing {

std::vector<BackendFactory> AllBackends() {
  std::vector<BackendFactory> all;
  all.push_back({"memory", [](const std::string&) {
                   return StorageBuilder(StorageConfig::Memory()).Build();
                 }});
  return all;
}

}  // namespace synapsed::storage::testing
