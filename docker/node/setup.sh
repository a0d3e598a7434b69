#!/bin/bash
# Runs inside the node's root filesystem (chroot) after the overlay is copied in:
# what the OS image and the HSTS installer leave on a fresh, standalone node.
set -euo pipefail

groupadd --system aspadmins
useradd --system --gid aspadmins --home-dir /opt/aspera/var --shell /usr/sbin/nologin asperadaemon
useradd --create-home --shell /bin/bash xfer
# aspshell, IBM's restricted login shell for transfer users, is in /opt/aspera/bin; IBM's documents
# give users /bin/aspshell ("usermod -s /bin/aspshell username", HSTS 4.4 "Setting up users"). They
# do not say whether the installer puts a link or a copy there: the rig takes a link. Not added to
# /etc/shells (the documents do not say the installer does; useradd, su and sshd do not ask).
ln -s /opt/aspera/bin/aspshell /bin/aspshell
# The rig's non-root operator: sudo without a password (the rig injects its SSH key).
useradd --create-home --shell /bin/bash hstsadmin
printf 'hstsadmin ALL=(ALL:ALL) NOPASSWD: ALL\n' > /etc/sudoers.d/hstsadmin
chmod 0440 /etc/sudoers.d/hstsadmin

install -d -o asperadaemon -g aspadmins -m 0755 /opt/aspera/var /opt/aspera/var/run
# Redis and Sentinel rewrite their own config files (CONFIG REWRITE goes through a temp file in
# the same directory), so the daemon user owns the directory as well as the files.
chown asperadaemon:aspadmins /opt/aspera/etc/redis
chown asperadaemon:aspadmins /opt/aspera/etc/redis/aspera_31415.conf
chmod 0640 /opt/aspera/etc/redis/aspera_31415.conf
# The shipped Sentinel unit is the installer's (root's), whatever the checkout's umask made it.
chown root:root /opt/aspera/etc/redis/asperaredissentinel.service
chmod 0644 /opt/aspera/etc/redis/asperaredissentinel.service
chmod 0644 /opt/aspera/etc/aspera.conf
install -d -m 0755 /srv/aspera

# Debian's own Redis units fail in a container (217/USER) and are not how HSTS runs Redis.
systemctl mask redis-server.service redis-sentinel.service
systemctl enable hsts-firstboot.service asperaredisd.service asperanoded.service asperarund.service ssh.service

# firewalld is there for the rig's firewalld profile (test/rig, hsts-rig-firewall), off otherwise.
systemctl disable firewalld.service >/dev/null 2>&1 || true
systemctl mask firewalld.service

# iptables-persistent's postinst saved the build machine's rules (debootstrap runs it in the
# build machine's network namespace): a fresh node has no persisted rules.
rm -f /etc/iptables/rules.v4 /etc/iptables/rules.v6

# Per-machine identity is made at first boot, never baked in.
rm -f /etc/ssh/ssh_host_*
: > /etc/machine-id
# VERBOSE logs every session ("Starting session: command"), which the benchmark counts.
printf 'UseDNS no\nLogLevel VERBOSE\nMaxSessions 50\nMaxStartups 100:30:200\n' > /etc/ssh/sshd_config.d/hsts-rig.conf

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
