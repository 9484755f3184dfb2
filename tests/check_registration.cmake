# Every TEST_CASE is a ctest test that runs it (cmake -P, itself a ctest test: test-registration).
#
# catch_discover_tests registers one ctest test per name that `--list-test-names-only` prints, with
# the name as Catch's filter. A name CMake splits as a list (';', or '[' ']' '\' around one) becomes
# filters that match nothing, and a test that runs no case passes. This check fails when
#   1. a name holds ';' '[' ']' or '\';
#   2. tests/*.cpp holds more or fewer TEST_CASEs than the binary lists, hidden ones ("[.tag]", run
#      by hand or by another test) included: a file the glob misses;
#   3. a ctest test of the binary lacks `-w NoTests` (so that an empty filter would pass), or its
#      filter does not select exactly the case it is named after (Catch's own matching: a name
#      that starts with '-', say, is read as an option);
#   4. a case the binary lists has no such ctest test.
#
# In: TEST_BINARY (forensics_tests), CTEST_COMMAND, TEST_DIR (the build directory holding the
# registration), SOURCE_DIR (tests/).

cmake_minimum_required(VERSION 3.19)  # string(JSON)

foreach(var TEST_BINARY CTEST_COMMAND TEST_DIR SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_registration.cmake needs -D${var}=…")
  endif()
endforeach()

# Names pass through CMake lists below; these stand in for the characters that would split them.
function(encode out text)
  string(REPLACE "\\" "<backslash>" text "${text}")
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REPLACE "[" "<lbracket>" text "${text}")
  string(REPLACE "]" "<rbracket>" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(decode out text)
  string(REPLACE "<backslash>" "\\" text "${text}")
  string(REPLACE "<semicolon>" ";" text "${text}")
  string(REPLACE "<lbracket>" "[" text "${text}")
  string(REPLACE "<rbracket>" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# `--list-test-names-only` output (with optional filter) → encoded names, one list element each.
function(list_names out)
  execute_process(COMMAND "${TEST_BINARY}" ${ARGN} --list-test-names-only
                  OUTPUT_VARIABLE text ERROR_VARIABLE err WORKING_DIRECTORY "${SOURCE_DIR}")
  encode(text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(names "")
  foreach(name IN LISTS text)
    if(NOT name STREQUAL "")
      list(APPEND names "${name}")
    endif()
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

set(problems 0)
function(problem)
  string(JOIN "" text ${ARGV})
  decode(text "${text}")
  message("check_registration: ${text}")
  math(EXPR n "${problems} + 1")
  set(problems ${n} PARENT_SCOPE)
endfunction()

# 1. The names.
list_names(listed)
list(LENGTH listed listed_count)
if(listed_count EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --list-test-names-only lists no test case")
endif()
foreach(name IN LISTS listed)
  if(name MATCHES "<(semicolon|lbracket|rbracket|backslash)>")
    problem("test case '${name}': ';' '[' ']' and '\\' split or escape the name in ctest's registration; rename it")
  endif()
endforeach()

# 2. The sources.
file(GLOB sources "${SOURCE_DIR}/*.cpp")
set(source_count 0)
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REGEX MATCHALL "\n[ \t]*TEST_CASE[ \t]*\\(" cases "\n${text}")
  list(LENGTH cases n)
  math(EXPR source_count "${source_count} + ${n}")
endforeach()
list_names(hidden "[.]")
list(LENGTH hidden hidden_count)
math(EXPR compiled_count "${listed_count} + ${hidden_count}")
if(NOT source_count EQUAL compiled_count)
  problem("tests/*.cpp holds ${source_count} TEST_CASEs, ${binary_name} lists ${listed_count} and "
          "${hidden_count} hidden: a TEST_CASE is in a file the test binary does not compile (only *_tests.cpp are)")
endif()

# 3. The registration.
execute_process(COMMAND "${CTEST_COMMAND}" --test-dir "${TEST_DIR}" --show-only=json-v1
                OUTPUT_VARIABLE json RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest --show-only=json-v1 failed (${rc})")
endif()
get_filename_component(binary_name "${TEST_BINARY}" NAME)
string(JSON test_count LENGTH "${json}" tests)
set(registered "")
set(without_no_tests 0)
math(EXPR last "${test_count} - 1")
foreach(i RANGE ${last})
  string(JSON ctest_name GET "${json}" tests ${i} name)
  string(JSON argc LENGTH "${json}" tests ${i} command)
  string(JSON program GET "${json}" tests ${i} command 0)
  get_filename_component(program "${program}" NAME)
  if(NOT program STREQUAL binary_name)
    continue()
  endif()
  encode(ctest_name "${ctest_name}")
  if(argc LESS 2)
    problem("ctest test '${ctest_name}' runs ${binary_name} without a filter")
    continue()
  endif()
  string(JSON filter GET "${json}" tests ${i} command 1)
  set(args "")
  math(EXPR last_arg "${argc} - 1")
  if(last_arg GREATER_EQUAL 2)
    foreach(k RANGE 2 ${last_arg})
      string(JSON arg GET "${json}" tests ${i} command ${k})
      list(APPEND args "${arg}")
    endforeach()
  endif()
  if(NOT "NoTests" IN_LIST args)
    math(EXPR without_no_tests "${without_no_tests} + 1")
  endif()
  list_names(selected "${filter}")
  encode(filter_shown "${filter}")
  if(NOT selected STREQUAL ctest_name)
    list(LENGTH selected n)
    problem("ctest test '${ctest_name}': its filter '${filter_shown}' selects ${n} test case(s), not that one")
  else()
    list(APPEND registered "${ctest_name}")
  endif()
endforeach()

if(without_no_tests GREATER 0)
  problem("${without_no_tests} ctest test(s) run ${binary_name} without `-w NoTests` (catch_discover_tests "
          "EXTRA_ARGS): one whose filter matched nothing would pass")
endif()

# 4. Every case.
foreach(name IN LISTS listed)
  if(NOT name IN_LIST registered)
    problem("test case '${name}' is not run by any ctest test")
  endif()
endforeach()

if(problems GREATER 0)
  message(FATAL_ERROR "${problems} problem(s) with the ctest registration of ${binary_name}")
endif()
list(LENGTH registered n)
message(STATUS "${n} test cases, each run by its own ctest test; ${hidden_count} hidden, which ctest does not run:")
foreach(name IN LISTS hidden)
  decode(name "${name}")
  message(STATUS "  ${name}")
endforeach()
