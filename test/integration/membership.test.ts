import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { expectSameFingerprints, fingerprint } from '../rig/fingerprint.js';
import { startRig, type Rig, type RigNode } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { eventually, redisCli, sentinelPrimaries } from '../support/cluster.js';

let rig: Rig;
let five: string;
const all = () => rig.nodes.slice(0, 5);
/** Every container, members and those that join later (fingerprintAll covers members only). */
const fingerprintAll = (r: Rig) => Promise.all(r.nodes.map((n) => fingerprint(r, n)));

/** The rig's inventory with more of its containers as members (node4, node5, ...). */
function withNodes(count: number): InventoryInput {
  return {
    ...rig.inventory,
    nodes: rig.nodes.slice(0, count).map((node, i) => ({
      name: `node${i + 1}`,
      privateIp: node.privateIp,
      role: i === 0 ? 'primary' : 'replica',
      ssh: { host: '127.0.0.1', port: node.sshPort },
    })),
  };
}

/** What a Sentinel counts: `SENTINEL MASTER` fields num-slaves and num-other-sentinels. */
async function sentinelCounts(node: RigNode): Promise<string> {
  const out = (await redisCli(rig, node, 'SENTINEL MASTER myprimary', 41415)).output.trim().split('\n');
  const field = (name: string) => out[out.indexOf(name) + 1];
  return `replicas=${field('num-slaves')} peers=${field('num-other-sentinels')}`;
}

beforeAll(async () => {
  // Five containers on one network: three members, two that join later.
  rig = await startRig({ nodes: 3, outsiders: 2, dir: mkdtempSync(join(tmpdir(), 'hsts-membership-')) });
  five = rig.writeInventory('inventory-5.json', withNodes(5));
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
});
afterAll(async () => {
  await rig?.down();
});

describe('membership follows the inventory', () => {
  it('plan for 3 -> 5 lists the membership changes in order and touches nothing', async () => {
    const before = await fingerprintAll(rig);
    const r = await runCli(['plan', '-i', five]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('== membership: 5 change(s), in this order');
    const lines = r.stderr.split('\n').filter((l) => /^ {2}\d\. /.test(l)).map((l) => l.trim().split(':')[0]);
    expect(lines).toEqual(['1. update node2', '2. update node3', '3. update node1', `4. join node4 (${rig.nodes[3]!.privateIp})`, `5. join node5 (${rig.nodes[4]!.privateIp})`]);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('refuses to remove a member (not supported yet) and changes nothing', async () => {
    const replaced = withNodes(4);
    replaced.nodes = [replaced.nodes[0]!, replaced.nodes[1]!, { ...replaced.nodes[3]!, name: 'node3' }];
    const r = await runCli(['up', '-i', rig.writeInventory('inventory-replace.json', replaced)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`membership: removing members (${rig.nodes[2]!.privateIp}) is not supported`);
    expect(r.stderr).toContain('nothing was changed');
  });

  it('grows 3 -> 5: the data is kept, new nodes replicate the primary, every Sentinel counts every member', async () => {
    expect((await rig.sh(rig.nodes[0]!, '/opt/aspera/bin/asnodeadmin -au grown -p pass2 -x root')).exitCode).toBe(0);
    const r = await runCli(['up', '-i', five, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.membership).toHaveLength(5);
    expect(result.primary).toBe('node1');
    // asperanoded restarted one node at a time: each kept node went through its phases alone.
    expect(r.stderr).toMatch(/\(node2\)[\s\S]*\(node3\)[\s\S]*\(node1\)[\s\S]*\(node4\)[\s\S]*\(node5\)/);
    for (const node of all().slice(3)) {
      const listed = await eventually(() => rig.sh(node, '/opt/aspera/bin/asnodeadmin -l'), (l) => /grown\s+root/.test(l.output), 60);
      expect(listed.output, node.name).toMatch(/grown\s+root/);
      expect((await rig.sh(node, 'systemctl is-active asperaredisd asperaredissentinel asperanoded asperarund')).output.trim().split('\n'))
        .toEqual(['active', 'active', 'active', 'active']);
    }
    expect(await sentinelPrimaries(rig, all())).toEqual(all().map(() => rig.nodes[0]!.privateIp));
    const counts = await eventually(() => Promise.all(all().map(sentinelCounts)), (c) => c.every((x) => x === 'replicas=4 peers=4'), 60);
    expect(counts).toEqual(all().map(() => 'replicas=4 peers=4'));
    const dbHost = all().map((n) => n.privateIp).join(',');
    for (const node of all()) {
      expect((await rig.sh(node, 'grep -o "<db_host>[^<]*" /opt/aspera/etc/aspera.conf')).output.trim(), node.name).toBe(`<db_host>${dbHost}`);
    }
    // A new member reaches the primary's Redis and Sentinel through the updated firewall.
    const probe = (port: number) => `timeout 30 bash -c 'exec 3<>/dev/tcp/${rig.nodes[0]!.privateIp}/${port}' 2>/dev/null && echo open || echo refused`;
    for (const port of [31415, 41415]) expect((await rig.sh(rig.nodes[4]!, probe(port))).output.trim()).toBe('open');
  });

  it('is healthy and a second up changes nothing', async () => {
    const status = await runCli(['status', '-i', five]);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain('cluster: HEALTHY, primary node1');
    const r = await runCli(['up', '-i', five, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.totals.changed).toBe(0);
    expect(result.membership).toBeUndefined();
  });

  it('the three-node inventory is now a shrink, refused, nothing touched', async () => {
    const before = await fingerprintAll(rig);
    const r = await runCli(['up', '-i', rig.inventoryPath]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`membership: removing members (${rig.nodes[3]!.privateIp}, ${rig.nodes[4]!.privateIp}) is not supported`);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});
