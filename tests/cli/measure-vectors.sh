# cvmimg measure against every case of ../shared/vectors/snp/vectors.json:
# digests compared exactly, expected errors by exit status and condition.
. "$(dirname "$0")/lib.sh"
need_vectors
SNP=$VEC/snp
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

# sev-snp-measure's options map one to one, but --mode is --tee and file
# arguments are relative to the vectors' folder.
translate() {
	jq -r --arg dir "$SNP" '.args as $a | [range(0; $a|length)] | map(
		if $a[.] == "--mode" then "--tee"
		elif (. > 0 and ($a[.-1] | IN("--ovmf","--kernel","--initrd","--svsm")))
		     and ($a[.] != "/dev/null") then $dir + "/" + $a[.]
		else $a[.] end) | .[]' 
}

n=$(jq length "$SNP/vectors.json")
[ "$n" -gt 0 ] || { echo "no cases in vectors.json"; exit 1; }
for i in $(seq 0 $((n - 1))); do
	entry=$(jq -c ".[$i]" "$SNP/vectors.json")
	id=$(jq -r .id <<<"$entry")
	mapfile -t args < <(translate <<<"$entry")
	if jq -e 'has("expected")' <<<"$entry" >/dev/null; then
		want=$(jq -r .expected <<<"$entry")
		run 0 measure "${args[@]}" || continue
		got=$(cat "$OUT")
		[ "$got" = "$want" ] || fail "$id: got $got, expected $want"
		expect_empty "$ERR"
	else
		why=$(jq -r .expected_error <<<"$entry")
		run 3 measure "${args[@]}" || continue
		expect_empty "$OUT"
		case "$why" in
		*SNP_KERNEL_HASHES*) expect_in "$ERR" "has no SNP_KERNEL_HASHES section" ;;
		*kernel/initrd/cmdline*) expect_in "$ERR" "does not support kernel/initrd/cmdline measurement" ;;
		*) fail "$id: unknown expected error '$why'" ;;
		esac
	fi
done
echo "$n vector cases"
finish
