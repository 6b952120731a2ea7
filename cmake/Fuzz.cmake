# Fuzzing: fuzz/ is built as a sub-project with clang (libFuzzer is clang's),
# whichever compiler builds cvmimg, when clang and its fuzzer runtime (Debian:
# libclang-rt-14-dev) are installed; not in sanitizer builds, whose tests
# already run under ASan. Each harness gets a short smoke run over a seed
# corpus from the shared vectors (fuzz/smoke.sh, label fuzz), which skips
# when the harness was not built.
find_program(CVM_FUZZ_CC NAMES clang clang-14)
set(CVM_FUZZ_BUILT OFF)
if(CVM_FUZZ_CC AND NOT CVMIMG_SANITIZE)
	set(probe ${CMAKE_BINARY_DIR}/fuzz-probe)
	file(WRITE ${probe}.c "#include <stddef.h>\n#include <stdint.h>\n"
		"int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
		"int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(d && n) * 0; }\n")
	execute_process(COMMAND ${CVM_FUZZ_CC} -fsanitize=fuzzer ${probe}.c -o ${probe}
		RESULT_VARIABLE fuzz_rc OUTPUT_QUIET ERROR_QUIET)
	if(fuzz_rc EQUAL 0)
		set(CVM_FUZZ_BUILT ON)
	else()
		message(STATUS "fuzz harnesses not built: clang cannot link -fsanitize=fuzzer "
			"(install libclang-rt-14-dev)")
	endif()
endif()

if(CVM_FUZZ_BUILT)
	include(ExternalProject)
	ExternalProject_Add(fuzz
		SOURCE_DIR ${PROJECT_SOURCE_DIR}/fuzz
		BINARY_DIR ${CMAKE_BINARY_DIR}/fuzz
		CMAKE_ARGS -DCMAKE_C_COMPILER=${CVM_FUZZ_CC} -DCMAKE_BUILD_TYPE=RelWithDebInfo
		INSTALL_COMMAND ""
		BUILD_ALWAYS ON)
endif()

# Not in sanitizer builds: they build no harnesses, so the smoke tests could
# only skip (and scripts/test fails a CI run on a skip it does not list).
if(BUILD_TESTING AND NOT CVMIMG_SANITIZE)
	file(GLOB CVM_FUZZ_HARNESSES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz-*.c)
	foreach(src ${CVM_FUZZ_HARNESSES})
		get_filename_component(name ${src} NAME_WE)
		add_test(NAME fuzz/${name} COMMAND bash ${PROJECT_SOURCE_DIR}/fuzz/smoke.sh ${name})
		set_tests_properties(fuzz/${name} PROPERTIES
			ENVIRONMENT "CVMIMG_BUILD_DIR=${CMAKE_BINARY_DIR};CVMIMG_VECTORS=${CVMIMG_VECTORS}"
			SKIP_RETURN_CODE 77 LABELS fuzz TIMEOUT 300)
	endforeach()
endif()
