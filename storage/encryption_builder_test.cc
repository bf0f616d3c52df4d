// The builder's encryption: the envelope layer stacked on every backend but
// native, from code or JSON; native refused until its file encryption
// exists; bad keys refused before anything is opened.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/encryption.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::string_view kMarker = "PLAINTEXT-MARKER-7f3a";

class EncryptionBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_enc_builder_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    key_file_ = WriteKeyFile("db.key", 0600, "k1");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string WriteKeyFile(const std::string& name, mode_t mode,
                           const std::string& id) {
    const std::string path = root_ + "/" + name;
    const std::string text = fmt::format("synapsed-key-file 1\n{} {}\n", id,
                                         std::string(64, id.back()));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    EXPECT_EQ(::fchmod(fd, mode), 0);
    ::close(fd);
    return path;
  }
  EncryptionConfig KeyFile(const std::string& path) {
    EncryptionConfig e;
    e.key_file = path;
    return e;
  }
  // Every file under `dir` as one string.
  static std::string AllBytes(const std::string& dir) {
    std::string all;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in),
                 std::istreambuf_iterator<char>());
    }
    return all;
  }

  std::string root_;
  std::string key_file_;
};

TEST_F(EncryptionBuilderTest, JsonConfigStacksTheEnvelopeUnderTheOtherLayers) {
  ASSERT_OK_AND_ASSIGN(StorageConfig config,
                       StorageConfig::FromJson(fmt::format(
                           R"({{"type": "memory", "cache": {{"policy": "arc"}},
               "compression": {{"enabled": true, "min_size": 0}},
               "encryption": {{"key_file": "{}"}}}})",
                           key_file_)));
  ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(config).Build());
  EXPECT_EQ(store->Name(), "cache(compression(encryption(memory)))");
  ASSERT_OK(store->Put("a", std::string(1000, 'a')));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  EXPECT_EQ(v, std::string(1000, 'a'));
  ASSERT_OK_AND_ASSIGN(std::string keys, store->GetProperty("encryption.keys"));
  EXPECT_EQ(keys, "current=k1 keys=k1 memory=secure_heap");
}

// A user-supplied backend gets the envelope too: the builder cannot know
// that it encrypts anything itself.
TEST_F(EncryptionBuilderTest, UserBackendIsWrapped) {
  ASSERT_OK_AND_ASSIGN(
      auto store, StorageBuilder(StorageConfig::Memory())
                      .WithEncryption(KeyFile(key_file_))
                      .WithBackend([](const StorageConfig&) {
                        return StorageBuilder(StorageConfig::Memory()).Build();
                      })
                      .Build());
  EXPECT_EQ(store->Name(), "encryption(memory)");
}

