# Make a rootfs fixture's initrd again with its own tool, in a chroot (sourced, bash;
# needs root). The caller has put cvmimg's hooks or modules into the tree.
#
#   remake_initrd DIR FLAVOUR LOG   dracut or initramfs-tools; 0, or 1 with LOG's tail on stdout
remake_initrd() {
	local dir=$1 flavour=$2 log=$3 m rc=0 cmd="update-initramfs -u -k all"
	[ "$flavour" = dracut ] && cmd="dracut --force --regenerate-all"
	for m in proc sys dev dev/pts; do mount --bind "/$m" "$dir/$m"; done
	# shellcheck disable=SC2086
	chroot "$dir" $cmd >"$log" 2>&1 || rc=1
	# never leave a bind mount for a later rm -rf to follow into the host's /dev or /sys
	for m in dev/pts dev proc sys; do umount "$dir/$m" 2>/dev/null; done
	[ "$rc" = 0 ] || echo "$cmd: $(tail -5 "$log")"
	return "$rc"
}
