/**
 * A cold start: the primary is lost, an administrator promotes node3 by hand while the Sentinels are
 * stopped and writes to it, then every node is shut down for maintenance (HSTS services disabled,
 * so nothing starts on boot) and booted again at once, each at its own IP. The Sentinel files and
 * the inventory both still name node1; only the data says node3. `up` must start node3 as primary.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../src/hsts/paths.js';
import { fullOutage } from '../rig/outage.js';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { eventually, redisCli } from '../support/cluster.js';

let rig: Rig;
const statusJson = async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as { verdict: string; primary: string };
const users = ['cold1', 'cold2', 'cold3'];

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-cold-start-')), fixedAddresses: true });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const healthy = await eventually(statusJson, (s) => s.verdict === 'healthy', 120);
  if (healthy.verdict !== 'healthy') throw new Error(`the cluster is not healthy after up: ${JSON.stringify(healthy)}`);
});
afterAll(async () => {
  await rig?.down();
});

describe('cold start after a full outage', () => {
  it('starts the node with the newest data as primary, losing nothing written before the outage', async () => {
    for (const user of users) {
      const r = await rig.sh(0, `/opt/aspera/bin/asnodeadmin -au ${user} -p pass-${user} -x root`);
      expect(r.exitCode, r.output).toBe(0);
    }
    expect((await redisCli(rig, 0, 'SET cold:before-failover 1')).output.trim()).toBe('OK');
    // Every replica has everything node1 had, then node1 is lost with the Sentinels stopped.
    await eventually(async () => Promise.all([1, 2].map(async (n) => (await redisCli(rig, n, 'GET cold:before-failover')).output.trim())), (v) => v.every((x) => x === '1'), 60);
    for (const i of [0, 1, 2]) await rig.sh(i, 'systemctl stop asperaredissentinel');
    await rig.sh(0, 'systemctl stop asperaredisd');
    // A failover by hand: node3 becomes primary and takes writes node2 never sees.
    expect((await redisCli(rig, 2, 'REPLICAOF NO ONE')).output.trim()).toBe('OK');
    for (let i = 0; i < 50; i++) expect((await redisCli(rig, 2, `SET cold:after-failover:${i} ${'x'.repeat(100)}`)).output.trim()).toBe('OK');
    // Maintenance shutdown: nothing of HSTS starts on boot; every node halts and boots at once.
    for (const i of [0, 1, 2]) {
      const r = await rig.sh(i, `systemctl disable --now ${SERVICES.join(' ')} 2>&1`);
      expect(r.exitCode, r.output).toBe(0);
    }
    await fullOutage(rig);
    expect((await rig.sh(0, 'systemctl is-active asperaredisd asperaredissentinel || true')).output).not.toMatch(/^active/m);

    const plan = await runCli(['plan', '-i', rig.inventoryPath]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/keeping node3 \([\d.]+\) as primary: cold start: no Sentinel answered and no Redis had replicas; it holds the newest data: replication offset \d+ \(id [0-9a-f]{8}…\), RDB written [^,]+, from its RDB file; the inventory says node1/);
    expect(plan.stderr).toMatch(/== node3 \(primary\)/);

    const up = await runCli(['up', '--json', '-i', rig.inventoryPath]);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).primary).toBe('node3');
    expect(await eventually(statusJson, (s) => s.verdict === 'healthy', 180)).toMatchObject({ verdict: 'healthy', primary: 'node3' });
    for (const n of [0, 1, 2]) {
      const keys = await eventually(async () => (await redisCli(rig, n, 'EVAL "return #redis.call(\'KEYS\', \'cold:after-failover:*\')" 0')).output.trim(), (v) => v === '50', 60);
      expect(keys, `node${n + 1}`).toBe('50');
      expect((await redisCli(rig, n, 'GET cold:before-failover')).output.trim()).toBe('1');
      const listed = await rig.sh(n, '/opt/aspera/bin/asnodeadmin -l');
      expect(listed.exitCode, listed.output).toBe(0);
      for (const user of users) expect(listed.output).toMatch(new RegExp(`${user}\\s+root`));
    }
    // node1's own dataset (it was the primary before the failover) is kept in the run's snapshot.
    expect((await rig.sh(0, 'ls /var/lib/hsts-cluster/runs/*/redis.rdb')).exitCode).toBe(0);
    const again = await runCli(['up', '--json', '-i', rig.inventoryPath]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals.changed, again.stderr).toBe(0);
  });
});
