#!/bin/bash
# cvmimg: what a dracut initrd needs for the unlock agent that `cvmimg build
# --broker-url` (or --broker-evidence efi-secret) lays over it: the network,
# brought up by systemd-networkd from the command line's ip=dhcp (the
# systemd-networkd module of Debian's dracut-network package), the network
# drivers of QEMU and of the clouds' confidential VMs, and efi_secret for the
# key a SEV guest owner injects. The agent itself, its configuration and its
# systemd units come with the build, in the initrd overlay the UKI measures.
# Install this folder as /usr/lib/dracut/modules.d/90cvmimg-unlock in the
# rootfs, with cvmimg-unlock.conf in /etc/dracut.conf.d/, then run dracut.

# only when asked for (cvmimg-unlock.conf)
check() {
	return 255
}

depends() {
	echo systemd systemd-ask-password systemd-networkd crypt
}

installkernel() {
	# whatever the host runs on: the image boots elsewhere; absent ones are skipped
	hostonly='' instmods virtio_net gve ena hv_netvsc mana efi_secret
}

install() {
	inst_multiple modprobe mount
}
