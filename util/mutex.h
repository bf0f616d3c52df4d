// Mutex, MutexLock, ReaderMutexLock and CondVar: absl::Mutex and
// absl::CondVar that ThreadSanitizer can see.
//
// Debian's libabsl is not built with -fsanitize=thread, so absl::Mutex's
// lock and unlock are invisible to TSan and everything it guards reports
// false races. In TSan builds these wrappers announce every lock, unlock and
// condition wait through TSan's mutex annotation API; in other builds the
// annotations compile to nothing and these are exactly absl's types. The
// thread-safety attributes make them work with ABSL_GUARDED_BY and friends:
// Mutex is ABSL_LOCKABLE with annotated Lock/Unlock, MutexLock and
// ReaderMutexLock are ABSL_SCOPED_LOCKABLE, so clang's analysis follows a
// lock taken through the wrapper exactly as through absl::Mutex.
// scripts/check_thread_safety.sh compiles every library with
// -Wthread-safety -Werror=thread-safety to keep it that way. A lambda run
// under a caller's lock must say so (ABSL_EXCLUSIVE_LOCKS_REQUIRED on the
// lambda): the analysis checks each lambda as a function of its own.
// (cache/shard_mutex.h does the same for the cache's shards.)
#ifndef SYNAPSED_UTIL_MUTEX_H_
#define SYNAPSED_UTIL_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define SYNAPSED_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNAPSED_TSAN 1
#endif
#endif

#ifdef SYNAPSED_TSAN
#include <sanitizer/tsan_interface.h>
#define SYNAPSED_TSAN_ANNOTATE(call) call
#else
#define SYNAPSED_TSAN_ANNOTATE(call) \
  do {                               \
  } while (0)
#endif

namespace synapsed::storage {

class CondVar;

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() { SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_create(this, 0)); }
  ~Mutex() { SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_destroy(this, 0)); }
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, 0));
    mu_.Lock();
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_lock(this, 0, 0));
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(this, 0));
    mu_.Unlock();
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_unlock(this, 0));
  }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, __tsan_mutex_read_lock));
    mu_.ReaderLock();
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0));
  }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock));
    mu_.ReaderUnlock();
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_unlock(this, __tsan_mutex_read_lock));
  }
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.AssertHeld(); }

 private:
  friend class CondVar;
  absl::Mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(Mutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable for Mutex: Wait releases the (exclusively held) mutex
// while blocked and holds it again on return.
class CondVar {
 public:
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(mu, 0));
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_unlock(mu, 0));
    cv_.Wait(&mu->mu_);
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_lock(mu, 0));
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_lock(mu, 0, 0));
  }
  // False if it timed out.
  bool WaitWithTimeout(Mutex* mu, absl::Duration timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(mu, 0));
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_unlock(mu, 0));
    const bool timed_out = cv_.WaitWithTimeout(&mu->mu_, timeout);
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_pre_lock(mu, 0));
    SYNAPSED_TSAN_ANNOTATE(__tsan_mutex_post_lock(mu, 0, 0));
    return !timed_out;
  }
  void Signal() { cv_.Signal(); }
  void SignalAll() { cv_.SignalAll(); }

 private:
  absl::CondVar cv_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_MUTEX_H_
