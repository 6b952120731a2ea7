# A rootfs fixture with cvmimg's initrd pieces from templates/, its initrd made
# again by its own tool in a chroot (sourced, bash; needs root).
#
#   install_initrd_parts DIR FLAVOUR PART...  cvmimg's hooks and scripts (initramfs-tools)
#                                             or modules (dracut): verity, unlock
#   remake_initrd DIR FLAVOUR LOG             0, or 1 with LOG's tail on stdout
install_initrd_parts() {
	local dir=$1 flavour=$2 tpl=$CVMIMG_SOURCE_DIR/templates part s
	shift 2
	for part in "$@"; do
		if [ "$flavour" = dracut ]; then
			install -d "$dir/usr/lib/dracut/modules.d/90cvmimg-$part"
			install -m 0755 "$tpl/dracut/90cvmimg-$part"/* "$dir/usr/lib/dracut/modules.d/90cvmimg-$part/"
			install -m 0644 "$tpl/dracut/cvmimg-$part.conf" "$dir/etc/dracut.conf.d/"
			continue
		fi
		install -m 0755 "$tpl/initramfs-tools/hooks/cvmimg-$part" "$dir/etc/initramfs-tools/hooks/"
		for s in local-top init-bottom; do
			[ -e "$tpl/initramfs-tools/scripts/$s/cvmimg-$part" ] || continue
			mkdir -p "$dir/etc/initramfs-tools/scripts/$s"
			install -m 0755 "$tpl/initramfs-tools/scripts/$s/cvmimg-$part" \
				"$dir/etc/initramfs-tools/scripts/$s/"
		done
	done
}

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
