#!/bin/sh
# cvmimg: the running system's writable state over a read-only verity root,
# as the initramfs-tools script init-bottom/cvmimg-verity lays it: /etc,
# /var, /root and /home as overlays whose upper layers live in memory (a
# tmpfs at /run/cvmimg), /tmp a tmpfs. Nothing written there reaches the
# disk or survives a reboot. Does nothing without roothash= on the command
# line. A dracut pre-pivot hook (module 90cvmimg-verity): $NEWROOT is the root.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
getarg roothash= >/dev/null || return 0
modprobe -q overlay
mkdir -p /run/cvmimg
mount -t tmpfs -o mode=0755 cvmimg-state /run/cvmimg || die "cvmimg-verity: no tmpfs for the state"
for dir in etc var root home; do
	[ -d "$NEWROOT/$dir" ] || continue
	mkdir -p "/run/cvmimg/$dir/upper" "/run/cvmimg/$dir/work"
	mount -t overlay "cvmimg-$dir" \
		-o "lowerdir=$NEWROOT/$dir,upperdir=/run/cvmimg/$dir/upper,workdir=/run/cvmimg/$dir/work" \
		"$NEWROOT/$dir" || die "cvmimg-verity: cannot lay a writable /$dir over the root"
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$NEWROOT/tmp" || die "cvmimg-verity: no /tmp"
