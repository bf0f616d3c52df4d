// A FileSystem wrapper that simulates power loss and I/O errors, for crash
// tests (modelled on LevelDB's fault_injection_test and RocksDB's
// FaultInjectionTestFS).
//
// What it remembers, per file written through it: how many bytes were synced.
// Per directory: the creations, deletions and renames made since the last
// SyncDir of that directory. Files it never saw written count as durable.
//
// SimulatePowerLoss() makes the wrapped file system look as it would after a
// power cut: every written file is cut back to its synced length (optionally
// keeping a random prefix of the unsynced bytes, as a partially written-back
// page cache would, and optionally losing random pages of that prefix), and
// a file its writer preallocated (WritableFile::Preallocate) keeps its
// synced zero tail up to the size it had; the directory changes not made
// durable by SyncDir are undone, newest
// first: created files disappear, deleted files come back, renames are
// reverted (the target's previous file comes back). By default every such
// change is undone; with PowerCut::directory_subsets each is kept or undone
// at random, as a file system that writes directory blocks back in any order
// may leave them (the rename of CURRENT kept, the creation of the manifest
// it names lost). An undo that would contradict a kept later change (bring
// back a file where a kept change put another) is not made. Deleted and
// overwritten files are kept under hidden names (".fi-trash-N") until then;
// ListDir never shows them.
//
// Error injection: FailNth(kind, n) makes the n-th next operation of a kind
// (counting from 1) fail with Unavailable ("injected I/O error"); after a
// Freeze() every mutating operation fails, which models the moment of a crash
// (nothing after it reaches the disk). Operations: see OpKind.
//
// A full disk: SetNoSpace(pattern) makes every append to a file whose
// name contains `pattern` ("" for every file) fail with ResourceExhausted
// "No space left on device", as the posix file system reports ENOSPC,
// until SetNoSpace(nullopt) frees the space. Nothing of the failed append
// is written.
//
// FlipBit() corrupts one bit of a file on the wrapped system.
//
// WritableFileOptions::use_mmap is not passed on: files are written with
// write(2), whose effects a simulated power cut can undo.
//
// Thread-safe. Open file objects must not outlive the wrapper.
#ifndef SYNAPSED_ENV_FAULT_INJECTION_ENV_H_
#define SYNAPSED_ENV_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "env/env.h"
#include "util/random.h"

