#!/usr/bin/env bash
# Release check: do the README's two commands work on a bare Debian 12?
#
# Builds a minimal Debian 12 root with debootstrap (minbase plus
# build-essential, cmake and git: what a new user has), puts a clean clone of
# this repository's HEAD in it, and runs `scripts/demo.sh` and then
# `scripts/test.sh` inside it with chroot, printing each one's result. A
# package the build or a test stage needs but scripts/setup.sh does not
# install fails here, where it cannot hide behind what the development
# machine already has.
#
#   scripts/check_fresh.sh [--root DIR] [--ccache DIR] [--keep]
#
#   --root DIR    where to build the root (default /var/tmp/synapsed-fresh);
#                 an earlier root there is removed first
#   --ccache DIR  share a compiler cache with the root (bind-mounted). It
#                 makes the check faster and no weaker: a header that is not
#                 installed in the root still fails the compile (ccache
#                 re-runs the preprocessor when a recorded include is
#                 missing), and linking and every test run for real.
#                 Without it the root builds everything cold.
#   --keep        leave the root in place afterwards (to look around)
#
# Needs root, debootstrap (installed if missing), network access to the
# Debian mirror the host's apt already uses, a few GiB of disk, and as long
# as a cold build plus the test suite. Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
ROOT=/var/tmp/synapsed-fresh
CCACHE_SHARE=""
KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=$2; shift 2 ;;
    --ccache) CCACHE_SHARE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "check_fresh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "check_fresh: needs root (debootstrap and chroot)" >&2
  exit 2
fi
if ! command -v debootstrap > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

# The mirror: the first Debian archive the host's apt is configured with
# (deb822 .sources files or one-line sources.list entries), so the root
# fetches from wherever this machine is allowed to.
mirror_of_host() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f"
  done
  if [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list
  fi
}
MIRROR=$(mirror_of_host | head -n 1)
[ -n "$MIRROR" ] || { echo "check_fresh: no Debian mirror in the host's apt sources" >&2; exit 2; }

unmount_all() {
  local m
  for m in root/.cache/ccache dev/shm dev/pts dev sys proc; do
    mountpoint -q "$ROOT/$m" 2> /dev/null && umount -l "$ROOT/$m"
  done
  return 0
}
cleanup() {
  unmount_all
  if [ "$KEEP" -eq 0 ] && [ -d "$ROOT" ]; then rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT

unmount_all
rm -rf --one-file-system "$ROOT"
mkdir -p "$ROOT"
echo "=== check_fresh: debootstrap bookworm (minbase + build-essential, cmake, git) from $MIRROR ==="
debootstrap --variant=minbase --include=build-essential,cmake,git,ca-certificates \
  bookworm "$ROOT" "$MIRROR" > "$ROOT.debootstrap.log" 2>&1 \
  || { tail -n 30 "$ROOT.debootstrap.log"; exit 1; }

# apt inside the root uses the host's sources (with its security and update
# suites). The mirror may serve a dated snapshot whose Release files have
# expired, so the root accepts those as the host does.
rm -f "$ROOT/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2> /dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"
printf 'Acquire::Check-Valid-Until "false";\n' > "$ROOT/etc/apt/apt.conf.d/99check-fresh"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Packages with services (redis-server) must not start them inside the root:
# the standard policy hook refuses every service start.
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"

mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount -t devpts devpts "$ROOT/dev/pts" -o newinstance,ptmxmode=0666 2> /dev/null \
  || mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs tmpfs "$ROOT/dev/shm"
if [ -n "$CCACHE_SHARE" ]; then
  mkdir -p "$CCACHE_SHARE" "$ROOT/root/.cache/ccache"
  mount --bind "$CCACHE_SHARE" "$ROOT/root/.cache/ccache"
fi

# A clean clone of HEAD: what CI sees, not the work tree.
git clone --quiet --no-hardlinks "$REPO" "$ROOT/src/synapsed-storage"
echo "=== check_fresh: clone of $(git -C "$REPO" rev-parse --short HEAD) in $ROOT/src/synapsed-storage ==="

run_in_root() {
  local name=$1 cmd=$2 log="$ROOT.$1.log" start rc
  start=$(date +%s)
  echo "=== check_fresh: $cmd (log: $log) ==="
  set +e
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb bash -c "cd /src/synapsed-storage && $cmd" > "$log" 2>&1
  rc=$?
  set -e
  tail -n 15 "$log"
  if [ $rc -eq 0 ]; then
    echo "=== check_fresh: $cmd: PASSED in $(( $(date +%s) - start )) s ==="
  else
    echo "=== check_fresh: $cmd: FAILED (exit $rc) after $(( $(date +%s) - start )) s ==="
  fi
  return $rc
}

status=0
run_in_root demo scripts/demo.sh || status=1
run_in_root test scripts/test.sh || status=1
if [ $status -eq 0 ]; then
  echo "=== check_fresh: both README commands passed on a bare Debian 12 root ==="
else
  echo "=== check_fresh: FAILED ==="
fi
exit $status
