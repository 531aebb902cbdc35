#!/usr/bin/env bash
# Builds the small bootable Debian image the VM tests boot (direct kernel boot, no boot loader):
# mmdebstrap with a cloud kernel, systemd, dbus (logind, so ACPI powerdown works), openssh-server and
# cloud-init, written into an ext4 file system without loop devices (mke2fs -d), converted to qcow2.
# The result is cached under $PRODLIKE_TEST_CACHE (default /var/cache/prodlike-test, else
# ~/.cache/prodlike-test), keyed on the package list and this script's recipe version, so it is built
# once per machine. Prints the folder holding disk.qcow2, vmlinuz and initrd.img.
set -euo pipefail

RECIPE=1
PACKAGES=(linux-image-cloud-amd64 initramfs-tools systemd systemd-sysv dbus openssh-server cloud-init
  e2fsprogs sudo ifupdown isc-dhcp-client ca-certificates procps)

if [ -n "${PRODLIKE_TEST_CACHE:-}" ]; then cache=$PRODLIKE_TEST_CACHE
elif [ -w /var/cache ] || [ "$(id -u)" = 0 ]; then cache=/var/cache/prodlike-test
else cache=$HOME/.cache/prodlike-test; fi
key=$(printf '%s\n' "recipe $RECIPE" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
out=$cache/debian-vm-$key
if [ -f "$out/ready" ]; then echo "$out"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -f "$out/ready" ]; then echo "$out"; exit 0; fi

for tool in mmdebstrap mke2fs qemu-img; do
  command -v "$tool" >/dev/null || { echo "vm-test-image: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

echo "vm-test-image: building $out (mmdebstrap, takes minutes)" >&2
include=$(IFS=,; echo "${PACKAGES[*]}")
mmdebstrap --quiet --variant=apt --include="$include" \
  --customize-hook='echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" > "$1/etc/fstab"' \
  --customize-hook='echo "LANG=C.UTF-8" > "$1/etc/default/locale"' \
  --customize-hook='printf "datasource_list: [ NoCloud, None ]\n" > "$1/etc/cloud/cloud.cfg.d/90-prodlike-test.cfg"' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*; : > "$1/etc/machine-id"; echo debian > "$1/etc/hostname"' \
  --customize-hook='printf "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n" > "$1/etc/network/interfaces"' \
  --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null' \
  bookworm "$root" >&2

mkdir -p "$work/out"
cp "$root"/boot/vmlinuz-* "$work/out/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/out/initrd.img"
chmod 0644 "$work/out/vmlinuz" "$work/out/initrd.img"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
mke2fs -q -t ext4 -L root -d "$root" "$work/disk.raw" 2G
qemu-img convert -c -f raw -O qcow2 "$work/disk.raw" "$work/out/disk.qcow2"
printf '%s\n' "${PACKAGES[@]}" > "$work/out/packages"
touch "$work/out/ready"
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
