#!/usr/bin/env bash
# Makes sure this machine can run the test rig: a Docker engine, debootstrap (to build the node
# image), iptables and ssh-agent. Installs and starts what is missing when run as root (Debian/Ubuntu);
# otherwise says exactly what to run. Prints "started-dockerd PID" on stdout when it started one.
set -euo pipefail
log() { echo "ensure-host: $*" >&2; }

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ssh-agent >/dev/null 2>&1 || need+=(openssh-client)   # the jump-host test's ssh-agent
command -v man >/dev/null 2>&1 || need+=(man-db)                 # the man page test renders hsts-cluster(1)
command -v groff >/dev/null 2>&1 || need+=(groff-base)
command -v ansible-inventory >/dev/null 2>&1 || need+=(ansible-core)  # test/cli/ansible-peer.test.ts: Ansible reads the same inventories
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing: ${need[*]}. Run: sudo apt-get install -y --no-install-recommends ${need[*]}"
    exit 1
  fi
  log "installing ${need[*]} from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >&2
fi

# Every node runs systemd, which takes inotify instances: the kernel's default of 128 per user runs
# out near fifteen nodes and units then fail at boot.
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 1024 ]; then
  if [ "$(id -u)" = 0 ]; then
    sysctl -qw fs.inotify.max_user_instances=1024 || log "could not raise fs.inotify.max_user_instances"
  else
    log "fs.inotify.max_user_instances is low: sudo sysctl -w fs.inotify.max_user_instances=1024 (for more than a few nodes)"
  fi
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "no Docker engine answers. Start one (sudo dockerd &) or add yourself to the docker group."
    exit 1
  fi
  log "starting dockerd"
  nohup dockerd >/var/log/hsts-cluster-dockerd.log 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /var/log/hsts-cluster-dockerd.log"; exit 1; }
  echo "started-dockerd $pid"
fi
