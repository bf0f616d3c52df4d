// One Zstandard compression and one decompression context per thread.
// ZSTD_compress/ZSTD_decompress set up a context on every call, which costs
// more than compressing a 4 KiB block or a 1 KiB value; the table blocks
// (sstable/block_io.cc) and the compression layer's values
// (layers/compression_layer.cc) reuse these instead. Callers link libzstd.
#ifndef SYNAPSED_UTIL_ZSTD_CONTEXT_H_
#define SYNAPSED_UTIL_ZSTD_CONTEXT_H_

#include <zstd.h>

namespace synapsed::storage {

inline ZSTD_CCtx* ThreadZstdCCtx() {
  struct Owner {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~Owner() { ZSTD_freeCCtx(ctx); }
  };
  thread_local Owner owner;
  return owner.ctx;
}

inline ZSTD_DCtx* ThreadZstdDCtx() {
  struct Owner {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Owner() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Owner owner;
  return owner.ctx;
}

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_ZSTD_CONTEXT_H_
