#include "layers/compression_layer.h"

#include "backends/memory_store.h"
#include <map>
#include <set>

#include "fmt/format.h"
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
    if (a != CompressionConfig::Algorithm::kNone) {
      EXPECT_LT(enc.size(), text.size() / 2);
    }
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

// Adaptive on values written through the layer: random bytes go raw without a
// codec (except probes), compressible ones get compressed, and a mix of the
// two reads back exactly.
TEST(CompressionLayer, AdaptiveSkipsRandomAndCompressesText) {
  Random rnd(7);
  AdaptiveCodec adaptive;
  const CompressionConfig c = Config(CompressionConfig::Algorithm::kAdaptive);
  int raw_random = 0;
  for (int i = 0; i < 640; ++i) {
    const std::string v = rnd.Bytes(2000);
    const std::string enc = EncodeCompressedValue(v, c, &adaptive);
    if (enc[0] == '\0') ++raw_random;
    ASSERT_OK_AND_ASSIGN(std::string dec, DecodeCompressedValue(enc));
    ASSERT_EQ(dec, v);
  }
  EXPECT_EQ(raw_random, 640);  // nothing shrank random bytes
  auto counts = adaptive.counts();
  // The codec ran only to measure: first two values, then 1 in 32 probes.
  EXPECT_LE(counts[AdaptiveCodec::kLz4] + counts[AdaptiveCodec::kZstd], 2u + 640 / 32);
  EXPECT_GE(counts[AdaptiveCodec::kNone], 640u - 2 - 640 / 32);

  int compressed = 0;
  for (int i = 0; i < 640; ++i) {
    std::string v;
    while (v.size() < 2000) v += fmt::format("{{\"id\": {}, \"name\": \"user{}\"}}, ", i, i % 7);
    const std::string enc = EncodeCompressedValue(v, c, &adaptive);
    if (enc[0] != '\0') ++compressed;
    ASSERT_OK_AND_ASSIGN(std::string dec, DecodeCompressedValue(enc));
    ASSERT_EQ(dec, v);
  }
  // Until the next probe measures the text (at most kProbeInterval values)
  // the layer still stores raw; from then on every value is compressed.
  EXPECT_GE(compressed, 640 - AdaptiveCodec::kProbeInterval);
  const auto after = adaptive.counts();
  EXPECT_LE(after[AdaptiveCodec::kNone] - counts[AdaptiveCodec::kNone],
            static_cast<uint64_t>(AdaptiveCodec::kProbeInterval));
}

TEST(CompressionLayer, AdaptiveLayerRoundTripsMixedValues) {
  auto inner = NewMemoryStore();
  Store* raw = inner.get();
  ASSERT_OK_AND_ASSIGN(auto store,
                       NewCompressionLayer(std::move(inner),
                                           Config(CompressionConfig::Algorithm::kAdaptive)));
  Random rnd(11);
  std::map<std::string, std::string> model;
  std::set<char> tags;
  for (int i = 0; i < 600; ++i) {
    const std::string k = fmt::format("k{:04}", i);
    // Runs of 100 random, then 100 repetitive values; some short ones.
    std::string v = (i / 100) % 2 ? std::string(1500, "xyz"[i % 3]) : rnd.Bytes(1500);
    if (i % 50 == 0) v = "short";
    ASSERT_OK(store->Put(k, v));
    model[k] = v;
    ASSERT_OK_AND_ASSIGN(std::string stored, raw->Get(k));
    tags.insert(stored[0]);
  }
  WriteBatch batch;
  ASSERT_OK(batch.Put("batch", std::string(3000, 'b')));
  ASSERT_OK(store->Write(WriteOptions(), batch));
  model["batch"] = std::string(3000, 'b');
  EXPECT_TRUE(tags.count('\0'));  // random and short values stayed raw
  EXPECT_TRUE(tags.count('\x01') || tags.count('\x02'));
  for (const auto& [k, v] : model) {
    ASSERT_OK_AND_ASSIGN(std::string got, store->Get(k));
    ASSERT_EQ(got, v) << k;
  }
  auto it = store->NewIterator(ReadOptions(), KeyRange::All());
  auto want = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    ASSERT_EQ(it->key(), want->first);
    ASSERT_EQ(it->value(), want->second);
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(want, model.end());
}

// Values written under every algorithm (each with its own tag) in one store
// read back through a layer configured with any algorithm.
TEST(CompressionLayer, EveryValueReadableAfterSwitchingAlgorithms) {
  using A = CompressionConfig::Algorithm;
  const A algorithms[] = {A::kLz4, A::kZstd, A::kSnappy, A::kNone, A::kAdaptive};
  auto shared = NewMemoryStore();
  Random rnd(5);
  AdaptiveCodec adaptive;
  std::map<std::string, std::string> model;
  for (A a : algorithms) {
    for (int i = 0; i < 40; ++i) {
      const std::string k = fmt::format("{}-{:03}", static_cast<int>(a), i);
      const std::string v =
          i % 2 ? rnd.Bytes(1000) : std::string(1000, 'q') + rnd.Bytes(20);
      ASSERT_OK(shared->Put(k, EncodeCompressedValue(v, Config(a), &adaptive)));
      model[k] = v;
    }
  }
  for (A reader : algorithms) {
    // A layer reading `shared`: a copy, since the layer owns its inner store.
    auto inner = NewMemoryStore();
    auto it = shared->NewIterator(ReadOptions(), KeyRange::All());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_OK(inner->Put(it->key(), it->value()));
    }
    ASSERT_OK_AND_ASSIGN(auto store, NewCompressionLayer(std::move(inner), Config(reader)));
    for (const auto& [k, v] : model) {
      ASSERT_OK_AND_ASSIGN(std::string got, store->Get(k));
      ASSERT_EQ(got, v) << k << " read with algorithm " << static_cast<int>(reader);
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::layers
