# Helpers shared by the module CMakeLists.

# synapsed_test(NAME SOURCES... LIBS ...): one gtest binary per module,
# registered with CTest as a single test (the binary runs all its cases).
# Its main() (util/test_main.cc) fails the binary on any skipped case that
# tests/expected_skips.txt does not list, so a skip cannot pass unseen.
function(synapsed_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT SYNAPSED_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} synapsed_testing GTest::gmock synapsed_test_main)
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(T_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 900)
  endif()
endfunction()

# synapsed_installed_library(TARGET EXPORT_NAME): a module library that goes
# into the installed package as synapsed::<EXPORT_NAME>. The libraries are
# static, so a consumer links every module the umbrella library reaches; all
# of them are installed, but only the public headers are.
function(synapsed_installed_library target export_name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  set_property(GLOBAL APPEND PROPERTY SYNAPSED_INSTALLED_TARGETS ${target})
endfunction()

# synapsed_public_headers(MODULE HEADER...): the headers of
# include/synapsed/storage/ that MODULE owns. They are installed, and
# scripts/check_layering.sh treats an include of one as an include of MODULE.
function(synapsed_public_headers module)
  foreach(h ${ARGN})
    set_property(GLOBAL APPEND PROPERTY SYNAPSED_PUBLIC_HEADERS
                 ${PROJECT_SOURCE_DIR}/include/synapsed/storage/${h})
  endforeach()
endfunction()

# synapsed_internal_headers(MODULE HEADER...): headers of MODULE's folder that
# only MODULE's own files may include (implementation details behind the
# module's interface). Nothing to build; scripts/check_layering.sh reads it.
function(synapsed_internal_headers module)
endfunction()
