# The manual pages agree with the program: one page per command, every long
# option documented, SYNOPSIS equal to --help's usage lines, the same EXIT
# STATUS text everywhere, the sections in order, and mandoc finds no warning.
. "$(dirname "$0")/../cli/lib.sh"
MAN=$CVMIMG_SOURCE_DIR/man

# Text of a roff section, from ".SH NAME" to the next ".SH".
section() {
	awk -v s=".SH $2" '$0 == s {on = 1; next} /^\.SH/ {on = 0} on' "$1"
}

# Roff to plain text for the synopsis: drop font escapes and .nf/.fi.
plain() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e '/^\.nf$/d' -e '/^\.fi$/d'
}

check_page() {
	local page=$1 cmd=$2 sections want
	current="man page $(basename "$page")"
	checks=$((checks + 1))
	[ -f "$page" ] || { fail "missing"; return; }
	sections=$(grep '^\.SH' "$page" | sed 's/^\.SH //; s/"//g' | tr '\n' '|')
	want="NAME|SYNOPSIS|DESCRIPTION|OPTIONS|EXIT STATUS|ENVIRONMENT|FILES|EXAMPLES|SEE ALSO|"
	[ "$sections" = "$want" ] || fail "sections are $sections, expected $want"
	diff <(section "$MAN/cvmimg.1" "EXIT STATUS") <(section "$page" "EXIT STATUS") >/dev/null ||
		fail "EXIT STATUS differs from cvmimg.1"
	if command -v mandoc >/dev/null; then
		mandoc -T lint -W warning "$page" >"$TMP/lint" 2>&1 || fail "mandoc: $(head -3 "$TMP/lint")"
	fi
	[ -n "$cmd" ] || return 0
	"$CVMIMG" $cmd --help >"$TMP/help" || { fail "--help failed"; return; }
	diff <(awk '/^Usage:/ {on = 1; next} /^$/ {on = 0} on' "$TMP/help" | sed 's/^ //') \
		<(section "$page" SYNOPSIS | plain) >"$TMP/diff" || {
		fail "SYNOPSIS differs from --help"
		cat "$TMP/diff"
	}
	# each option as a whole word of an item's tag in OPTIONS (the line after
	# .TP or .TQ): "--output" is not documented by "--output-dir", nor by a mention in
	# another option's text
	section "$page" OPTIONS | awk 'tag {print; tag = 0} /^\.T[PQ]$/ {tag = 1}' | plain >"$TMP/options"
	# the options --help lists (its option lines, not options named in its prose)
	grep -E '^ +(-[a-zA-Z0-9], )?--' "$TMP/help" | grep -oE -- '--[a-z0-9-]+' | sort -u |
	while read -r opt; do
		grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" "$TMP/options" || echo "$opt"
	done >"$TMP/missing"
	[ ! -s "$TMP/missing" ] || fail "options not documented: $(tr '\n' ' ' <"$TMP/missing")"
}

check_page "$MAN/cvmimg.1" ""
# the initrd agent: a program of its own, its SYNOPSIS its --help's usage line
check_page "$MAN/cvmimg-unlock.8" ""
if [ -x "$CVMIMG_BUILD_DIR/cvmimg-unlock" ]; then
	current="man page cvmimg-unlock.8"
	checks=$((checks + 1))
	"$CVMIMG_BUILD_DIR/cvmimg-unlock" --help >"$TMP/help"
	diff <(awk '/^Usage:/ {on = 1; next} /^$/ {on = 0} on' "$TMP/help" | sed 's/^ //') \
		<(section "$MAN/cvmimg-unlock.8" SYNOPSIS | plain) >/dev/null ||
		fail "SYNOPSIS differs from --help"
	grep -o -- '--[a-z0-9-]*' "$TMP/help" | sort -u | while read -r opt; do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$opt")" "$MAN/cvmimg-unlock.8" || echo "$opt"
	done >"$TMP/missing"
	[ ! -s "$TMP/missing" ] || fail "options not documented: $(tr '\n' ' ' <"$TMP/missing")"
fi
"$CVMIMG" --help | awk '/^Commands:/ {on = 1; next} /^$/ {on = 0} on {print $1}' >"$TMP/commands"
[ -s "$TMP/commands" ] || fail "no commands listed by cvmimg --help"
while read -r c; do
	check_page "$MAN/cvmimg-$c.1" "$c"
	sed 's/\\-/-/g' "$MAN/cvmimg.1" | grep -qF "cvmimg-$c" || fail "cvmimg.1 does not mention cvmimg-$c"
done <"$TMP/commands"

# What the build adds to the root: the paragraph of cvmimg-build.1 names exactly
# the paths the image tests allow beside the tarball's (tests/image/rootfs.py BUILD_ADDS)
current="cvmimg-build.1: files the build writes into the root"
checks=$((checks + 1))
awk '/Files the build writes into the root/ {on = 1} on && /^\.PP/ {exit} on' \
	"$MAN/cvmimg-build.1" | sed 's/\\-/-/g' | grep -oE '\\fB/[^\\]+\\fR' |
	sed -E 's/^\\fB\/(.*)\\fR$/\1/' | grep -v '^dev/' | sort -u >"$TMP/adds-man"
python3 "$CVMIMG_SOURCE_DIR/tests/image/rootfs.py" build-adds | sort >"$TMP/adds-test"
[ -s "$TMP/adds-test" ] && diff "$TMP/adds-man" "$TMP/adds-test" >"$TMP/adds-diff" ||
	fail "the man page (<) and rootfs.py BUILD_ADDS (>) differ: $(tr '\n' ' ' <"$TMP/adds-diff")"
finish
