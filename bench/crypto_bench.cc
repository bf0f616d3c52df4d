// What sealing one small unit costs, per call, on this machine:
//
//   BM_FileCipherSeal/<bytes>    the engine's per-record seal (AES-256-GCM via
//        FileCipher::Sealer: nonce, 24 bytes of associated data, tag), what
//        every encrypted log record pays before its write is acknowledged
//   BM_ChaCha20Poly1305Seal/<bytes>  the other AEAD in OpenSSL 3.0, same shape
//   BM_AesCtrKeystream           AES-256-CTR keystream, 64 KiB per call
//        (bytes/s: a keystream made ahead in bulk costs this per byte)
//   BM_Poly1305OneTimeKey/<bytes>  a Poly1305 tag over 24 + <bytes> bytes under
//        a fresh key per call (EVP_MAC_init with the key each time)
//
// The last two are the parts of a possible cheaper per-record construction;
// they are measured, not used (composing them is a design decision for
// docs/format/encryption.md, not something to do in a benchmark).
// Run: crypto_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "crypto/file_cipher.h"
#include "crypto/secure_key.h"

namespace synapsed::storage::crypto {
namespace {

const unsigned char kKey[32] = {1, 2, 3, 4};

void BM_FileCipherSeal(benchmark::State& state) {
  auto key = SecureKey::FromHex(std::string(64, 'b'));
  if (!key.ok()) return state.SkipWithError("key");
  FileCipher cipher(std::make_shared<const SecureKey>(*std::move(key)), 7, FileKind::kLog);
  FileCipher::Sealer sealer(cipher);
  const std::string record(static_cast<size_t>(state.range(0)), 'r');
  std::string out;
  uint64_t offset = 0;
  for (auto _ : state) {
    out.clear();
    if (!sealer.Seal(offset, UnitKind::kRecord, 0, record, &out).ok()) {
      return state.SkipWithError("seal");
    }
    offset += out.size();
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_FileCipherSeal)->Arg(130)->Arg(1024);

void BM_ChaCha20Poly1305Seal(benchmark::State& state) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  unsigned char nonce[12] = {};
  if (cipher == nullptr || ctx == nullptr ||
      EVP_EncryptInit_ex2(ctx, cipher, kKey, nonce, nullptr) != 1) {
    return state.SkipWithError("ChaCha20-Poly1305 unavailable");
  }
  const std::vector<unsigned char> ad(24, 'a'), in(static_cast<size_t>(state.range(0)), 'r');
  std::vector<unsigned char> out(in.size() + 16);
  uint64_t counter = 0;
  for (auto _ : state) {
    ++counter;
    std::memcpy(nonce, &counter, sizeof(counter));
    int n = 0;
    EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce, nullptr);
    EVP_EncryptUpdate(ctx, nullptr, &n, ad.data(), static_cast<int>(ad.size()));
    EVP_EncryptUpdate(ctx, out.data(), &n, in.data(), static_cast<int>(in.size()));
    EVP_EncryptFinal_ex(ctx, out.data() + n, &n);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + in.size());
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}
BENCHMARK(BM_ChaCha20Poly1305Seal)->Arg(130)->Arg(1024);

void BM_AesCtrKeystream(benchmark::State& state) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const unsigned char counter_block[16] = {};
  if (cipher == nullptr || ctx == nullptr ||
      EVP_EncryptInit_ex2(ctx, cipher, kKey, counter_block, nullptr) != 1) {
    return state.SkipWithError("AES-256-CTR unavailable");
  }
  constexpr int kBytes = 64 << 10;
  const std::vector<unsigned char> zeros(kBytes);
  std::vector<unsigned char> stream(kBytes);
  for (auto _ : state) {
    int n = 0;
    EVP_EncryptUpdate(ctx, stream.data(), &n, zeros.data(), kBytes);
    benchmark::DoNotOptimize(stream.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t{kBytes});
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}
BENCHMARK(BM_AesCtrKeystream);

void BM_Poly1305OneTimeKey(benchmark::State& state) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  EVP_MAC_CTX* ctx = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
  if (ctx == nullptr) return state.SkipWithError("Poly1305 unavailable");
  unsigned char key[32] = {};
  const std::vector<unsigned char> ad(24, 'a'), in(static_cast<size_t>(state.range(0)), 'r');
  unsigned char tag[16];
  uint64_t counter = 0;
  for (auto _ : state) {
    ++counter;
    std::memcpy(key, &counter, sizeof(counter));
    size_t len = 0;
    EVP_MAC_init(ctx, key, sizeof(key), nullptr);
    EVP_MAC_update(ctx, ad.data(), ad.size());
    EVP_MAC_update(ctx, in.data(), in.size());
    EVP_MAC_final(ctx, tag, &len, sizeof(tag));
    benchmark::DoNotOptimize(tag);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_Poly1305OneTimeKey)->Arg(130)->Arg(1024);

}  // namespace
}  // namespace synapsed::storage::crypto

BENCHMARK_MAIN();
