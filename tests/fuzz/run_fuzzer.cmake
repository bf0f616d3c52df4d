# One short libFuzzer run for ctest (tests/fuzz/CMakeLists.txt):
#   cmake -DFUZZER=path -DWORK=dir -DSEEDS=dir -DARTIFACTS=dir -DOPTIONS="..." -P run_fuzzer.cmake
# WORK is emptied first and given as the first corpus directory, the one
# libFuzzer writes new inputs to; the committed seeds in SEEDS are only read.
# So every run starts from the same corpus and the source tree never changes.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
separate_arguments(options UNIX_COMMAND "${OPTIONS}")
execute_process(COMMAND ${FUZZER} ${options} ${WORK} ${SEEDS} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}); the input that broke it is in "
                      "${ARTIFACTS}/ (replay: ${FUZZER} FILE)")
endif()
