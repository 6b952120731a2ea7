#!/bin/bash
# cvmimg: what a dracut initrd needs to boot a root sealed with dm-verity by
# `cvmimg build --verity`. systemd-veritysetup opens the verity device from
# the command line (roothash=, systemd.verity_root_data=, ...) once
# systemd-cryptsetup has opened the LUKS2 root; this module adds it, the
# dm-verity and overlay modules, and the pre-pivot hook that lays the
# writable state over the read-only root. Install this folder as
# /usr/lib/dracut/modules.d/90cvmimg-verity in the rootfs, with
# cvmimg-verity.conf in /etc/dracut.conf.d/, then run dracut.

# only when asked for (cvmimg-verity.conf)
check() {
	return 255
}

depends() {
	echo systemd-veritysetup crypt dm
}

installkernel() {
	instmods dm-verity overlay
}

install() {
	inst_hook pre-pivot 50 "$moddir/cvmimg-verity-state.sh"
}
