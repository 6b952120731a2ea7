# The public headers, the export list lib/libcvmimg.sym and the built
# libcvmimg.so name the same functions.
. "$(dirname "$0")/../cli/lib.sh"
SRC=$CVMIMG_SOURCE_DIR/lib
SO=$(ls "$CVMIMG_BUILD_DIR"/lib/libcvmimg.so.[0-9]* 2>/dev/null | head -n1)
[ -n "$SO" ] || { echo "libcvmimg.so not built"; exit 1; }

# Declarations start a line with a type and name cvm_*( ; static inline helpers
# and macros are not exports.
cat "$SRC"/include/cvmimg/*.h | grep -v '^static' | grep -v '^#' |
	grep -oE '^[a-z][a-z0-9_ *]*[ *](cvm_[a-z0-9_]+)\(' |
	grep -oE 'cvm_[a-z0-9_]+\($' | tr -d '(' | sort -u >"$TMP/headers"
grep -oE '^\s+cvm_[a-z0-9_]+;' "$SRC/libcvmimg.sym" | tr -d ' \t;' | sort -u >"$TMP/sym"
nm -D --defined-only "$SO" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u >"$TMP/so"

checks=3
diff -u "$TMP/headers" "$TMP/sym" >"$TMP/d1" || { fail "headers vs libcvmimg.sym:"; cat "$TMP/d1"; }
diff -u "$TMP/sym" "$TMP/so" >"$TMP/d2" || { fail "libcvmimg.sym vs libcvmimg.so:"; cat "$TMP/d2"; }
[ -s "$TMP/so" ] || fail "no exported functions found"
echo "$(wc -l <"$TMP/so") exported functions"
finish
