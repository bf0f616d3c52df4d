# Memtable micro-benchmarks (insert at 4/16/64 MiB, Get hit/miss).
add_executable(memtable_bench ${CMAKE_CURRENT_LIST_DIR}/memtable_bench.cc)
target_link_libraries(memtable_bench PRIVATE synapsed_memtable benchmark::benchmark)
