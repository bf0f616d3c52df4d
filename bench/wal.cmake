# WAL micro-benchmarks: record append throughput (io_uring vs pwrite fallback,
# buffered vs unbuffered), synced appends, and the fdatasync floor.
add_executable(wal_bench ${CMAKE_CURRENT_LIST_DIR}/wal_bench.cc)
target_link_libraries(wal_bench PRIVATE synapsed_wal synapsed_env benchmark::benchmark)
