#include "util/checksum.h"

#include <string>

#include "gtest/gtest.h"

namespace synapsed::storage {
namespace {

TEST(Checksum, TypeByteIsCovered) {
  EXPECT_NE(TypedChecksum32("payload", 1), TypedChecksum32("payload", 2));
}

TEST(Checksum, MatchesHashOfConcatenation) {
  std::string joined = std::string("payload") + '\x07';
  EXPECT_EQ(TypedChecksum64("payload", 7), Hash64(joined));
}

TEST(Checksum, EveryBitFlipIsDetected) {
  std::string data(200, 'x');
  const uint32_t good = TypedChecksum32(data, 1);
  for (size_t i = 0; i < data.size() * 8; ++i) {
    std::string bad = data;
    bad[i / 8] ^= static_cast<char>(1 << (i % 8));
    EXPECT_NE(TypedChecksum32(bad, 1), good) << i;
  }
}

}  // namespace
}  // namespace synapsed::storage
