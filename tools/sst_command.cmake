# `synapsed sst` subcommands; included by tools/CMakeLists.txt.
add_library(synapsed_sst_command STATIC ${CMAKE_CURRENT_LIST_DIR}/sst_command.cc)
target_link_libraries(synapsed_sst_command
  PUBLIC synapsed_sstable CLI11::CLI11
  PRIVATE synapsed_env fmt::fmt nlohmann_json::nlohmann_json absl::strings)
