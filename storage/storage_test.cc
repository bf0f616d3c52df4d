// Tests of the builder: the backends it opens.
#include <string>

#include "gtest/gtest.h"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/config.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Builder, MemoryBackendAndUnbuiltOnes) {
  ASSERT_OK_AND_ASSIGN(auto store,
                       StorageBuilder(StorageConfig::Memory()).Build());
  EXPECT_EQ(store->Name(), "memory");
  ASSERT_OK(store->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  EXPECT_EQ(v, "1");
  StorageConfig d;
  d.type = BackendType::kDistributed;
  d.path = "/tmp/nowhere";
  EXPECT_THAT(
      StorageBuilder(d).Build(),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("distributed")));
}

}  // namespace
}  // namespace synapsed::storage
