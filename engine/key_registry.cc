// Encoding (docs/format/encryption.md, "Key registry"):
//
//   registry := header | check | count:varint64 | entry* | checksum:fixed32
//   header   := "synapsed-keys" | version:u8 (1) | id_len:u8 | master_id
//   check    := nonce:12 | tag:16      seal of "" under the master, AD = header
//   entry    := number:varint64 | file_kind:u8 | gen_len:u8 | generation
//               | nonce:12 | wrapped:48
//   wrapped  := seal of the 32-byte data key under the master,
//               AD = header | number:fixed64 | file_kind:u8 | generation
//   checksum := low 32 bits of XXH3-64 of every byte before it
#include "engine/key_registry.h"

#include <cstring>
#include <optional>
#include <utility>

#include "crypto/aead.h"
#include "crypto/random_bytes.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace synapsed::storage::engine {
namespace {

constexpr std::string_view kMagic = "synapsed-keys";
constexpr uint8_t kVersion = 1;

std::string Header(std::string_view master_id) {
  std::string h(kMagic);
  h.push_back(static_cast<char>(kVersion));
  h.push_back(static_cast<char>(master_id.size()));
  h.append(master_id);
  return h;
}

std::string WrapAd(std::string_view header, uint64_t number,
                   crypto::FileKind kind, std::string_view generation) {
  std::string ad(header);
  PutFixed64(&ad, number);
  ad.push_back(static_cast<char>(kind));
  ad.append(generation);
  return ad;
}

absl::StatusOr<crypto::Nonce> RandomNonce() {
  crypto::Nonce n;
  RETURN_IF_ERROR(crypto::RandomBytes(n));
  return n;
}

bool ValidKind(uint8_t k) {
  return k >= static_cast<uint8_t>(crypto::FileKind::kLog) &&
         k <= static_cast<uint8_t>(crypto::FileKind::kManifest);
}

std::string_view KindName(crypto::FileKind k) {
  switch (k) {
    case crypto::FileKind::kLog:
      return "log";
    case crypto::FileKind::kTable:
      return "table";
    case crypto::FileKind::kManifest:
      return "manifest";
  }
  return "?";
}

}  // namespace

absl::StatusOr<bool> KeyRegistry::Exists(env::FileSystem* fs,
                                         const std::string& dir) {
  return fs->FileExists(env::JoinPath(dir, kKeysName));
}

absl::StatusOr<std::unique_ptr<KeyRegistry>> KeyRegistry::Create(
    env::FileSystem* fs, std::string dir,
    std::shared_ptr<const crypto::Keyring> keyring) {
  ASSIGN_OR_RETURN(bool exists, Exists(fs, dir));
  if (exists) {
    return absl::AlreadyExistsError(
        fmt::format("{}: the database already has a key registry", dir));
  }
  std::shared_ptr<const crypto::MasterKey> master = keyring->Current();
  if (master == nullptr) return absl::InvalidArgumentError("the keyring is empty");
  std::unique_ptr<KeyRegistry> r(new KeyRegistry(fs, std::move(dir), std::move(keyring)));
  MutexLock l(&r->mu_);
  r->master_id_ = master->id;
  RETURN_IF_ERROR(r->WriteLocked(*master));
  return r;
}

absl::StatusOr<std::unique_ptr<KeyRegistry>> KeyRegistry::Open(
    env::FileSystem* fs, std::string dir,
    std::shared_ptr<const crypto::Keyring> keyring) {
  const std::string path = env::JoinPath(dir, kKeysName);
  ASSIGN_OR_RETURN(bool exists, fs->FileExists(path));
  if (!exists) return absl::NotFoundError(fmt::format("{}: no key registry", dir));
  ASSIGN_OR_RETURN(std::string bytes, env::ReadFileToString(fs, path));
  ASSIGN_OR_RETURN(KeysContents contents, DecodeKeys(bytes, *keyring, path));
  std::unique_ptr<KeyRegistry> r(new KeyRegistry(fs, std::move(dir), std::move(keyring)));
  MutexLock l(&r->mu_);
  r->master_id_ = std::move(contents.master_id);
  r->entries_ = std::move(contents.entries);
  return r;
}

