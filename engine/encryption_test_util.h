// Master keys and keyrings for the engine's encryption tests. Test-only.
#ifndef SYNAPSED_ENGINE_ENCRYPTION_TEST_UTIL_H_
#define SYNAPSED_ENGINE_ENCRYPTION_TEST_UTIL_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keyring.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine::encryption_testing {

// A master key `id` whose 32 bytes are the hex digit `fill` repeated.
inline crypto::MasterKey Master(std::string id, char fill) {
  auto key = crypto::SecureKey::FromHex(std::string(64, fill));
  EXPECT_TRUE(key.ok()) << key.status();
  return crypto::MasterKey{std::move(id), *std::move(key)};
}

// A keyring of Master(id, fill) for each pair; the last is current.
inline std::shared_ptr<crypto::Keyring> Ring(std::vector<std::pair<std::string, char>> keys) {
  auto ring = std::make_shared<crypto::Keyring>();
  for (auto& [id, fill] : keys) EXPECT_OK(ring->Add(Master(id, fill)));
  return ring;
}

// The number of files per generation (KeyRegistry::Generations' sizes).
inline std::map<std::string, uint64_t> FileCounts(
    const std::map<std::string, std::vector<uint64_t>>& generations) {
  std::map<std::string, uint64_t> out;
  for (const auto& [gen, files] : generations) out[gen] = files.size();
  return out;
}

}  // namespace synapsed::storage::engine::encryption_testing

#endif  // SYNAPSED_ENGINE_ENCRYPTION_TEST_UTIL_H_
