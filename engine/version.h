// Version: an immutable list of the live tables per level, and what reads
// do with it. VersionSet: the current Version, the MANIFEST that records
// every change to it, and the CURRENT file that names the manifest.
//
// Readers pin a Version through a shared_ptr for as long as they read
// (a Get, an iterator's life); the tables it lists are not deleted while any
// pinned version lists them (VersionSet::LiveFiles).
//
// Durability (the leveldb#189/#333 failures): a new manifest is synced and
// its directory entry synced before CURRENT names it; CURRENT is replaced by
// writing CURRENT.tmp, syncing it, renaming it over CURRENT and syncing the
// directory. Every edit is synced before LogAndApply returns.
//
// Thread safety: Version is immutable and thread-safe. VersionSet's
// Create, Recover, StartNewManifest, LogAndApply and SetLastSequence must
// be serialized by the caller: the engine calls them during Open, before
// any other thread exists, and afterwards only under DBImpl::mu_
// (engine/db_impl.h). current(), LiveFiles() and the file number counter
// may be called from any thread.
#ifndef SYNAPSED_ENGINE_VERSION_H_
#define SYNAPSED_ENGINE_VERSION_H_

#include <atomic>
#include <list>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "compaction/file_metadata.h"
#include "compaction/merging_iterator.h"
#include "engine/key_registry.h"
#include "engine/version_edit.h"
#include "memtable/memtable.h"
#include "synapsed/storage/pinnable_value.h"
#include "sstable/table_cache.h"
#include "wal/log_writer.h"

namespace synapsed::storage::engine {

using compaction::FileRef;
using compaction::InternalIterator;
using compaction::LsmShape;

class Version {
 public:
  explicit Version(LsmShape shape) : shape_(std::move(shape)) {}

  const LsmShape& shape() const { return shape_; }
  int NumFiles(int level) const { return static_cast<int>(shape_.levels[level].size()); }

  // The newest version of `user_key` with sequence <= `seq` in the tables:
  // kFound (value in *value), kDeleted, or kNotPresent; `l0_misses` counts
  // the L0 tables probed that did not hold the key. Values of at least
  // kPinThreshold bytes are pinned in their block (no copy); smaller ones
  // are copied, which is cheaper than the pin's reference counting.
  static constexpr size_t kPinThreshold = 1024;
  absl::StatusOr<memtable::LookupResult> Get(sstable::TableCache* tables,
                                             const sstable::ReadOptions& options,
                                             std::string_view user_key,
                                             SequenceNumber seq,
                                             PinnableValue* value,
                                             SequenceNumber* found_seq = nullptr,
                                             int* l0_misses = nullptr) const;

  // One key of a batched lookup: in, the user key; out, what Get would
  // return (the value copied).
  struct BatchKey {
    std::string_view user_key;
    size_t index = 0;  // the caller's position of the key
    memtable::LookupResult result = memtable::LookupResult::kNotPresent;
    std::string value;  // when kFound
  };
  // Get for each of `keys`, sorted by user key, at `seq`. L0's tables,
  // newest first, are each asked once for all the undecided keys in their
  // range (TableReader::MultiGet). Each deeper level looks its undecided
  // keys up in stages over all of them (TableReader's staged Get): every
  // key's filter line is loaded, then each key's data block is found
  // (TableReader::FindDataBlock), then the data blocks are read and sought
  // in lockstep (BlockIterator::SeekAll), so the cache misses of keys in
  // different tables overlap.
  [[nodiscard]] absl::Status MultiGet(sstable::TableCache* tables,
                                      const sstable::ReadOptions& options,
                                      SequenceNumber seq,
                                      std::span<BatchKey> keys) const;

  // Iterators over every table: one per L0 file, one concatenating
  // iterator per non-empty deeper level.
  void AddIterators(sstable::TableCache* tables, const sstable::ReadOptions& options,
                    std::vector<std::unique_ptr<InternalIterator>>* out) const;

  // "L0: 2 files 1.2 MB ..." one line per non-empty level.
  std::string DebugString() const;

 private:
  const LsmShape shape_;
};

// An iterator over the tables of one sorted level (L1+), opening each
// table as it is reached. The Version must outlive it.
std::unique_ptr<InternalIterator> NewLevelIterator(
    sstable::TableCache* tables, const sstable::ReadOptions& options,
    const std::vector<FileRef>* files);

class VersionSet {
 public:
  // `keys`: an encrypted database's key registry (null: plain); must outlive
  // the set.
  VersionSet(env::FileSystem* fs, std::string dir, sstable::TableCache* tables,
             KeyRegistry* keys = nullptr);
  ~VersionSet();

  // A new, empty database: writes MANIFEST and CURRENT.
  [[nodiscard]] absl::Status Create();
  // Loads the state CURRENT's manifest records (a read-write open then
  // starts a new manifest holding a snapshot of it, so manifests never grow
  // past one session). DataLoss (naming the file) when CURRENT or the manifest is missing or
  // corrupt: never an empty database.
  // Writes nothing: call StartNewManifest() (read-write opens) before any
  // new file, after marking every file number found in the directory as
  // used (the engine replays the logs in between). The replay
  // and its corruption rules are engine/manifest_replay.h's, shared with
  // `synapsed manifest dump`.
  [[nodiscard]] absl::Status Recover();
  // Starts a new manifest holding a snapshot of the current state, names it
  // in CURRENT, and appends later edits to it.
  [[nodiscard]] absl::Status StartNewManifest();

  // Records `edit` in the manifest (synced) and installs the Version it
  // makes. Fills in next_file_number and last_sequence. After a failure the
  // manifest's state is unknown: the error is sticky.
  [[nodiscard]] absl::Status LogAndApply(VersionEdit* edit);
  // The sticky error of a failed LogAndApply; OK while the manifest is
  // healthy. REQUIRES: the caller serialises with LogAndApply (the DB's mu_).
  const absl::Status& manifest_error() const { return manifest_error_; }

  std::shared_ptr<const Version> current() const;
  uint64_t NewFileNumber() { return next_file_number_.fetch_add(1); }
  void MarkFileNumberUsed(uint64_t number);
  uint64_t log_number() const { return log_number_; }
  SequenceNumber last_sequence() const { return last_sequence_; }
  void SetLastSequence(SequenceNumber s) { last_sequence_ = s; }
  uint64_t manifest_number() const { return manifest_number_; }
  // Numbers of every table listed by a version someone still holds.
  std::set<uint64_t> LiveFiles() const;

 private:
  absl::StatusOr<std::shared_ptr<const Version>> Apply(const Version& base,
                                                        const VersionEdit& edit) const;
  absl::Status WriteSnapshotManifest();
  void Install(std::shared_ptr<const Version> v);

  env::FileSystem* const fs_;
  const std::string dir_;
  sstable::TableCache* const tables_;
  KeyRegistry* const keys_;

  std::atomic<uint64_t> next_file_number_{2};
  std::atomic<uint64_t> log_number_{0};
  std::atomic<SequenceNumber> last_sequence_{0};
  uint64_t manifest_number_ = 0;
  std::unique_ptr<wal::LogWriter> manifest_;
  std::shared_ptr<const crypto::FileCipher> manifest_cipher_;  // manifest_'s
  absl::Status manifest_error_;

  mutable Mutex mu_;
  std::shared_ptr<const Version> current_ ABSL_GUARDED_BY(mu_);
  mutable std::list<std::weak_ptr<const Version>> all_ ABSL_GUARDED_BY(mu_);
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_VERSION_H_
