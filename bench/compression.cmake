# Compression micro-benchmarks (target compression_bench): fixed codecs and
# the adaptive modes of the table builder and of the value layer, on three
# data sets; included by bench/CMakeLists.txt. docs/performance.md has a run.
if(TARGET synapsed_sstable AND TARGET synapsed_layers)
  add_executable(compression_bench ${CMAKE_CURRENT_LIST_DIR}/compression_bench.cc)
  target_link_libraries(compression_bench PRIVATE synapsed_db_bench synapsed_layers
                        synapsed_sstable synapsed_util benchmark::benchmark)
endif()
