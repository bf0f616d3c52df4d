// ShardMutex: the reader/writer lock of one cache shard: an absl::Mutex that
// ThreadSanitizer can see.
//
// Debian's libabsl is not built with -fsanitize=thread, so absl::Mutex's lock
// and unlock are invisible to TSan and every structure it guards reports
// false races. In TSan builds this wrapper tells TSan about each lock and
// unlock through its mutex annotation API; in other builds the annotations
// compile to nothing and this is exactly absl::Mutex. The clang thread-safety
// attributes make it usable with ABSL_GUARDED_BY like absl::Mutex.
//
// Thread safety: it is a mutex.
#ifndef SYNAPSED_CACHE_SHARD_MUTEX_H_
#define SYNAPSED_CACHE_SHARD_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#if defined(__SANITIZE_THREAD__)
#define SYNAPSED_CACHE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNAPSED_CACHE_TSAN 1
#endif
#endif

#ifdef SYNAPSED_CACHE_TSAN
#include <sanitizer/tsan_interface.h>
#define SYNAPSED_TSAN_MUTEX(call) call
#else
#define SYNAPSED_TSAN_MUTEX(call) \
  do {                            \
  } while (0)
#endif

namespace synapsed::storage::cache::internal {

class ABSL_LOCKABLE ShardMutex {
 public:
  ShardMutex() { SYNAPSED_TSAN_MUTEX(__tsan_mutex_create(this, 0)); }
  ~ShardMutex() { SYNAPSED_TSAN_MUTEX(__tsan_mutex_destroy(this, 0)); }
  ShardMutex(const ShardMutex&) = delete;
  ShardMutex& operator=(const ShardMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_pre_lock(this, 0));
    mu_.Lock();
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_post_lock(this, 0, 0));
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_pre_unlock(this, 0));
    mu_.Unlock();
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_post_unlock(this, 0));
  }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() {
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_pre_lock(this, __tsan_mutex_read_lock));
    mu_.ReaderLock();
    SYNAPSED_TSAN_MUTEX(
        __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0));
  }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() {
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock));
    mu_.ReaderUnlock();
    SYNAPSED_TSAN_MUTEX(__tsan_mutex_post_unlock(this, __tsan_mutex_read_lock));
  }

 private:
  absl::Mutex mu_;
};

// Scoped exclusive and shared locks on a ShardMutex.
class ABSL_SCOPED_LOCKABLE ShardLock {
 public:
  explicit ShardLock(ShardMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->Lock();
  }
  ~ShardLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  ShardLock(const ShardLock&) = delete;
  ShardLock& operator=(const ShardLock&) = delete;

 private:
  ShardMutex* const mu_;
};

class ABSL_SCOPED_LOCKABLE ShardReaderLock {
 public:
  explicit ShardReaderLock(ShardMutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->ReaderLock();
  }
  ~ShardReaderLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ShardReaderLock(const ShardReaderLock&) = delete;
  ShardReaderLock& operator=(const ShardReaderLock&) = delete;

 private:
  ShardMutex* const mu_;
};

}  // namespace synapsed::storage::cache::internal

#undef SYNAPSED_TSAN_MUTEX

#endif  // SYNAPSED_CACHE_SHARD_MUTEX_H_
