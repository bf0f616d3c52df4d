#include "security/audit_log.h"

#include <string>
#include <utility>
#include <vector>

#include "crypto/key_file.h"
#include "fmt/format.h"
#include "security/audit_checkpoint.h"
#include "security/audit_format.h"
#include "security/audit_verify.h"
#include "util/mutex.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {
namespace {

class FileAuditLog final : public AuditLog {
 public:
  FileAuditLog(AuditConfig config, env::FileSystem* fs,
               std::function<absl::Time()> now, crypto::SecureKey key)
      : config_(std::move(config)),
        fs_(fs),
        now_(std::move(now)),
        key_(std::move(key)) {}

  ~FileAuditLog() override {
    MutexLock lock(&mu_);
    if (file_ == nullptr) return;
    // A last checkpoint, so that the tail written since the previous one
    // is covered; nowhere to report a failure, and the records stay.
    if (since_checkpoint_ > 0) (void)CheckpointLocked();
    (void)file_->Close();
  }

  // Opens (or creates) the file and continues its chain.
  absl::Status Open() ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(bool exists, fs_->FileExists(config_.path));
    if (exists) {
      ASSIGN_OR_RETURN(std::string contents,
                       env::ReadFileToString(fs_, config_.path));
      const AuditVerdict v = VerifyAudit(contents);
      if (!v.ok && !v.torn_tail) {
        return absl::DataLossError(
            fmt::format("audit file {}: sequence {} fails: {}; refusing to "
                        "append to it (run "
                        "`synapsed audit verify`)",
                        config_.path, v.first_bad_seq, v.reason));
      }
      if (v.version != kAuditVersion) {
        return absl::FailedPreconditionError(fmt::format(
            "audit file {} is format version {}; this build appends only to "
            "version {} files: move it aside (it still verifies) and a new "
            "one is started",
            config_.path, v.version, kAuditVersion));
      }
      if (!v.ok) RETURN_IF_ERROR(fs_->Truncate(config_.path, v.good_bytes));
      seq_ = v.records;
      head_ = v.head;
      ASSIGN_OR_RETURN(file_, fs_->NewAppendableFile(config_.path));
    } else {
      ASSIGN_OR_RETURN(file_, fs_->NewWritableFile(config_.path));
      RETURN_IF_ERROR(file_->AppendAndSync(kAuditHeader));
      RETURN_IF_ERROR(fs_->SyncDir(env::DirName(config_.path)));
    }
    last_checkpoint_ = now_();
    return absl::OkStatus();
  }

