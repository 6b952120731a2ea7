# Every library is found through pkg-config. A missing one stops the
# configuration with the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (or run scripts/setup)")
endif()

# cvm_require(<prefix> <pkg-config module> <Debian package>)
function(cvm_require prefix module debpkg)
	pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
	if(NOT ${prefix}_FOUND)
		message(FATAL_ERROR "library '${module}' not found by pkg-config: "
			"install the Debian package '${debpkg}' (or run scripts/setup)")
	endif()
	message(STATUS "found ${module} ${${prefix}_VERSION}")
endfunction()

cvm_require(CRYPTSETUP "libcryptsetup>=2.4" libcryptsetup-dev)
cvm_require(CRYPTO "libcrypto>=3.0" libssl-dev)
cvm_require(ARCHIVE "libarchive" libarchive-dev)
cvm_require(FDISK "fdisk" libfdisk-dev)
cvm_require(JSONC "json-c" libjson-c-dev)
cvm_require(EXT2FS "ext2fs" libext2fs-dev)
cvm_require(COMERR "com_err" comerr-dev)
# libguestfs is dlopened by cvmimg inspect; without its headers, inspect reads
# raw images only and says so for qcow2 images and passphrases.
pkg_check_modules(GUESTFS QUIET libguestfs)
if(GUESTFS_FOUND)
	message(STATUS "found libguestfs ${GUESTFS_VERSION} (headers only: dlopened)")
else()
	message(STATUS "libguestfs headers not found (Debian: libguestfs-dev): "
		"cvmimg inspect will not open qcow2 images or the root")
endif()
# libcurl: found here, linked only by the targets that talk HTTP.
pkg_check_modules(CURL QUIET IMPORTED_TARGET libcurl)
if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
	cvm_require(CMOCKA "cmocka" libcmocka-dev)
endif()
