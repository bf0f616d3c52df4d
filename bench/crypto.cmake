# Crypto micro-benchmarks: what sealing one log record costs through the
# engine's FileCipher, against other per-record constructions OpenSSL offers
# (for the design decision on the encrypted write path; docs/performance.md).
find_package(OpenSSL 3.0 REQUIRED)
add_executable(crypto_bench ${CMAKE_CURRENT_LIST_DIR}/crypto_bench.cc)
target_link_libraries(crypto_bench PRIVATE synapsed_crypto OpenSSL::Crypto benchmark::benchmark)
