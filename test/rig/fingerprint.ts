import type { Rig, RigNode } from './rig.js';

/** Everything hsts-cluster may touch on a node (its own run records aside). */
const FILES = [
  '/opt/aspera/etc/aspera.conf',
  '/opt/aspera/etc/redis/aspera_31415.conf',
  '/opt/aspera/etc/redis/sentinel_41415.conf',
  '/lib/systemd/system/asperaredissentinel.service',
  '/etc/iptables/rules.v4',
  '/etc/sysconfig/iptables',
  '/opt/aspera/var/kms/redis-password',
];
const UNITS = ['asperaredisd', 'asperaredissentinel', 'asperanoded', 'asperarund', 'netfilter-persistent'];

/**
 * With iptables-nft a node starts with no filter table at all; creating and deleting our chain leaves
 * an empty one behind (ACCEPT policies, no rule), which filters exactly like none. Both print the same.
 */
const NORMALIZE = `normalize_empty_filter() {
  python3 -c '
import sys
text = sys.stdin.read()
empty = "*filter\\n:INPUT ACCEPT \\n:FORWARD ACCEPT \\n:OUTPUT ACCEPT \\nCOMMIT\\n"
sys.stdout.write(text.replace(empty, ""))'
}`;

const SCRIPT = `${NORMALIZE}
for f in ${FILES.join(' ')} /opt/aspera/var/keystore/*; do
  if [ -e "$f" ]; then echo "file $f $(stat -c '%U:%G %a' "$f") $(sha256sum < "$f" | cut -c1-16)"; else echo "file $f absent"; fi
done
for l in /etc/systemd/system/*.wants/asperaredissentinel.service; do [ -e "$l" ] && echo "link $l"; done
for u in ${UNITS.join(' ')}; do echo "unit $u $(systemctl is-enabled $u 2>/dev/null || true) $(systemctl is-active $u 2>/dev/null || true)"; done
iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//' | normalize_empty_filter | sed 's/^/iptables /'
`;

/** A text that is equal for two nodes states only if every file, unit state and rule is the same. */
export async function fingerprint(rig: Rig, node: RigNode | number): Promise<string> {
  const r = await rig.sh(node, SCRIPT);
  if (r.exitCode !== 0) throw new Error(`fingerprint failed: ${r.output}`);
  return r.output;
}

export async function fingerprintAll(rig: Rig): Promise<string[]> {
  return Promise.all(rig.nodes.filter((n) => n.name.includes('-node')).map((n) => fingerprint(rig, n)));
}

/** Compares node by node, so that a failure shows which node and which lines differ. */
export function expectSameFingerprints(actual: string[], expected: string[], compare: (a: string, e: string, node: number) => void): void {
  if (actual.length !== expected.length) throw new Error(`fingerprints of ${actual.length} nodes, expected ${expected.length}`);
  actual.forEach((a, i) => compare(a, expected[i]!, i));
}
