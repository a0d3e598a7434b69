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
image_hash=$(
  cd "$here"
  { printf '%s\n' "$base_hash"; cat build-image.sh
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
log "assembling $tag"
mkdir "$work/rootfs"
tar -C "$work/rootfs" -xf "$base_tar"
cp -a "$here/node/rootfs/." "$work/rootfs/"
chroot "$work/rootfs" /bin/bash < "$here/node/setup.sh" >&2
tar -C "$work/rootfs" -c . | docker import \
  -c 'CMD ["/sbin/init"]' -c 'LABEL org.hsts-cluster.node=1' \
  - "$tag" >/dev/null
log "built $tag in $(( $(date +%s) - started ))s"
echo "$tag"
