# The exec shim's own tests (tests/exec/shim_test.cc against a scripted
# responder), included from tests/CMakeLists.txt (paths relative to
# tests/). The test programs are plain C and, like the shim, never
# sanitized: ASan refuses to run with a preloaded library before it.
function(simsock_shim_unsanitized target)
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS "")
  set_property(TARGET ${target} PROPERTY LINK_OPTIONS "")
  target_compile_options(${target} PRIVATE -Wall -Wextra
    $<$<BOOL:${SIMSOCK_WERROR}>:-Werror>)
endfunction()

add_executable(shim_probe exec/programs/shim_probe.c)
simsock_shim_unsanitized(shim_probe)
target_compile_options(shim_probe PRIVATE -O2 -D_FORTIFY_SOURCE=2)

# A static program, when this system can link one (glibc's libc.a from
# libc6-dev): the launcher's refusal has something to refuse.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS -static)
check_c_source_compiles("int main(void) { return 0; }" SIMSOCK_CAN_LINK_STATIC)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(SIMSOCK_CAN_LINK_STATIC)
  add_executable(shim_static_probe exec/programs/shim_static_hello.c)
  simsock_shim_unsanitized(shim_static_probe)
  target_link_options(shim_static_probe PRIVATE -static)
endif()

add_executable(shim_test exec/shim_test.cc exec/shim_responder.cc)
target_include_directories(shim_test PRIVATE ${PROJECT_SOURCE_DIR}
                           ${SIMSOCK_INCLUDE_ROOT})
target_link_libraries(shim_test PRIVATE GTest::gtest GTest::gmock
                      GTest::gtest_main)
target_compile_definitions(shim_test PRIVATE
  SIMSOCK_SHIM_PATH="$<TARGET_FILE:simsock_shim>"
  SIMSOCK_SHIM_PROBE="$<TARGET_FILE:shim_probe>")
add_dependencies(shim_test simsock_shim shim_probe)
if(SIMSOCK_CAN_LINK_STATIC)
  target_compile_definitions(shim_test PRIVATE
    SIMSOCK_SHIM_STATIC_PROBE="$<TARGET_FILE:shim_static_probe>")
  add_dependencies(shim_test shim_static_probe)
else()
  target_compile_definitions(shim_test PRIVATE SIMSOCK_SHIM_STATIC_PROBE="")
endif()
# gtest_add_tests (a scan of the source) rather than gtest_discover_tests,
# whose PROPERTIES cannot carry a list: the tests get both labels.
gtest_add_tests(TARGET shim_test SOURCES exec/shim_test.cc
                TEST_LIST shim_tests)
set_tests_properties(${shim_tests} PROPERTIES LABELS "unit;exec"
                     SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
