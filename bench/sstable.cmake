# SSTable micro-benchmarks (target sstable_bench); included by
# bench/CMakeLists.txt.
if(TARGET synapsed_sstable AND TARGET synapsed_cache)
  add_executable(sstable_bench ${CMAKE_CURRENT_LIST_DIR}/sstable_bench.cc)
  target_link_libraries(sstable_bench PRIVATE synapsed_sstable synapsed_cache
                        benchmark::benchmark PkgConfig::LZ4 PkgConfig::ZSTD)
endif()
