# Helpers of the UKI boot tests (sourced after tests/cli/lib.sh): a kernel and
# an initrd of busybox with an /init that prints what the test looks for.
#
#   need_busybox_kernel        skip (77) unless a static busybox and a readable
#                              kernel are present; sets BUSYBOX and KERNEL
#   busybox_initrd OUT [DIR..] a gzip'd newc initrd: busybox, the DIRs, and the
#                              script read from standard input, which /init runs
#                              with /proc mounted and the kernel's console quiet

need_busybox_kernel() {
	BUSYBOX=/bin/busybox
	# the initrd has no libraries: a dynamic busybox would not start
	[ -x "$BUSYBOX" ] && ! readelf -l "$BUSYBOX" | grep -q INTERP ||
		{ echo "SKIP: $BUSYBOX is missing or dynamic (package busybox-static)"; exit 77; }
	KERNEL=${CVMIMG_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -n1)}
	[ -r "$KERNEL" ] || { echo "SKIP: no readable kernel in /boot"; exit 77; }
}

busybox_initrd() {
	local out=$1 d=$TMP/initrd-root dir
	shift
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/proc"
	for dir; do mkdir -p "$d/$dir"; done
	cp "$BUSYBOX" "$d/bin/busybox"
	# The kernel's late messages (tsc, clocksource) go to the same serial port and
	# can split a line the test reads: only emergencies print once the test runs.
	cat >"$d/init" <<-'EOF'
		#!/bin/busybox sh
		/bin/busybox mount -t proc proc /proc
		/bin/busybox echo 1 >/proc/sys/kernel/printk
		exec /bin/busybox sh /test-init
	EOF
	cat >"$d/test-init"
	chmod 755 "$d/init"
	(cd "$d" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -n) >"$out"
}
