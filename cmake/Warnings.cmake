# Warning set shared by gcc and clang; -Werror unless CVMIMG_WERROR=OFF.
set(CVM_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-Wformat=2 -Wvla -Wpointer-arith -Wundef)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
	# gcc accepts a goto that jumps over a cleanup variable; we use no goto,
	# and this keeps it that way.
	list(APPEND CVM_WARNINGS -Wjump-misses-init)
endif()
if(CVMIMG_WERROR)
	list(APPEND CVM_WARNINGS -Werror)
endif()
add_compile_options(${CVM_WARNINGS})
add_compile_definitions(_GNU_SOURCE)

if(CVMIMG_SANITIZE)
	add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
		-fno-sanitize-recover=undefined)
	add_link_options(-fsanitize=address,undefined)
endif()