absl::StatusOr<std::string> EncodeKeys(
    const crypto::MasterKey& master,
    const std::map<uint64_t, KeysEntry>& entries,
    absl::FunctionRef<absl::StatusOr<crypto::Nonce>()> next_nonce) {
  const std::string header = Header(master.id);
  std::string out = header;
  ASSIGN_OR_RETURN(crypto::Nonce nonce, next_nonce());
  out.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  RETURN_IF_ERROR(crypto::AeadSeal(master.key, nonce, header, "", &out));
  PutVarint64(&out, entries.size());
  for (const auto& [number, e] : entries) {
    PutVarint64(&out, number);
    out.push_back(static_cast<char>(e.kind));
    out.push_back(static_cast<char>(e.generation.size()));
    out.append(e.generation);
    ASSIGN_OR_RETURN(nonce, next_nonce());
    out.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
    const auto key = e.key->bytes();
    RETURN_IF_ERROR(crypto::AeadSeal(
        master.key, nonce, WrapAd(header, number, e.kind, e.generation),
        std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), &out));
  }
  PutFixed32(&out, static_cast<uint32_t>(Hash64(out)));
  return out;
}

absl::StatusOr<KeysContents> DecodeKeys(std::string_view bytes,
                                        const crypto::Keyring& keyring,
                                        std::string_view path) {
  auto damaged = [&](size_t offset, std::string_view what) {
    return absl::DataLossError(fmt::format("{}: {} at offset {}", path, what, offset));
  };
  if (bytes.size() < kMagic.size() + 2 + 4 ||
      bytes.substr(0, kMagic.size()) != kMagic) {
    return damaged(0, "not a key registry (bad magic)");
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - 4);
  if (DecodeFixed32(bytes.data() + covered.size()) !=
      static_cast<uint32_t>(Hash64(covered))) {
    return damaged(covered.size(), "checksum mismatch");
  }
  std::string_view in = covered.substr(kMagic.size());
  if (static_cast<uint8_t>(in[0]) != kVersion) {
    return damaged(kMagic.size(), fmt::format("unknown version {}",
                                              static_cast<uint8_t>(in[0])));
  }
  const size_t id_len = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  if (in.size() < id_len + crypto::kNonceSize + crypto::kTagSize) {
    return damaged(kMagic.size() + 2, "truncated header");
  }
  const std::string master_id(in.substr(0, id_len));
  in.remove_prefix(id_len);
  const std::string header = Header(master_id);

  // The master key first: nothing is unwrapped under a wrong one.
  auto master = keyring.Find(master_id);
  if (!master.ok()) {
    std::vector<std::string> ids = keyring.Ids();
    return absl::FailedPreconditionError(fmt::format(
        "{}: the database is encrypted under master key \"{}\", which is not "
        "among the keys given ({})",
        path, master_id, fmt::join(ids, ", ")));
  }
  crypto::Nonce nonce;
  std::memcpy(nonce.data(), in.data(), nonce.size());
  in.remove_prefix(nonce.size());
  std::string empty;
  absl::Status check = crypto::AeadOpen((*master)->key, nonce, header,
                                        in.substr(0, crypto::kTagSize), &empty);
  if (absl::IsUnauthenticated(check)) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: the key given as \"{}\" is not the master key the database was "
        "encrypted with",
        path, master_id));
  }
  RETURN_IF_ERROR(check);
  in.remove_prefix(crypto::kTagSize);

  KeysContents out;
  out.master_id = master_id;
  uint64_t count = 0;
  if (!GetVarint64(&in, &count)) return damaged(covered.size() - in.size(), "bad entry count");
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = covered.size() - in.size();
    uint64_t number = 0;
    if (!GetVarint64(&in, &number) || in.size() < 2) return damaged(at, "truncated entry");
    const uint8_t kind = static_cast<uint8_t>(in[0]);
    const size_t gen_len = static_cast<uint8_t>(in[1]);
    in.remove_prefix(2);
    if (!ValidKind(kind)) return damaged(at, fmt::format("unknown file kind {}", kind));
    constexpr size_t kWrapped = crypto::SecureKey::kSize + crypto::kTagSize;
    if (in.size() < gen_len + crypto::kNonceSize + kWrapped) {
      return damaged(at, "truncated entry");
    }
    KeysEntry e;
    e.kind = static_cast<crypto::FileKind>(kind);
    e.generation.assign(in.substr(0, gen_len));
    in.remove_prefix(gen_len);
    std::memcpy(nonce.data(), in.data(), nonce.size());
    in.remove_prefix(nonce.size());
    std::string plain;
    absl::Status s = crypto::AeadOpen((*master)->key, nonce,
                                      WrapAd(header, number, e.kind, e.generation),
                                      in.substr(0, kWrapped), &plain);
    in.remove_prefix(kWrapped);
    if (absl::IsUnauthenticated(s)) {
      return damaged(at, fmt::format("the data key of file {} does not authenticate", number));
    }
    RETURN_IF_ERROR(s);
    auto key = crypto::SecureKey::Allocate();
    if (key.ok()) std::memcpy(key->mutable_bytes().data(), plain.data(), plain.size());
    crypto::Wipe(plain.data(), plain.size());
    if (!key.ok()) return key.status();
    e.key = std::make_shared<const crypto::SecureKey>(*std::move(key));
    out.entries[number] = std::move(e);
  }
  if (!in.empty()) return damaged(covered.size() - in.size(), "bytes after the last entry");
  return out;
}

