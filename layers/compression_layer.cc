#include "layers/compression_layer.h"

#include <lz4.h>
#include <snappy.h>
#include <zstd.h>

#include <chrono>

#include "api/mapped_change_stream.h"
#include "fmt/format.h"
#include "layers/decoding_iterator.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/zstd_context.h"

namespace synapsed::storage::layers {
namespace {

// On disk: do not change (docs/format/compression_layer.md).
enum Tag : uint8_t { kRaw = 0x00, kLz4 = 0x01, kZstd = 0x02, kSnappy = 0x03 };

constexpr int kZstdLevel = 3;

}  // namespace

namespace {

// Compresses `value` with `tag`'s codec into `body`; false if the codec
// failed. REQUIRES: tag is not kRaw.
bool Compress(Tag tag, std::string_view value, std::string* body) {
  switch (tag) {
    case kLz4: {
      body->resize(LZ4_compressBound(static_cast<int>(value.size())));
      int n = LZ4_compress_default(value.data(), body->data(), static_cast<int>(value.size()),
                                   static_cast<int>(body->size()));
      body->resize(n > 0 ? n : 0);
      return n > 0;
    }
    case kZstd: {
      body->resize(ZSTD_compressBound(value.size()));
      size_t n = ZSTD_compressCCtx(ThreadZstdCCtx(), body->data(), body->size(), value.data(),
                                   value.size(), kZstdLevel);
      body->resize(ZSTD_isError(n) ? 0 : n);
      return !ZSTD_isError(n);
    }
    case kSnappy:
      snappy::Compress(value.data(), value.size(), body);
      return true;
    case kRaw:
      break;
  }
  return false;
}

std::string EncodeRaw(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 1);
  out.push_back(static_cast<char>(kRaw));
  out.append(value);
  return out;
}

// The stored form of `value` with `tag`'s codec, or raw if it does not pay.
std::string EncodeWith(Tag tag, std::string_view value) {
  std::string body;
  // Worth it only if the tag, the length and the body are smaller.
  if (tag != kRaw && Compress(tag, value, &body) &&
      1 + VarintLength(value.size()) + body.size() < 1 + value.size()) {
    std::string out;
    out.push_back(static_cast<char>(tag));
    PutVarint64(&out, value.size());
    out.append(body);
    return out;
  }
  return EncodeRaw(value);
}

std::string EncodeAdaptive(std::string_view value, AdaptiveCodec* adaptive) {
  const AdaptiveCodec::Codec codec = adaptive->Choose();
  if (codec == AdaptiveCodec::kNone) return EncodeRaw(value);
  const auto start = std::chrono::steady_clock::now();
  std::string out = EncodeWith(codec == AdaptiveCodec::kLz4 ? kLz4 : kZstd, value);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  adaptive->Record(codec, value.size(), out.size(), static_cast<uint64_t>(nanos));
  return out;
}

}  // namespace

std::string EncodeCompressedValue(std::string_view value, const CompressionConfig& config,
                                  AdaptiveCodec* adaptive) {
  if (!config.enabled || value.size() < config.min_size) return EncodeRaw(value);
  switch (config.algorithm) {
    case CompressionConfig::Algorithm::kLz4:
      return EncodeWith(kLz4, value);
    case CompressionConfig::Algorithm::kZstd:
      return EncodeWith(kZstd, value);
    case CompressionConfig::Algorithm::kSnappy:
      return EncodeWith(kSnappy, value);
    case CompressionConfig::Algorithm::kAdaptive:
      // Without a chooser (a stateless caller) LZ4, the cheap default.
      return adaptive != nullptr ? EncodeAdaptive(value, adaptive) : EncodeWith(kLz4, value);
    case CompressionConfig::Algorithm::kNone:
      break;
  }
  return EncodeRaw(value);
}

absl::StatusOr<std::string> DecodeCompressedValue(std::string_view stored) {
  if (stored.empty()) {
    return absl::DataLossError("compression layer: empty stored value (no codec tag)");
  }
  const uint8_t tag = static_cast<uint8_t>(stored[0]);
  stored.remove_prefix(1);
  if (tag == kRaw) return std::string(stored);
  uint64_t raw_len;
  if (!GetVarint64(&stored, &raw_len) || raw_len > kMaxValueSize) {
    return absl::DataLossError("compression layer: bad raw length");
  }
  std::string out(raw_len, '\0');
  switch (tag) {
    case kLz4: {
      int n = LZ4_decompress_safe(stored.data(), out.data(), static_cast<int>(stored.size()),
                                  static_cast<int>(raw_len));
      if (n < 0 || static_cast<uint64_t>(n) != raw_len) {
        return absl::DataLossError("compression layer: corrupt LZ4 value");
      }
      return out;
    }
    case kZstd: {
      size_t n =
          ZSTD_decompressDCtx(ThreadZstdDCtx(), out.data(), raw_len, stored.data(), stored.size());
      if (ZSTD_isError(n) || n != raw_len) {
        return absl::DataLossError("compression layer: corrupt Zstandard value");
      }
      return out;
    }
    case kSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(stored.data(), stored.size(), &n) || n != raw_len ||
          !snappy::RawUncompress(stored.data(), stored.size(), out.data())) {
        return absl::DataLossError("compression layer: corrupt Snappy value");
      }
      return out;
    }
    default:
      return absl::DataLossError(
          fmt::format("compression layer: unknown codec tag {:#04x}", tag));
  }
}

