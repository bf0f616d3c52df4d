# `synapsed sst` subcommands; included by tools/CMakeLists.txt.
add_library(synapsed_sst_command STATIC ${CMAKE_CURRENT_LIST_DIR}/sst_command.cc
            ${CMAKE_CURRENT_LIST_DIR}/file_keys.cc)
target_link_libraries(synapsed_sst_command
  PUBLIC synapsed_sstable synapsed_crypto synapsed_engine CLI11::CLI11
  PRIVATE synapsed_env fmt::fmt nlohmann_json::nlohmann_json absl::strings)
