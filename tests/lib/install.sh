# cmake --install into a temporary prefix installs what a packager ships
# (cvmimg, cvmimg-full, libcvmimg.so, cvmimg.pc, the public headers, the manual pages and
# templates/), and a program built against `pkg-config cvmimg` alone links
# and runs against the installed library.
. "$(dirname "$0")/../cli/lib.sh"
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config missing"; exit 77; }
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "SKIP: no C compiler"; exit 77; }
P=$TMP/prefix

current="cmake --install"
checks=$((checks + 1))
cmake --install "$CVMIMG_BUILD_DIR" --prefix "$P" >"$TMP/install.log" 2>&1 ||
	{ fail "$(tail -3 "$TMP/install.log")"; finish; }
LIBDIR=$(dirname "$(find "$P" -name 'libcvmimg.so' | head -n1)")
for f in bin/cvmimg libexec/cvmimg/cvmimg-full include/cvmimg/image.h include/cvmimg/json.h share/man/man1/cvmimg.1 \
	share/man/man1/cvmimg-build.1 share/cvmimg/templates/crypttab \
	share/cvmimg/templates/cmdline; do
	[ -e "$P/$f" ] || fail "not installed: $f"
done
[ -n "$LIBDIR" ] && [ -f "$LIBDIR/pkgconfig/cvmimg.pc" ] || fail "libcvmimg.so or cvmimg.pc missing"
for h in "$CVMIMG_SOURCE_DIR"/lib/include/cvmimg/*.h; do
	cmp -s "$h" "$P/include/cvmimg/$(basename "$h")" || fail "header $(basename "$h") not installed"
done

current="a program built with pkg-config cvmimg"
checks=$((checks + 1))
cat >"$TMP/t.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <cvmimg/json.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

int main(void)
{
	json_object *o = json_object_new_object();
	const unsigned char b[] = { 0xde, 0xad, 0xbe, 0xef };

	if (cvm_json_add_hex(o, "x", b, sizeof(b)) < 0)
		return 1;
	printf("%s %s\n", cvm_version(), json_object_to_json_string(o));
	json_object_put(o);
	return 0;
}
C
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
san=""
# the ASan+UBSan build's library needs its runtime in the program too
nm -D "$LIBDIR/libcvmimg.so" | grep -q __asan_init && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
"$CC" -Wall -Werror $san -o "$TMP/t" "$TMP/t.c" $(pkg-config --cflags --libs cvmimg) 2>"$ERR" ||
	fail "compile: $(head -3 "$ERR")"
got=$(LD_LIBRARY_PATH=$LIBDIR "$TMP/t")
want="$("$CVMIMG" --version | cut -d' ' -f2) { \"x\": \"deadbeef\" }"
[ "$got" = "$want" ] || fail "got '$got', want '$want'"
# the program runs against the installed library, not the build tree's
LD_LIBRARY_PATH=$LIBDIR ldd "$TMP/t" | grep -q "$LIBDIR/libcvmimg.so" || fail "not linked to $LIBDIR"
# the installed cvmimg finds the installed cvmimg-full for the image commands
LD_LIBRARY_PATH=$LIBDIR "$P/bin/cvmimg" build --help >"$TMP/help" 2>"$ERR" ||
	fail "installed cvmimg build --help: $(head -3 "$ERR")"
grep -q "cvmimg build --rootfs FILE" "$TMP/help" || fail "installed cvmimg build --help: no usage"
[ "$(pkg-config --modversion cvmimg)" = "$("$CVMIMG" --version | cut -d' ' -f2)" ] ||
	fail "cvmimg.pc version"
finish
