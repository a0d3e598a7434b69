#!/usr/bin/env bash
# Prints the path of a promtool (Prometheus's rule checker) for the test of contrib/prometheus:
# the one on PATH, else one unpacked from Debian's `prometheus` package into the cache (no service is
# installed or started: only the package's files are unpacked). Exits 1 saying why when neither works.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
cache=${HSTS_CACHE_DIR:-/var/cache/hsts-cluster}/promtool
tool="$cache/x/usr/bin/promtool"
if [ ! -x "$tool" ]; then
  mkdir -p "$cache"
  cd "$cache"
  if ! ls prometheus_*.deb >/dev/null 2>&1; then
    apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq >&2 && apt-get download prometheus >/dev/null; } \
      || { echo "ensure-promtool: could not download Debian's prometheus package" >&2; exit 1; }
  fi
  rm -rf x.partial && dpkg -x prometheus_*.deb x.partial && rm -rf x && mv x.partial x
fi
"$tool" --version >/dev/null 2>&1 || { echo "ensure-promtool: $tool does not run" >&2; exit 1; }
echo "$tool"
