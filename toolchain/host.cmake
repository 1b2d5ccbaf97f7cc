# Helpers for the host build (tests, fuzzers, benchmarks, tools).
#
# Every host test is a ctest test whose LABELS is its group (cspace, policy, boot...);
# benchmarks carry the label "bench" and are run only by `./writ bench`. A test program
# prints `ok - group/name` or `not ok - group/name: why` per check (the runner numbers
# them), anything else is diagnostics, and exits non-zero when any check failed.
# See tests/README.md.

set(WRIT_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
set(WRIT_FUZZ_SECONDS 20 CACHE STRING "seconds each libFuzzer harness runs in ./writ test")

# writ_host_test(NAME <name> GROUP <group> COMMAND <cmd...>)
function(writ_host_test)
  cmake_parse_arguments(T "" "NAME;GROUP" "COMMAND" ${ARGN})
  add_test(NAME ${T_GROUP}/${T_NAME} COMMAND ${T_COMMAND})
  set_tests_properties(${T_GROUP}/${T_NAME} PROPERTIES LABELS ${T_GROUP} TIMEOUT 600)
endfunction()

# writ_host_bench(NAME <name> COMMAND <cmd...>): prints `bench group/name VALUE UNIT accel=host`.
function(writ_host_bench)
  cmake_parse_arguments(T "" "NAME" "COMMAND" ${ARGN})
  add_test(NAME bench/${T_NAME} COMMAND ${T_COMMAND})
  set_tests_properties(bench/${T_NAME} PROPERTIES LABELS bench TIMEOUT 1200)
endfunction()

# writ_fuzzer(NAME <name> GROUP <group> CORPUS <dir> SOURCES <src...> [LIBS <libs...>])
# Builds a libFuzzer harness with ASan and UBSan (needs clang) and registers a ctest
# test that runs it for WRIT_FUZZ_SECONDS over a copy of the committed corpus, so
# `./writ test` never writes into the source tree. Run longer on demand:
#   build/host/bin/<name> -max_total_time=3600 <corpus-dir>
function(writ_fuzzer)
  cmake_parse_arguments(F "" "NAME;GROUP;CORPUS" "SOURCES;LIBS;INCLUDES" ${ARGN})
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(STATUS "fuzzer ${F_NAME} skipped: needs clang")
    return()
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_include_directories(${F_NAME} PRIVATE ${F_INCLUDES})
  target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=all -g -O1)
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  if(F_LIBS)
    target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  endif()
  add_test(NAME ${F_GROUP}/fuzz-${F_NAME}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/host/run-fuzzer.sh $<TARGET_FILE:${F_NAME}>
                   ${F_CORPUS} ${WRIT_FUZZ_SECONDS} ${F_GROUP}/fuzz-${F_NAME})
  set_tests_properties(${F_GROUP}/fuzz-${F_NAME} PROPERTIES LABELS ${F_GROUP} TIMEOUT 900)
endfunction()

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
