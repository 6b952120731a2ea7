# The unlock boot test of boot-unlock.sh on a dracut rootfs: cvmimg-unlock as
# a systemd password agent beside systemd-cryptsetup's prompt. Label "slow":
# its own debootstrap, a dracut run and three boots.
CVMIMG_BOOT_FLAVOUR=dracut exec bash "$(dirname "$0")/boot-unlock.sh"
