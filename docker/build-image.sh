#!/usr/bin/env bash
# Builds the simulated HSTS node image from Debian packages when it is absent, and prints its tag.
# The tag is a hash of everything that goes into the image, so an unchanged image is reused.
#   docker/build-image.sh            build if needed, print NAME:TAG
#   docker/build-image.sh --tag      print the tag only
# Needs root, debootstrap and a running Docker engine. The Debian mirror is the machine's own.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=${HSTS_NODE_IMAGE:-hsts-node}
cache=${HSTS_CACHE_DIR:-/var/cache/hsts-cluster}
suite=bookworm

packages=$(grep -v '^#' "$here/node/packages.txt" | xargs | tr ' ' ',')
base_hash=$(printf '%s %s\n' "$suite" "$packages" | sha256sum | cut -c1-12)
# A second Redis for the rig's redis-6.0 variant: Debian bullseye's redis-server (6.0), from
# Debian's packages, kept under /opt/redis-6.0 with the libraries bookworm lacks.
redis6_suite=bullseye
redis6_hash=$(printf '%s redis-server\n' "$redis6_suite" | sha256sum | cut -c1-12)
image_hash=$(
  cd "$here"
  { printf '%s %s\n' "$base_hash" "$redis6_hash"; cat build-image.sh
    find node -type f -print0 | sort -z | xargs -0 sha256sum
    find node -type f -perm -u+x | sort; } | sha256sum | cut -c1-12
)
tag="$name:$image_hash"
if [ "${1:-}" = "--tag" ]; then echo "$tag"; exit 0; fi
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

log() { echo "build-image: $*" >&2; }
mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || { log "no Debian mirror found in /etc/apt/sources*"; exit 1; }
  echo "$uri"
}

started=$(date +%s)
mkdir -p "$cache"
base_tar="$cache/base-$base_hash.tar"
work=$(mktemp -d /var/tmp/hsts-node-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ ! -f "$base_tar" ]; then
  log "debootstrap $suite ($packages)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$work/base" "$(mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  tar -C "$work/base" -cf "$base_tar.partial" .
  mv "$base_tar.partial" "$base_tar"
  rm -rf "$work/base"
fi
redis6_tar="$cache/redis-6.0-$redis6_hash.tar"
if [ ! -f "$redis6_tar" ]; then
  log "debootstrap $redis6_suite (redis-server) for /opt/redis-6.0"
  debootstrap --variant=minbase --include=redis-server "$redis6_suite" "$work/redis6" "$(mirror)" >"$work/debootstrap6.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap6.log" >&2; exit 1; }
  mkdir -p "$work/opt/redis-6.0/bin" "$work/opt/redis-6.0/lib"
  cp -L "$work/redis6/usr/bin/redis-server" "$work/opt/redis-6.0/bin/"
  # Its libraries but glibc's own (the image's loader and libc are newer and must stay one set).
  chroot "$work/redis6" ldd /usr/bin/redis-server | awk '$3 ~ /^\// {print $3}' \
    | grep -Ev '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so' \
    | while read -r lib; do cp -L "$work/redis6$lib" "$work/opt/redis-6.0/lib/"; done
  # A wrapper named like the binary: the process it execs is still called redis-server.
  printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/redis-6.0/lib exec /opt/redis-6.0/bin/redis-server "$@"\n' > "$work/opt/redis-6.0/redis-server"
  chmod 0755 "$work/opt/redis-6.0/redis-server"
  tar -C "$work" -cf "$redis6_tar.partial" opt/redis-6.0
  mv "$redis6_tar.partial" "$redis6_tar"
  rm -rf "$work/redis6" "$work/opt"
fi
log "assembling $tag"
mkdir "$work/rootfs"
tar -C "$work/rootfs" -xf "$base_tar"
cp -a "$here/node/rootfs/." "$work/rootfs/"
tar -C "$work/rootfs" -xf "$redis6_tar"
chroot "$work/rootfs" /bin/bash < "$here/node/setup.sh" >&2
tar -C "$work/rootfs" -c . | docker import \
  -c 'CMD ["/sbin/init"]' -c 'LABEL org.hsts-cluster.node=1' \
  - "$tag" >/dev/null
log "built $tag in $(( $(date +%s) - started ))s"
echo "$tag"
