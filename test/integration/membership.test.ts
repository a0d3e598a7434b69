import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { expectSameFingerprints, fingerprint } from '../rig/fingerprint.js';
import { FAULTS } from '../rig/faults.js';
import { startRig, type Rig, type RigNode } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { eventually, redisCli, sentinelPrimaries } from '../support/cluster.js';

let rig: Rig;
let five: string;
const three = () => rig.nodes.slice(0, 3);
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

describe('membership follows the inventory', () => {
  beforeAll(async () => {
    // Six containers on one network: three members, two that join later, one that replaces a member.
    rig = await startRig({ nodes: 3, outsiders: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-membership-')) });
    five = rig.writeInventory('inventory-5.json', withNodes(5));
    // Root's listeners on the Redis and Sentinel ports of another address, as Docker's resolver takes a
    // random port on 127.0.0.11 (it once took 41415): Redis and Sentinel bind the private IP, so up
    // and every later command go on, and no password goes to these sockets.
    for (const [node, port] of [[rig.nodes[1]!, 41415], [rig.nodes[2]!, 31415]] as const) {
      const listen = `import socket, time; s = socket.socket(); s.bind(("127.0.0.1", ${port})); s.listen(1); time.sleep(3600)`;
      await rig.sh(node, `setsid -f timeout 3600 python3 -c '${listen}' >/dev/null 2>&1 < /dev/null`);
      const bound = await eventually(() => rig.sh(node, `ss -Htln 'sport = :${port}'`), (r) => r.output.includes(`127.0.0.1:${port}`), 10);
      expect(bound.output, `${node.name}: root's listener on 127.0.0.1:${port}`).toContain(`127.0.0.1:${port}`);
    }
    const up = await runCli(['up', '-i', rig.inventoryPath]);
    if (up.exitCode !== 0) throw new Error(up.stderr);
  });
  afterAll(async () => {
    await rig?.down();
  });

  it('plan for 3 -> 5 lists the membership changes in order and touches nothing', async () => {
    const before = await fingerprintAll(rig);
    const r = await runCli(['plan', '-i', five]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('== membership: 5 change(s), in this order');
    const lines = r.stderr.split('\n').filter((l) => /^ {2}\d\. /.test(l)).map((l) => l.trim().split(':')[0]);
    expect(lines).toEqual(['1. update node2', '2. update node3', '3. update node1', `4. join node4 (${rig.nodes[3]!.privateIp})`, `5. join node5 (${rig.nodes[4]!.privateIp})`]);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('refuses to replace two of three members at once (the Sentinel majority) and changes nothing', async () => {
    const before = await fingerprintAll(rig);
    const replaced = withNodes(5);
    replaced.nodes = [replaced.nodes[0]!, { ...replaced.nodes[3]!, name: 'node2' }, { ...replaced.nodes[4]!, name: 'node3' }];
    const r = await runCli(['up', '-i', rig.writeInventory('inventory-replace-two.json', replaced)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('membership: removing 2 of 3 members');
    expect(r.stderr).toContain('remove or replace at most 1 per run');
    expect(r.stderr).toContain('nothing was changed');
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `container ${i + 1}`).toBe(e));
  });

  it('a fault in the middle of a grow (node4 fails after the kept nodes were updated) rolls back every node', async () => {
    const fault = FAULTS.find((f) => f.step === 'aspera-conf')!;
    const dbHost = () => Promise.all(three().map(async (n) => (await rig.sh(n, 'grep -o "<db_host>[^<]*" /opt/aspera/etc/aspera.conf')).output.trim()));
    const before = await dbHost();
    const rules = () => Promise.all(three().map((n) => rig.sh(n, "iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'")));
    const rulesBefore = await rules();
    expect((await rig.sh(rig.nodes[3]!, fault.plant)).exitCode).toBe(0);
    try {
      const r = await runCli(['up', '-i', five, '--json']);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(fault.expect);
      const result = JSON.parse(r.stdout);
      expect(result.nodes.slice(0, 3).map((n: { status: string }) => n.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    } finally {
      await rig.sh(rig.nodes[3]!, fault.remove);
    }
    expect(await dbHost()).toEqual(before);
    expect(await rules()).toEqual(rulesBefore);
    const status = await runCli(['status', '-i', rig.inventoryPath]);
    expect(status.exitCode, status.stdout).toBe(0);
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

  it('shrinks 5 -> 3: removed nodes detached, forgotten by every Sentinel, refused by every firewall; data kept', async () => {
    expect((await rig.sh(rig.nodes[0]!, '/opt/aspera/bin/asnodeadmin -au shrunk -p pass2 -x root')).exitCode).toBe(0);
    const plan = await runCli(['plan', '-i', rig.inventoryPath]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('== membership: 8 change(s), in this order');
    // Against the 3-node inventory, every Sentinel still counts the two nodes about to go.
    const stale = await runCli(['status', '-i', rig.inventoryPath]);
    expect(stale.exitCode).toBe(1);
    for (const name of ['node1', 'node2', 'node3']) expect(stale.stdout).toMatch(new RegExp(`${name} .* 4/4 \\(want 2\\) `));
    expect(stale.stdout).toContain('node1: its Sentinel counts 4 replica(s) and 4 peer(s), the inventory has 2 of each');
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    await expectMembers(rig.nodes.slice(0, 3), rig.nodes.slice(3, 5), 'shrunk');
    for (const removed of rig.nodes.slice(3, 5)) {
      expect((await rig.sh(removed, 'systemctl is-active asperaredisd')).output.trim(), removed.name).not.toBe('active');
      expect((await redisCli(rig, removed, 'SENTINEL MASTERS', 41415)).output.trim(), removed.name).toBe('');
    }
  });

  it('replaces a stopped member by a fresh container under the same name, keeping the data', async () => {
    await rig.nodes[2]!.container.stop();
    const replaced = withNodes(6);
    replaced.nodes = [replaced.nodes[0]!, replaced.nodes[1]!, { ...replaced.nodes[5]!, name: 'node3' }];
    const inventory = rig.writeInventory('inventory-replaced.json', replaced);
    const r = await runCli(['up', '-i', inventory, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).membership[0]).toContain(`detach ${rig.nodes[2]!.privateIp}`);
    await expectMembers([rig.nodes[0]!, rig.nodes[1]!, rig.nodes[5]!], [], 'shrunk', inventory);
  });
});

/** After a change: data readable on every member, counts and db_host lists match, removed IPs refused. */
async function expectMembers(members: RigNode[], removed: RigNode[], user: string, inventory = rig.inventoryPath): Promise<void> {
  const n = members.length;
  for (const node of members) {
    const listed = await eventually(() => rig.sh(node, '/opt/aspera/bin/asnodeadmin -l'), (l) => new RegExp(`${user}\\s+root`).test(l.output), 60);
    expect(listed.output, node.name).toMatch(new RegExp(`${user}\\s+root`));
    expect((await rig.sh(node, 'grep -o "<db_host>[^<]*" /opt/aspera/etc/aspera.conf')).output.trim(), node.name)
      .toBe(`<db_host>${members.map((m) => m.privateIp).join(',')}`);
  }
  const want = `replicas=${n - 1} peers=${n - 1}`;
  const counts = await eventually(() => Promise.all(members.map(sentinelCounts)), (c) => c.every((x) => x === want), 60);
  expect(counts).toEqual(members.map(() => want));
  for (const outsider of removed) {
    for (const port of [31415, 41415]) {
      const probe = `timeout 30 bash -c 'exec 3<>/dev/tcp/${members[0]!.privateIp}/${port}' 2>/dev/null && echo open || echo refused`;
      expect((await rig.sh(outsider, probe)).output.trim(), `${outsider.name} -> ${port}`).toBe('refused');
    }
  }
  const status = await runCli(['status', '-i', inventory]);
  expect(status.exitCode, status.stdout).toBe(0);
  expect(status.stdout).toContain('cluster: HEALTHY, primary node1');
  const again = await runCli(['up', '-i', inventory, '--json']);
  expect(again.exitCode, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout).totals.changed).toBe(0);
}

describe('leaving nodes ("state": "absent")', () => {
  let leaveRig: Rig;
  const UNITS = 'asperanoded asperarund asperaredissentinel asperaredisd';
  beforeAll(async () => {
    leaveRig = await startRig({ nodes: 5, dir: mkdtempSync(join(tmpdir(), 'hsts-leaving-')) });
    const up = await runCli(['up', '-i', leaveRig.inventoryPath]);
    if (up.exitCode !== 0) throw new Error(up.stderr);
  });
  afterAll(async () => {
    await leaveRig?.down();
  });

  it('5 -> 3 with the primary and a replica absent: switchover first, no data lost, the absent nodes stopped and disabled', async () => {
    const [node1, node2, node3, node4, node5] = leaveRig.nodes as [RigNode, RigNode, RigNode, RigNode, RigNode];
    for (let i = 0; i < 50; i++) expect((await redisCli(leaveRig, node1, `SET leaving:${i} v${i}`)).output.trim()).toBe('OK');
    expect((await leaveRig.sh(node1, '/opt/aspera/bin/asnodeadmin -au leaver -p pass2 -x root')).exitCode).toBe(0);
    const absent = { ...leaveRig.inventory, nodes: leaveRig.inventory.nodes.map((n, i) => (i === 0 || i === 4 ? { ...n, state: 'absent' as const } : n)) };
    const inventory = leaveRig.writeInventory('inventory-absent.json', absent);

    const plan = await runCli(['plan', '-i', inventory]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('switchover: the primary moves from node1 (leaving) to node2');
    expect(plan.stderr).toContain('leave node5: stop asperanoded, asperarund, asperaredissentinel, asperaredisd');
    expect((await leaveRig.sh(node1, `systemctl is-active ${UNITS}`)).output.trim().split('\n')).toEqual(['active', 'active', 'active', 'active']);

    const r = await runCli(['up', '-i', inventory, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.primary).toBe('node2');
    expect(result.membership.slice(0, 3).map((l: string) => l.split(':')[0])).toEqual(['switchover', 'leave node1', 'leave node5']);
    expect(r.stderr).toMatch(/switchover: node2 is the primary/);

    const members = [node2, node3, node4];
    for (const gone of [node1, node5]) {
      expect((await leaveRig.sh(gone, `systemctl is-active ${UNITS}`)).output.trim().split('\n'), gone.name).toEqual(['inactive', 'inactive', 'inactive', 'inactive']);
      expect((await leaveRig.sh(gone, `systemctl is-enabled ${UNITS}`)).output.trim().split('\n'), gone.name).toEqual(['disabled', 'disabled', 'disabled', 'disabled']);
    }
    for (const node of members) {
      for (let i = 0; i < 50; i += 7) expect((await redisCli(leaveRig, node, `GET leaving:${i}`)).output.trim(), node.name).toBe(`v${i}`);
      const listed = await eventually(() => leaveRig.sh(node, '/opt/aspera/bin/asnodeadmin -l'), (l) => /leaver\s+root/.test(l.output), 60);
      expect(listed.output, node.name).toMatch(/leaver\s+root/);
      expect((await leaveRig.sh(node, 'grep -o "<db_host>[^<]*" /opt/aspera/etc/aspera.conf')).output.trim(), node.name)
        .toBe(`<db_host>${members.map((m) => m.privateIp).join(',')}`);
    }
    expect(await sentinelPrimaries(leaveRig, members)).toEqual(members.map(() => node2.privateIp));
    const counts = await eventually(() => Promise.all(members.map(async (node) => {
      const out = (await redisCli(leaveRig, node, 'SENTINEL MASTER myprimary', 41415)).output.trim().split('\n');
      return `replicas=${out[out.indexOf('num-slaves') + 1]} peers=${out[out.indexOf('num-other-sentinels') + 1]}`;
    })), (c) => c.every((x) => x === 'replicas=2 peers=2'), 120);
    expect(counts).toEqual(members.map(() => 'replicas=2 peers=2'));
    for (const gone of [node1, node5]) {
      for (const port of [31415, 41415]) {
        const probe = `timeout 30 bash -c 'exec 3<>/dev/tcp/${node2.privateIp}/${port}' 2>/dev/null && echo open || echo refused`;
        expect((await leaveRig.sh(gone, probe)).output.trim(), `${gone.name} -> ${port}`).toBe('refused');
      }
    }
    const status = await runCli(['status', '-i', inventory]);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain('cluster: HEALTHY, primary node2');

    const again = await runCli(['up', '-i', inventory, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.totals.changed).toBe(0);
    expect(second.membership).toBeUndefined();
    expect(second.nodes.filter((n: { name: string }) => ['node1', 'node5'].includes(n.name)).map((n: { status: string }) => n.status)).toEqual(['ok', 'ok']);
    expect(again.stderr).toContain('node1 is absent: already detached');
  });
});
