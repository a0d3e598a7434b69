import { fingerprint } from './fingerprint.js';
import type { Rig, RigNode } from './rig.js';

/**
 * Puts rig nodes back to how they booted, fast (about a second) and checked: for benchmarks that
 * need fresh nodes for every cold run, whatever tool configured them.
 */
const SAVED = '/var/tmp/hsts-pristine.tar';
// askmscli's stores: rootkeystore.db under opt/aspera/etc, asperadaemon's localkeystore.db in its home.
const PATHS = 'opt/aspera/etc opt/aspera/var/localkeystore.db';

export async function savePristine(rig: Rig, nodes: RigNode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (node) => {
    const r = await rig.sh(node, `tar -C / -cpf ${SAVED} ${PATHS} && mkdir -p /etc/iptables`);
    if (r.exitCode !== 0) throw new Error(`${node.name}: ${r.output}`);
    return fingerprint(rig, node);
  }));
}

const RESET = `
systemctl stop asperanoded asperarund asperaredissentinel asperaredisd 2>/dev/null
systemctl disable asperaredissentinel 2>/dev/null
rm -rf /lib/systemd/system/asperaredissentinel.service /etc/systemd/system/asperaredissentinel.service.d /etc/systemd/system/asperaredisd.service.d
systemctl daemon-reload
systemctl reset-failed
rm -rf ${PATHS.split(' ').map((p) => `/${p}`).join(' ')} /var/lib/hsts-cluster /var/lib/hsts-cluster.refused.* /opt/aspera/var/hsts-cluster /opt/aspera/var/*.rdb /home/*/localkeystore.db /etc/iptables/rules.v4
tar -C / -xpf ${SAVED}
iptables -F && iptables -X
systemctl start asperaredisd asperanoded asperarund
`;

export async function resetNodes(rig: Rig, nodes: RigNode[], pristine: string[]): Promise<void> {
  await Promise.all(nodes.map(async (node, i) => {
    const r = await rig.sh(node, RESET);
    const now = await fingerprint(rig, node);
    if (now !== pristine[i]) throw new Error(`${node.name}: reset did not restore the booted state (exit ${r.exitCode}: ${r.output})`);
  }));
}
