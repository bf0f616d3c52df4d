# `cmake --install`: the public headers, the module libraries, a CMake
# package (find_package(synapsed_storage) → synapsed::storage) and a
# pkg-config file (synapsed-storage.pc). Included by the top-level
# CMakeLists once every module is defined.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SYNAPSED_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/synapsed_storage)
get_property(_targets GLOBAL PROPERTY SYNAPSED_INSTALLED_TARGETS)
get_property(_headers GLOBAL PROPERTY SYNAPSED_PUBLIC_HEADERS)

install(TARGETS ${_targets} EXPORT synapsed_storage_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Only the headers modules declare public (synapsed_public_headers); the
# internal ones stay in the source tree.
install(FILES ${_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/synapsed/storage)
install(EXPORT synapsed_storage_targets NAMESPACE synapsed::
        FILE synapsed_storageTargets.cmake DESTINATION ${SYNAPSED_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/synapsed_storageConfig.cmake.in
  ${PROJECT_BINARY_DIR}/synapsed_storageConfig.cmake
  INSTALL_DESTINATION ${SYNAPSED_CMAKE_DIR})
# 0.x: a minor version may break the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/synapsed_storageConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/synapsed_storageConfig.cmake
              ${PROJECT_BINARY_DIR}/synapsed_storageConfigVersion.cmake
        DESTINATION ${SYNAPSED_CMAKE_DIR})

# pkg-config: static libraries, so Libs lists every module (users first) and
# Requires every dependency that has a .pc file; LevelDB has none in Debian
# and is linked by name.
set(SYNAPSED_PC_LIBS "")
foreach(t storage security layers backends engine compaction sstable cache wal memtable env crypto api util)
  string(APPEND SYNAPSED_PC_LIBS " -lsynapsed_${t}")
endforeach()
set(SYNAPSED_PC_REQUIRES "absl_status absl_statusor absl_strings absl_synchronization")
string(APPEND SYNAPSED_PC_REQUIRES " absl_time absl_flat_hash_map absl_flat_hash_set")
string(APPEND SYNAPSED_PC_REQUIRES " absl_inlined_vector fmt libxxhash liblz4 libzstd liburing snappy")
string(APPEND SYNAPSED_PC_REQUIRES " libcrypto")
set(SYNAPSED_PC_EXTRA_LIBS "")
if(SYNAPSED_WITH_ROCKSDB)
  string(APPEND SYNAPSED_PC_REQUIRES " rocksdb")
endif()
if(SYNAPSED_WITH_SQLITE)
  string(APPEND SYNAPSED_PC_REQUIRES " sqlite3")
endif()
if(SYNAPSED_WITH_LEVELDB)
  string(APPEND SYNAPSED_PC_EXTRA_LIBS " -lleveldb")
endif()
# From <prefix>/<libdir>/pkgconfig back up to <prefix>.
file(RELATIVE_PATH SYNAPSED_PC_UP /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" SYNAPSED_PC_UP "${SYNAPSED_PC_UP}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/synapsed-storage.pc.in
               ${PROJECT_BINARY_DIR}/synapsed-storage.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/synapsed-storage.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