  absl::Status Record(const AuditEvent& event) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    const absl::Time now = now_();  // the record's time, and the checkpoint clock
    AuditRecord r;
    r.time_us = static_cast<uint64_t>(absl::ToUnixMicros(now));
    r.principal = event.principal;
    r.operation = event.operation;
    r.count = event.count;
    r.code = static_cast<uint8_t>(event.code);
    r.commit_seq = event.commit_sequence;
    if (event.key) {
      ASSIGN_OR_RETURN(r.key, Shown(*event.key, &r.key_kind));
    }
    if (event.is_range) {
      r.end_kind = EndKind::kOpen;
      if (event.range_end) {
        KeyKind kind;
        ASSIGN_OR_RETURN(r.end, Shown(*event.range_end, &kind));
        r.end_kind = kind == KeyKind::kHmac ? EndKind::kHmac : EndKind::kClear;
      }
    }
    MutexLock lock(&mu_);
    if (!sticky_.ok()) return sticky_;
    r.seq = seq_ + 1;
    Digest hash;
    frame_.clear();
    RETURN_IF_ERROR(AppendFramedRecord(head_, r, &frame_, &hash));
    absl::Status s = file_->Append(frame_);
    if (s.ok() && event.sync) s = file_->Sync();
    if (!s.ok()) {
      // The chain cannot go on past a record that may be half written.
      sticky_ = absl::UnavailableError(fmt::format(
          "audit file {}: {}", config_.path, std::string(s.message())));
      return sticky_;
    }
    seq_ = r.seq;
    head_ = hash;
    ++since_checkpoint_;
    const bool by_count = config_.checkpoint_every_records > 0 &&
                          since_checkpoint_ >= config_.checkpoint_every_records;
    const bool by_time =
        config_.checkpoint_every_seconds > 0 &&
        now - last_checkpoint_ >= absl::Seconds(static_cast<int64_t>(
                                         config_.checkpoint_every_seconds));
    if (by_count || by_time) return CheckpointLocked();
    return absl::OkStatus();
  }

  absl::Status Checkpoint() override ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return CheckpointLocked();
  }

  uint64_t LastSequence() const override ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return seq_;
  }

 private:
  // `key` as the record shows it: in clear, or its HMAC if sensitive.
  absl::StatusOr<std::string> Shown(std::string_view key, KeyKind* kind) const {
    for (const std::string& p : config_.sensitive_prefixes) {
      if (!key.starts_with(p)) continue;
      *kind = KeyKind::kHmac;
      ASSIGN_OR_RETURN(Digest mac,
                       HmacSha256(key_.bytes(), kKeyMacDomain, key));
      return std::string(AsBytes(mac));
    }
    *kind = KeyKind::kClear;
    return std::string(key);
  }

  absl::Status CheckpointLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!sticky_.ok()) return sticky_;
    // The records a checkpoint covers are durable before it is exported.
    RETURN_IF_ERROR(file_->Sync());
    ASSIGN_OR_RETURN(std::string line,
                     FormatCheckpoint(key_.bytes(), seq_, head_));
    if (!config_.checkpoint_path.empty()) {
      ASSIGN_OR_RETURN(bool exists, fs_->FileExists(config_.checkpoint_path));
      ASSIGN_OR_RETURN(auto out,
                       exists ? fs_->NewAppendableFile(config_.checkpoint_path)
                              : fs_->NewWritableFile(config_.checkpoint_path));
      RETURN_IF_ERROR(out->AppendAndSync(line));
      RETURN_IF_ERROR(out->Close());
      if (!exists)
        RETURN_IF_ERROR(fs_->SyncDir(env::DirName(config_.checkpoint_path)));
    }
    if (config_.checkpoint_sink != nullptr)
      config_.checkpoint_sink->Export(line);
    since_checkpoint_ = 0;
    last_checkpoint_ = now_();
    return absl::OkStatus();
  }

  const AuditConfig config_;
  env::FileSystem* const fs_;
  const std::function<absl::Time()> now_;
  const crypto::SecureKey key_;
  mutable Mutex mu_;
  std::unique_ptr<env::WritableFile> file_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  Digest head_ ABSL_GUARDED_BY(mu_){};
  std::string frame_ ABSL_GUARDED_BY(mu_);  // the record being written, reused
  uint64_t since_checkpoint_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_checkpoint_ ABSL_GUARDED_BY(mu_);
  absl::Status sticky_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(
    const AuditConfig& config, env::FileSystem* fs,
    std::function<absl::Time()> now) {
  if (config.path.empty()) return absl::InvalidArgumentError("audit: no path");
  if (config.hmac_key_file.empty())
    return absl::InvalidArgumentError("audit: no hmac_key_file");
  if (config.checkpoint_path.empty() && config.checkpoint_sink == nullptr) {
    return absl::InvalidArgumentError(
        "audit: no checkpoint_path or checkpoint_sink: the checkpoints must go "
        "somewhere");
  }
  ASSIGN_OR_RETURN(std::vector<crypto::MasterKey> keys,
                   crypto::ReadKeyFile(config.hmac_key_file));
  if (fs == nullptr) fs = env::DefaultFileSystem();
  if (!now) now = absl::Now;
  auto log = std::make_unique<FileAuditLog>(config, fs, std::move(now),
                                            std::move(keys.back().key));
  RETURN_IF_ERROR(log->Open());
  return std::unique_ptr<AuditLog>(std::move(log));
}

}  // namespace synapsed::storage::security