// The native engine encrypts its files instead of stacking the envelope:
// no marker in any file after flushes and compactions, and a missing, wrong
// or unwanted key is refused with every file left as it was.
TEST_F(EncryptionBuilderTest, NativeEncryptsItsFiles) {
  const std::string dir = root_ + "/native";
  ASSERT_OK_AND_ASSIGN(
      StorageConfig json,
      StorageConfig::FromJson(fmt::format(
          R"({{"type": "native", "path": "{}", "write_buffer_size": 65536,
               "encryption": {{"key_file": "{}"}}}})",
          dir, key_file_)));
  {
    ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(json).Build());
    EXPECT_EQ(store->Name(), "native");
    for (int i = 0; i < 3000; ++i) {
      ASSERT_OK(store->Put(fmt::format("{}-key-{:05}", kMarker, i),
                           fmt::format("{}-value-{}", kMarker, i)));
    }
    ASSERT_OK(store->CompactRange(std::nullopt, std::nullopt));
    ASSERT_OK(store->Put(std::string(kMarker) + "-in-the-log", std::string(kMarker)));
    ASSERT_OK(store->Flush());
    ASSERT_OK(store->Put(std::string(kMarker) + "-only-in-the-log", std::string(kMarker)));
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/KEYS"));
  std::string all = AllBytes(dir);
  EXPECT_EQ(all.find(kMarker), std::string::npos) << "a marker is on disk in clear";
  {
    ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(json).Build());
    ASSERT_OK_AND_ASSIGN(std::string v, store->Get(fmt::format("{}-key-{:05}", kMarker, 1234)));
    EXPECT_EQ(v, fmt::format("{}-value-1234", kMarker));
    ASSERT_OK_AND_ASSIGN(v, store->Get(std::string(kMarker) + "-only-in-the-log"));
    EXPECT_EQ(v, kMarker);
  }
  all = AllBytes(dir);
  EXPECT_THAT(StorageBuilder(StorageConfig::Native(dir)).Build(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is encrypted")));
  EXPECT_THAT(StorageBuilder(StorageConfig::Native(dir))
                  .WithEncryption(KeyFile(WriteKeyFile("other.key", 0600, "k2")))
                  .Build(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("encrypted under master key \"k1\"")));
  EXPECT_EQ(AllBytes(dir), all) << "a refused open changed a file";
  // A plain database opened with a key.
  const std::string plain = root_ + "/plain";
  ASSERT_OK(StorageBuilder(StorageConfig::Native(plain)).Build().status());
  const std::string plain_bytes = AllBytes(plain);
  EXPECT_THAT(StorageBuilder(StorageConfig::Native(plain)).WithEncryption(KeyFile(key_file_)).Build(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is not encrypted")));
  EXPECT_EQ(AllBytes(plain), plain_bytes);
}

TEST_F(EncryptionBuilderTest, BadKeysFailBeforeTheBackendIsOpened) {
  const std::string readable = WriteKeyFile("shared.key", 0644, "k1");
  for (BackendType type : {BackendType::kMemory, BackendType::kRocksDb,
                           BackendType::kLevelDb, BackendType::kSqlite}) {
    if (!StorageBuilder::HasBackend(type)) continue;
    SCOPED_TRACE(BackendTypeName(type));
    StorageConfig c;
    c.type = type;
    if (type != BackendType::kMemory) {
      c.path = root_ + "/" + std::string(BackendTypeName(type));
    }
    EXPECT_THAT(StorageBuilder(c).WithEncryption(KeyFile(readable)).Build(),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         AllOf(HasSubstr(readable), HasSubstr("mode 0644"))));
    EXPECT_THAT(StorageBuilder(c)
                    .WithEncryption(KeyFile(root_ + "/absent.key"))
                    .Build(),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.key")));
    EncryptionConfig two = KeyFile(key_file_);
    two.key_env = "SOME_VAR";
    EXPECT_THAT(StorageBuilder(c).WithEncryption(two).Build(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("exactly one source")));
    if (!c.path.empty()) {
      EXPECT_FALSE(std::filesystem::exists(c.path));
    }
  }
}

// Writes marker values, flushes and compacts, closes.
void Fill(const StorageConfig& c,
          const std::optional<EncryptionConfig>& encryption) {
  StorageBuilder builder(c);
  if (encryption) builder.WithEncryption(*encryption);
  ASSERT_OK_AND_ASSIGN(auto store, builder.Build());
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(store->Put(fmt::format("key{:03}", i),
                         fmt::format("{} {}", kMarker, i)));
  }
  ASSERT_OK(store->Flush());
  absl::Status compacted = store->CompactRange(std::nullopt, std::nullopt);
  ASSERT_TRUE(compacted.ok() || absl::IsUnimplemented(compacted)) << compacted;
}

// On the persistent peers: no plaintext value in any file after flushes and
// compactions (where the same writes without the layer leave it there to be
// found); reopened with the key the data reads back, with another key it is
// refused naming the key id, and without the layer it is ciphertext.
TEST_F(EncryptionBuilderTest, PersistentBackendsHoldNoPlaintext) {
  for (BackendType type :
       {BackendType::kRocksDb, BackendType::kLevelDb, BackendType::kSqlite}) {
    if (!StorageBuilder::HasBackend(type)) continue;
    SCOPED_TRACE(BackendTypeName(type));
    const std::string name(BackendTypeName(type));
    StorageConfig plain, c;
    plain.type = c.type = type;
    // SQLite's path is a file; keep it and its journal in a folder of their
    // own.
    ASSERT_TRUE(std::filesystem::create_directory(root_ + "/plain_" + name));
    ASSERT_TRUE(std::filesystem::create_directory(root_ + "/" + name));
    plain.path = root_ + "/plain_" + name + "/db";
    c.path = root_ + "/" + name + "/db";
    ASSERT_NO_FATAL_FAILURE(Fill(plain, std::nullopt));
    EXPECT_NE(AllBytes(root_ + "/plain_" + name).find(kMarker),
              std::string::npos);
    ASSERT_NO_FATAL_FAILURE(Fill(c, KeyFile(key_file_)));
    EXPECT_EQ(AllBytes(root_ + "/" + name).find(kMarker), std::string::npos);
    {
      ASSERT_OK_AND_ASSIGN(
          auto store,
          StorageBuilder(c).WithEncryption(KeyFile(key_file_)).Build());
      ASSERT_OK_AND_ASSIGN(std::string v, store->Get("key150"));
      EXPECT_EQ(v, fmt::format("{} 150", kMarker));
    }
    {
      ASSERT_OK_AND_ASSIGN(
          auto store,
          StorageBuilder(c)
              .WithEncryption(KeyFile(WriteKeyFile("other.key", 0600, "k2")))
              .Build());
      EXPECT_THAT(store->Get("key150"),
                  StatusIs(absl::StatusCode::kFailedPrecondition,
                           HasSubstr("sealed under master key \"k1\"")));
    }
    {
      ASSERT_OK_AND_ASSIGN(auto raw, StorageBuilder(c).Build());
      ASSERT_OK_AND_ASSIGN(std::string stored, raw->Get("key150"));
      EXPECT_EQ(stored.find(kMarker), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace synapsed::storage