namespace synapsed::storage::env {

enum class OpKind : int {
  kAppend = 0,
  kSync = 1,
  kCreate = 2,  // NewWritableFile / NewAppendableFile
  kRead = 3,    // any read through a file opened for reading
  kRename = 4,
  kDelete = 5,
  kSyncDir = 6,
  kPreallocate = 7,  // WritableFile::Preallocate (writes synced zeros)
  kCount = 8,
};

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // `base` must outlive this wrapper.
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}
  ~FaultInjectionFileSystem() override;

  // --- fault control ---------------------------------------------------------
  // Fails the n-th next operation of `kind` (n >= 1); 0 clears it.
  void FailNth(OpKind kind, int n);
  // Every mutating operation fails until Unfreeze() (reads still work).
  void Freeze();
  void Unfreeze();
  // Appends to files whose base name contains `pattern` fail with ENOSPC's
  // status until cleared with nullopt (above).
  void SetNoSpace(std::optional<std::string> pattern);
  // How many operations of `kind` were attempted so far.
  int OpCount(OpKind kind) const;

  struct PowerCut {
    // Each file keeps a random prefix of its unsynced bytes instead of none.
    Random* rnd = nullptr;
    // With rnd: each whole page (kPageSize bytes, aligned) of that kept
    // prefix past the synced length is lost with probability 1/4 and reads
    // as zeros, as a page cache written back in any order leaves a file.
    // Synced bytes are never touched.
    bool out_of_order_pages = false;
    // With rnd: each unsynced directory change is kept or undone at random
    // (above) instead of all undone.
    bool directory_subsets = false;
  };
  // Drops what a power cut would. Open writable files must have been closed
  // or abandoned (they will fail all further operations).
  absl::Status SimulatePowerLoss(const PowerCut& cut);
  absl::Status SimulatePowerLoss(Random* rnd = nullptr) {
    return SimulatePowerLoss(PowerCut{.rnd = rnd});
  }
  static constexpr uint64_t kPageSize = 4096;
  // Forgets all tracking: everything now on the base counts as durable.
  void MarkAllDurable();
  // Bytes written but not synced, over all files.
  uint64_t UnsyncedBytes() const;

  // Flips bit `bit` (0..7) of byte `offset` in `path`.
  absl::Status FlipBit(const std::string& path, uint64_t offset, int bit);

  // --- FileSystem ------------------------------------------------------------
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path,
      const WritableFileOptions& options = {}) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path,
      const WritableFileOptions& options = {}) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions& options = {}) override;
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override;
  absl::StatusOr<bool> FileExists(const std::string& path) override;
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override;
  absl::Status DeleteFile(const std::string& path) override;
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override;
  absl::Status Truncate(const std::string& path, uint64_t size) override;
  absl::Status CreateDirIfMissing(const std::string& dir) override;
  absl::Status DeleteDir(const std::string& dir) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override;

  // Called by the wrapper's files.
  absl::Status MaybeFail(OpKind kind, const std::string& path);
  // As MaybeFail, and fails a writer opened before the last power loss.
  absl::Status MaybeFailWrite(OpKind kind, const std::string& path,
                              uint64_t generation);
  void OnAppend(const std::string& path, uint64_t new_size, uint64_t generation);
  void OnSync(const std::string& path, uint64_t size, uint64_t generation);
  void OnPreallocate(const std::string& path, uint64_t generation);

 private:
  struct FileState {
    uint64_t size = 0;         // bytes written through the wrapper
    uint64_t synced_size = 0;  // bytes durable
    uint64_t generation = 0;   // bumped when the path is re-created
    uint64_t identity = 0;     // which file this is; kept across renames
    // Preallocated by its writer: the base file's bytes past its logical
    // end are synced zeros, so a power cut leaves them (and any page lost
    // inside them reads as zeros).
    bool preallocated = false;
  };
  // A directory change not yet made durable by SyncDir.
  struct DirOp {
    enum Kind { kCreate, kDelete, kRename };
    DirOp(Kind k, std::string p, std::string f = {})
        : kind(k), path(std::move(p)), from(std::move(f)) {}
    Kind kind;
    std::string path;        // created / deleted path, or rename target
    std::string from;        // rename source
    std::string trash;       // where the deleted / overwritten file waits
    bool had_state = false;  // `saved` is meaningful
    FileState saved;         // tracking of the deleted / overwritten file
    uint64_t identity = 0;   // the created or renamed file (0: untracked)
  };
  // Undoes `op` where that contradicts no kept later change.
  absl::Status UndoLocked(const DirOp& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `path` holds the file `identity` (0: exists at all).
  absl::StatusOr<bool> HoldsLocked(const std::string& path, uint64_t identity)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::string TrashPathLocked(const std::string& near)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MoveToTrashLocked(const std::string& path, DirOp* op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      const std::string& path, const WritableFileOptions& options,
      bool truncate);

  FileSystem* const base_;
  mutable Mutex mu_;
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<DirOp>> dir_ops_ ABSL_GUARDED_BY(mu_);
  int fail_countdown_[static_cast<int>(OpKind::kCount)] ABSL_GUARDED_BY(mu_) = {};
  int op_count_[static_cast<int>(OpKind::kCount)] ABSL_GUARDED_BY(mu_) = {};
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<std::string> no_space_ ABSL_GUARDED_BY(mu_);
  uint64_t next_trash_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_identity_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_FAULT_INJECTION_ENV_H_
