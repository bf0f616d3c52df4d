// DBImpl's encryption operations: master-key rotation, re-encryption of every
// file, and the "encryption.keys" property. The file format and the rules
// they keep are docs/format/encryption.md's ("Native engine file
// encryption"); the registry is engine/key_registry.h.
#include <map>

#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage::engine {

absl::Status DBImpl::Encrypted() const {
  if (keys_ != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      fmt::format("database {} is not encrypted", dir_));
}

absl::Status DBImpl::RotateMasterKey() {
  RETURN_IF_ERROR(Encrypted());
  if (options_.read_only) {
    return absl::FailedPreconditionError(fmt::format("database {} is open read-only", dir_));
  }
  return keys_->RotateMasterKey();
}

absl::Status DBImpl::ReencryptAll() {
  RETURN_IF_ERROR(Encrypted());
  // A new log (even with nothing to flush), L0 tables for what the
  // memtables hold, then every table rewritten: new files, new data keys.
  Writer w;
  w.switch_memtable = true;
  w.new_log_even_if_empty = true;
  RETURN_IF_ERROR(WriteImpl(&w));
  RETURN_IF_ERROR(FlushMemTables());
  RETURN_IF_ERROR(CompactRange(std::nullopt, std::nullopt));
  MutexLock l(&mu_);
  // A new manifest (LogAndApply runs under mu_ too), then the old files go,
  // and their keys with them.
  RETURN_IF_ERROR(versions_->StartNewManifest());
  PublishView();
  DeleteObsoleteFiles();
  return keys_->Persist();
}

std::string DBImpl::EncryptionStatusJson() const {
  nlohmann::json j;
  j["encrypted"] = keys_ != nullptr;
  if (keys_ == nullptr) return j.dump(2);
  j["master_key"] = keys_->master_key_id();
  // Files and bytes per generation (the master key current when the file's
  // data key was made), over the files on disk now.
  std::map<std::string, std::pair<uint64_t, uint64_t>> per;
  auto names = fs_->ListDir(dir_);
  if (names.ok()) {
    std::map<uint64_t, uint64_t> sizes;
    for (const std::string& n : *names) {
      auto p = ParseFileName(n);
      if (!p || !(p->kind == FileKind::kLog || p->kind == FileKind::kTable ||
                  p->kind == FileKind::kManifest)) {
        continue;
      }
      auto size = fs_->GetFileSize(env::JoinPath(dir_, n));
      sizes[p->number] = size.ok() ? *size : 0;
    }
    for (const auto& [generation, numbers] : keys_->Generations()) {
      for (uint64_t number : numbers) {
        auto it = sizes.find(number);
        if (it == sizes.end()) continue;  // deleted; its key leaves KEYS soon
        ++per[generation].first;
        per[generation].second += it->second;
      }
    }
  }
  j["generations"] = nlohmann::json::object();
  for (const auto& [generation, fb] : per) {
    j["generations"][generation] = {{"files", fb.first}, {"bytes", fb.second}};
  }
  return j.dump(2);
}

}  // namespace synapsed::storage::engine
