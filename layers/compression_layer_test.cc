#include "layers/compression_layer.h"

#include "backends/memory_store.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"

namespace synapsed::storage::layers {
namespace {

using ::synapsed::storage::testing::StatusIs;

CompressionConfig Config(CompressionConfig::Algorithm a, size_t min_size = 16) {
  CompressionConfig c;
  c.enabled = true;  // off by default, as in the seed
  c.algorithm = a;
  c.min_size = min_size;
  return c;
}

TEST(CompressionLayer, DocExampleDecodes) {
  // docs/format/compression_layer.md, "Worked example".
  const std::string stored("\x01\x20\x1f\x61\x01\x00\x07\x50\x61\x61\x61\x61\x61", 13);
  ASSERT_OK_AND_ASSIGN(std::string v, DecodeCompressedValue(stored));
  EXPECT_EQ(v, std::string(32, 'a'));
  EXPECT_EQ(EncodeCompressedValue(std::string(32, 'a'),
                                  Config(CompressionConfig::Algorithm::kLz4)),
            stored);
  EXPECT_EQ(EncodeCompressedValue("hi", Config(CompressionConfig::Algorithm::kLz4)),
            std::string("\x00hi", 3));
}

TEST(CompressionLayer, EveryCodecRoundTripsAndIncompressibleStaysRaw) {
  Random rnd(42);
  for (auto a : {CompressionConfig::Algorithm::kLz4, CompressionConfig::Algorithm::kZstd,
                 CompressionConfig::Algorithm::kSnappy, CompressionConfig::Algorithm::kNone}) {
    const std::string text = std::string(5000, 'x') + rnd.Bytes(100, true);
    std::string enc = EncodeCompressedValue(text, Config(a));
    if (a != CompressionConfig::Algorithm::kNone) EXPECT_LT(enc.size(), text.size() / 2);
    ASSERT_OK_AND_ASSIGN(std::string dec, DecodeCompressedValue(enc));
    EXPECT_EQ(dec, text);
    const std::string noise = rnd.Bytes(4000);
    enc = EncodeCompressedValue(noise, Config(a));
    EXPECT_EQ(enc[0], '\0');  // did not shrink: raw
    ASSERT_OK_AND_ASSIGN(dec, DecodeCompressedValue(enc));
    EXPECT_EQ(dec, noise);
  }
}

TEST(CompressionLayer, CorruptValuesAreDataLoss) {
  EXPECT_THAT(DecodeCompressedValue(""), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeCompressedValue("\x09xx"), StatusIs(absl::StatusCode::kDataLoss));
  std::string enc = EncodeCompressedValue(std::string(1000, 'q'),
                                          Config(CompressionConfig::Algorithm::kZstd));
  for (size_t cut = 1; cut < enc.size(); ++cut) {
    EXPECT_FALSE(DecodeCompressedValue(enc.substr(0, cut)).ok()) << cut;
  }
  std::string lz = EncodeCompressedValue(std::string(1000, 'q'),
                                         Config(CompressionConfig::Algorithm::kLz4));
  lz[1] ^= 0x01;  // raw length no longer matches
  EXPECT_THAT(DecodeCompressedValue(lz), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(CompressionLayer, StoresCompressedBytesInTheInnerStore) {
  // Keep a view of the inner store to see what the layer wrote.
  auto inner = NewMemoryStore();
  Store* raw = inner.get();
  ASSERT_OK_AND_ASSIGN(auto store,
                       NewCompressionLayer(std::move(inner),
                                           Config(CompressionConfig::Algorithm::kLz4)));
  const std::string value(2000, 'z');
  ASSERT_OK(store->Put("k", value));
  ASSERT_OK_AND_ASSIGN(std::string stored, raw->Get("k"));
  EXPECT_LT(stored.size(), 100u);
  ASSERT_OK_AND_ASSIGN(std::string got, store->Get("k"));
  EXPECT_EQ(got, value);
  ASSERT_OK(raw->Put("bad", "\x07junk"));
  EXPECT_THAT(store->Get("bad"), StatusIs(absl::StatusCode::kDataLoss));
  auto it = store->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());  // "bad" sorts first and ends iteration
  EXPECT_THAT(it->status(), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace synapsed::storage::layers
