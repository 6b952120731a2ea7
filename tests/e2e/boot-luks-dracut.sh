# The boot test of boot-luks.sh on a dracut rootfs (systemd-cryptsetup in the
# initrd). Label "slow": its own debootstrap and two more boots.
CVMIMG_BOOT_FLAVOUR=dracut exec bash "$(dirname "$0")/boot-luks.sh"