absl::Status KeyRegistry::WriteLocked(const crypto::MasterKey& master) {
  ASSIGN_OR_RETURN(std::string out, EncodeKeys(master, entries_, RandomNonce));
  forgotten_ = false;

  const std::string tmp = env::JoinPath(dir_, kKeysTempName);
  RETURN_IF_ERROR(env::WriteStringToFile(fs_, out, tmp, /*sync=*/true));
  SYNAPSED_KILL_POINT("keys.after_temp");
  RETURN_IF_ERROR(fs_->RenameFile(tmp, env::JoinPath(dir_, kKeysName)));
  SYNAPSED_KILL_POINT("keys.after_rename");
  return fs_->SyncDir(dir_);
}

absl::StatusOr<std::shared_ptr<const crypto::FileCipher>> KeyRegistry::NewFile(
    uint64_t number, crypto::FileKind kind) {
  ASSIGN_OR_RETURN(crypto::SecureKey key, crypto::SecureKey::Random());
  MutexLock l(&mu_);
  ASSIGN_OR_RETURN(std::shared_ptr<const crypto::MasterKey> master,
                   keyring_->Find(master_id_));
  KeysEntry e;
  e.kind = kind;
  const std::shared_ptr<const crypto::MasterKey> current = keyring_->Current();
  e.generation = current != nullptr ? current->id : master_id_;
  e.key = std::make_shared<const crypto::SecureKey>(std::move(key));
  std::shared_ptr<const crypto::SecureKey> data_key = e.key;
  std::optional<KeysEntry> previous;
  if (auto it = entries_.find(number); it != entries_.end()) {
    previous = std::move(it->second);
  }
  entries_[number] = std::move(e);
  if (absl::Status s = WriteLocked(*master); !s.ok()) {
    // Not durable: the file must not be written under this key.
    if (previous) {
      entries_[number] = std::move(*previous);
    } else {
      entries_.erase(number);
    }
    return s;
  }
  return std::make_shared<const crypto::FileCipher>(std::move(data_key), number, kind);
}

absl::StatusOr<std::shared_ptr<const crypto::FileCipher>> KeyRegistry::CipherFor(
    uint64_t number, crypto::FileKind kind) const {
  MutexLock l(&mu_);
  auto it = entries_.find(number);
  if (it == entries_.end()) {
    return absl::DataLossError(fmt::format(
        "{}: no data key for {} file {} (the file cannot be decrypted)",
        env::JoinPath(dir_, kKeysName), KindName(kind), number));
  }
  if (it->second.kind != kind) {
    return absl::DataLossError(fmt::format(
        "{}: file {} is recorded as a {} file, not a {} file",
        env::JoinPath(dir_, kKeysName), number, KindName(it->second.kind),
        KindName(kind)));
  }
  return std::make_shared<const crypto::FileCipher>(it->second.key, number, kind);
}

void KeyRegistry::Forget(uint64_t number) {
  MutexLock l(&mu_);
  if (entries_.erase(number) > 0) forgotten_ = true;
}

absl::Status KeyRegistry::Persist() {
  MutexLock l(&mu_);
  if (!forgotten_) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::shared_ptr<const crypto::MasterKey> master,
                   keyring_->Find(master_id_));
  return WriteLocked(*master);
}

absl::Status KeyRegistry::RotateMasterKey() {
  std::shared_ptr<const crypto::MasterKey> current = keyring_->Current();
  if (current == nullptr) return absl::InvalidArgumentError("the keyring is empty");
  MutexLock l(&mu_);
  RETURN_IF_ERROR(WriteLocked(*current));
  master_id_ = current->id;
  return absl::OkStatus();
}

std::string KeyRegistry::master_key_id() const {
  MutexLock l(&mu_);
  return master_id_;
}

std::map<std::string, std::vector<uint64_t>> KeyRegistry::Generations() const {
  MutexLock l(&mu_);
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& [number, e] : entries_) out[e.generation].push_back(number);
  return out;
}

}  // namespace synapsed::storage::engine