namespace {

absl::StatusOr<WriteBatch> EncodeBatch(const WriteBatch& in, const CompressionConfig& c,
                                       AdaptiveCodec* adaptive) {
  WriteBatch out;
  absl::Status s;
  RETURN_IF_ERROR(in.Iterate(
      [&](std::string_view k, std::string_view v) {
        if (s.ok()) s = out.Put(k, EncodeCompressedValue(v, c, adaptive));
      },
      [&](std::string_view k) {
        if (s.ok()) s = out.Delete(k);
      }));
  RETURN_IF_ERROR(s);
  return out;
}

std::unique_ptr<Iterator> NewDecompressingIterator(
    std::unique_ptr<Iterator> inner) {
  return NewDecodingIterator(std::move(inner),
                             [](std::string_view, std::string_view stored) {
                               return DecodeCompressedValue(stored);
                             });
}

class CompressingTransaction final : public Transaction {
 public:
  CompressingTransaction(std::unique_ptr<Transaction> inner, const CompressionConfig& c,
                         std::shared_ptr<AdaptiveCodec> adaptive)
      : inner_(std::move(inner)), config_(c), adaptive_(std::move(adaptive)) {}
  absl::Status Get(std::string_view key, std::string* value) override {
    std::string stored;
    RETURN_IF_ERROR(inner_->Get(key, &stored));
    ASSIGN_OR_RETURN(*value, DecodeCompressedValue(stored));
    return absl::OkStatus();
  }
  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    std::string stored;
    RETURN_IF_ERROR(inner_->GetForUpdate(key, &stored));
    ASSIGN_OR_RETURN(*value, DecodeCompressedValue(stored));
    return absl::OkStatus();
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(ValidateKeyValue(key, value));
    return inner_->Put(key, EncodeCompressedValue(value, config_, adaptive_.get()));
  }
  absl::Status Delete(std::string_view key) override { return inner_->Delete(key); }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    return NewDecompressingIterator(inner_->NewIterator(range));
  }
  absl::Status Commit(const WriteOptions& options) override { return inner_->Commit(options); }
  absl::Status Rollback() override { return inner_->Rollback(); }
  using Transaction::Commit;
  using Transaction::Get;

 private:
  std::unique_ptr<Transaction> inner_;
  const CompressionConfig config_;
  const std::shared_ptr<AdaptiveCodec> adaptive_;
};

class CompressionLayer final : public Store {
 public:
  CompressionLayer(std::unique_ptr<Store> inner, const CompressionConfig& c)
      : inner_(std::move(inner)),
        config_(c),
        adaptive_(c.algorithm == CompressionConfig::Algorithm::kAdaptive
                      ? std::make_shared<AdaptiveCodec>()
                      : nullptr) {}

  std::string Name() const override { return "compression(" + inner_->Name() + ")"; }
  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    PinnableValue stored;
    RETURN_IF_ERROR(inner_->Get(options, key, &stored));
    ASSIGN_OR_RETURN(*value->GetSelf(), DecodeCompressedValue(stored.view()));
    return absl::OkStatus();
  }
  absl::StatusOr<bool> Exists(const ReadOptions& options, std::string_view key) override {
    return inner_->Exists(options, key);
  }
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    RETURN_IF_ERROR(ValidateKeyValue(key, value));  // limits apply to the user's value
    return inner_->Put(options, key, EncodeCompressedValue(value, config_, adaptive_.get()));
  }
  absl::Status Delete(const WriteOptions& options, std::string_view key) override {
    return inner_->Delete(options, key);
  }
  absl::Status Flush() override { return inner_->Flush(); }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override { return inner_->GetSnapshot(); }
  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    ASSIGN_OR_RETURN(WriteBatch encoded, EncodeBatch(batch, config_, adaptive_.get()));
    return inner_->Write(options, encoded);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options, std::span<const std::string_view> keys) override {
    ASSIGN_OR_RETURN(auto values, inner_->BatchGet(options, keys));
    for (auto& v : values) {
      if (v) {
        ASSIGN_OR_RETURN(*v, DecodeCompressedValue(*v));
      }
    }
    return values;
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    return NewDecompressingIterator(inner_->NewIterator(options, range));
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override {
    ASSIGN_OR_RETURN(auto txn, inner_->BeginTransaction(options));
    return std::unique_ptr<Transaction>(
        std::make_unique<CompressingTransaction>(std::move(txn), config_, adaptive_));
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    return inner_->GetProperty(name);
  }
  // Keys are stored as given (only values are encoded): the range carries over.
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    return inner_->CompactRange(begin, end);
  }
  // Keys are stored as given: the range carries over; values decode as on reads.
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    ASSIGN_OR_RETURN(auto stream, inner_->Subscribe(range, options));
    return NewValueDecodingChangeStream(
        std::move(stream),
        [](std::string_view, std::string_view stored) { return DecodeCompressedValue(stored); });
  }

 private:
  std::unique_ptr<Store> inner_;
  const CompressionConfig config_;
  // The adaptive algorithm's measurements, shared with transactions; null
  // for the fixed algorithms.
  const std::shared_ptr<AdaptiveCodec> adaptive_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> NewCompressionLayer(std::unique_ptr<Store> inner,
                                                           const CompressionConfig& config) {
  if (inner == nullptr) return absl::InvalidArgumentError("compression layer: no inner store");
  return std::unique_ptr<Store>(std::make_unique<CompressionLayer>(std::move(inner), config));
}

}  // namespace synapsed::storage::layers
