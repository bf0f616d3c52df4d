# Block cache: Google Benchmark micro-benchmarks (ARC vs LRU lookup hit/miss,
# insert with eviction, 1 and 2 threads) and the trace-driven hit-rate
# comparison (zipfian point reads with periodic full scans).
add_executable(cache_bench ${CMAKE_CURRENT_LIST_DIR}/cache_bench.cc)
target_link_libraries(cache_bench PRIVATE synapsed_cache benchmark::benchmark)
add_executable(cache_trace ${CMAKE_CURRENT_LIST_DIR}/cache_trace.cc)
target_link_libraries(cache_trace PRIVATE synapsed_cache)
