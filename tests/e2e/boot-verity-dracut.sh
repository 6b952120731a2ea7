# The verity boot test of boot-verity.sh on a dracut rootfs (cvmimg's dracut
# module opens the verity root). Label "slow": its own debootstrap, a dracut
# run and a boot.
CVMIMG_BOOT_FLAVOUR=dracut exec bash "$(dirname "$0")/boot-verity.sh"
