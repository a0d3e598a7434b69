#!/bin/sh
# Runs up.yml against the nodes of a hsts-cluster inventory (JSON): converts it with
# inventory-from-json.mjs (hosts.yml and a 0600 secrets.yml in "ansible/" beside it), then runs
# ansible-playbook with this folder's ansible.cfg and strict host keys.
#
#   bench/ansible/run.sh INVENTORY.json [ansible-playbook options, e.g. -v or --check]
#
# The Redis password reaches ansible-playbook as `-e @secrets.yml`, never on a command line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 INVENTORY.json [ansible-playbook options]" >&2; exit 2; }
inventory=$1
shift
files=$(node "$here/inventory-from-json.mjs" "$inventory")
hosts=$(printf '%s\n' "$files" | sed -n 1p)
secrets=$(printf '%s\n' "$files" | sed -n 2p)
export ANSIBLE_CONFIG="$here/ansible.cfg"
export ANSIBLE_HOST_KEY_CHECKING=True
exec ansible-playbook -i "$hosts" -e "@$secrets" "$@" "$here/up.yml"
