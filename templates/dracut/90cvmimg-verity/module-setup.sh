#!/bin/bash
# cvmimg: what a dracut initrd needs to boot a root sealed with dm-verity by
# `cvmimg build --verity`: veritysetup and a systemd generator that opens the
# verity device from the command line (roothash=, systemd.verity_root_*) once
# systemd-cryptsetup has opened the LUKS2 root (systemd-veritysetup before
# version 254, as in Debian 12, cannot: it ignores the options), the
# dm-verity and overlay modules, and the pre-pivot hook that lays the
# writable state over the read-only root. Install this folder as
# /usr/lib/dracut/modules.d/90cvmimg-verity in the rootfs, with
# cvmimg-verity.conf in /etc/dracut.conf.d/, then run dracut.

# only when asked for (cvmimg-verity.conf)
check() {
	return 255
}

depends() {
	echo systemd crypt dm
}

installkernel() {
	instmods dm-verity overlay
}

install() {
	inst_multiple veritysetup sed
	inst_script "$moddir/cvmimg-verity-generator" \
		"$systemdutildir/system-generators/cvmimg-verity-generator"
	inst_hook pre-pivot 50 "$moddir/cvmimg-verity-state.sh"
}
