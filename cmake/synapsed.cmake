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
