#!/usr/bin/env bash
# Installs what Kiln needs on a fresh Debian machine: npm packages, and the Debian tools it uses
# (qemu-img to convert and check disk images, sfdisk and e2fsprogs to read their partitions,
# fuse2fs to open a root file system in place, static busybox for the base test image, bwrap to
# sandbox builds, qemu-system-x86 and extlinux for the tests that boot images, debootstrap and GRUB's
# tools for the bootable Debian base).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "kiln setup: installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi
# better-sqlite3 is a native addon; make sure it is built for this Node.
# The portal (web/) is built by npm ci's prepare script; a checkout that has its packages but not the build gets it here.
[ -f web/dist/index.html ] || npm run --silent build:web >&2
# The CLI as one bundled file (bin/kiln.js runs it while it is as new as src/): made anew each time, in about a second.
npm run --silent build:cli >&2
if ! node -e "require('better-sqlite3')" 2>/dev/null; then
  echo "kiln setup: building better-sqlite3" >&2
  npm rebuild better-sqlite3 >&2
fi

# sfdisk and e2fsprogs live in /usr/sbin, which Debian leaves out of ordinary users' PATH.
PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v qemu-img >/dev/null || missing+=(qemu-utils)
{ command -v mkfs.ext4 && command -v debugfs; } >/dev/null || missing+=(e2fsprogs)
command -v sfdisk >/dev/null || missing+=(fdisk)
command -v busybox >/dev/null || missing+=(busybox-static)
command -v bwrap >/dev/null || missing+=(bubblewrap)
# fuse2fs opens a root file system in place for a build; python3 hands it the FUSE connection Kiln mounted.
command -v fuse2fs >/dev/null || missing+=(fuse2fs)
command -v python3 >/dev/null || missing+=(python3-minimal)
# The tests boot what builds make (qemu) from a small disk they make with Debian's kernel and extlinux.
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v extlinux >/dev/null || missing+=(extlinux)
# UEFI (Generation 2) VMs start Debian's OVMF firmware.
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing+=(ovmf)
command -v setcap >/dev/null || missing+=(libcap2-bin)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
# The bootable Debian base (kiln platform-image bootstrap debian, the main job and the tests that boot
# Debian): debootstrap, and GRUB's programs (grub-mkimage, grub-bios-setup; the modules come from the
# image's own packages), mkfs.vfat and mtools for the EFI system partition.
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v grub-mkimage >/dev/null || missing+=(grub2-common)
[ -x /usr/lib/grub/i386-pc/grub-bios-setup ] || missing+=(grub-pc-bin)
command -v mkfs.vfat >/dev/null || missing+=(dosfstools)
command -v mcopy >/dev/null || missing+=(mtools)
# The validate stage and the VM build mode reach the guest with OpenSSH's client; a test builds an xfs root.
command -v ssh >/dev/null || missing+=(openssh-client)
command -v mkfs.xfs >/dev/null || missing+=(xfsprogs)
# Only the tests use strace: they watch which files Kiln fsyncs.
command -v strace >/dev/null || missing+=(strace)
# The portal's tests drive Debian's Chromium with playwright-core (no browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "kiln setup: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "kiln setup: please install these Debian packages as root: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
