import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { eventually, redisCli, sentinelPrimaries } from '../support/cluster.js';
import { startTransfer } from '../support/transfer.js';
import { until } from '../support/wait.js';

let rig: Rig;

interface StatusJson {
  verdict: string;
  primary: string;
  reasons: string[];
  maintenance: { node: string; by: string; since: string; message: string; stopped: string[] }[];
}
interface MaintenanceJson {
  exitCode: number;
  node: string;
  action: string;
  already?: boolean;
  mark?: { by: string; message: string; stopped: string[]; replicaPriority: string };
  nodes: { name: string; status: string; changed: number }[];
  errors: string[];
}

const MARK = '/var/lib/hsts-cluster/maintenance.json';
const statusJson = async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as StatusJson;
const maintenance = async (...args: string[]) => {
  const r = await runCli(['maintenance', ...args, '--json', '-i', rig.inventoryPath]);
  return { ...r, json: (r.stdout ? JSON.parse(r.stdout) : {}) as MaintenanceJson };
};
const ipOf = (name: string) => rig.nodes.find((n) => n.name.endsWith(`-${name}`))!.privateIp;
const priority = async (n: number) => (await redisCli(rig, n, 'CONFIG GET replica-priority')).output.trim().split('\n')[1];
const filePriority = async (n: number) => (await rig.sh(n, "grep -E '^replica-priority' /opt/aspera/etc/redis/aspera_31415.conf || echo none")).output.trim();
const markExists = async (n: number) => (await rig.sh(n, `test -e ${MARK}`)).exitCode === 0;
const active = async (n: number, unit: string) => (await rig.sh(n, `systemctl is-active ${unit}`)).output.trim();
/** The replica-priority node `of`'s record shows in every Sentinel's SENTINEL REPLICAS. */
const sentinelsSeePriority = async (of: number) => Promise.all(rig.nodes.map(async (n) => {
  const lines = (await redisCli(rig, n, 'SENTINEL REPLICAS myprimary', 41415)).output.trim().split('\n');
  const records: Record<string, string>[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i] === 'name') records.push({});
    records.at(-1)![lines[i]!] = lines[i + 1]!;
  }
  return records.find((r) => r.ip === rig.nodes[of]!.privateIp)?.['slave-priority'] ?? 'unlisted';
}));

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-maintenance-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const healthy = await eventually(statusJson, (s) => s.verdict === 'healthy', 120);
  if (healthy.verdict !== 'healthy') throw new Error(`the cluster is not healthy after up: ${JSON.stringify(healthy)}`);
});
afterAll(async () => {
  await rig?.down();
});

describe('maintenance', () => {
  it('refuses a node that is not in the inventory (exit 2) and the primary (exit 1, says to switch over first), touching nothing', async () => {
    const unknown = await runCli(['maintenance', 'on', 'node9', '-i', rig.inventoryPath]);
    expect(unknown.exitCode, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/NODE: not a node of the inventory \(got "node9"\)/);
    const primary = await maintenance('on', 'node1');
    expect(primary.exitCode, primary.stderr).toBe(1);
    expect(primary.json.errors.join('\n')).toMatch(/node1 is the primary: run `hsts-cluster switchover` first/);
    expect(await markExists(0)).toBe(false);
    expect(await priority(0)).toBe('100');
  });

  it('--dry-run shows the steps and changes nothing', async () => {
    const r = await runCli(['maintenance', 'on', 'node3', '--stop-services', '--dry-run', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would put node3 in maintenance/);
    expect(r.stdout).toMatch(/replica-priority 0/);
    expect(r.stdout).toMatch(/stop asperanoded, asperarund on node3/);
    expect(await markExists(2)).toBe(false);
    expect(await priority(2)).toBe('100');
  });

  it('a transfer that outlasts --wait-transfers fails the run, which puts everything back (exit 1)', async () => {
    const transfer = await startTransfer(rig, 2, 'maintenance-timeout');
    try {
      const refused = await maintenance('on', 'node3');
      expect(refused.exitCode, refused.stderr).toBe(1);
      expect(refused.json.errors.join('\n')).toMatch(/transfers in progress on node3: .*--wait-transfers SECONDS/);
      const r = await maintenance('on', 'node3', '--wait-transfers', '2', '--stop-services');
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.json.errors.join('\n')).toMatch(/transfers still running on node3 after 2 s/);
      expect(r.json.nodes.find((n) => n.name === 'node3')?.status).toBe('rolled-back');
    } finally {
      await transfer.end();
    }
    expect(await markExists(2)).toBe(false);
    expect(await priority(2)).toBe('100');
    expect(await filePriority(2)).not.toMatch(/replica-priority "?0"?$/);
    expect(await active(2, 'asperanoded')).toBe('active');
  });

  it('Ctrl-C while it waits for a transfer puts the replica-priority back and removes the mark (exit 1)', async () => {
    const transfer = await startTransfer(rig, 2, 'maintenance-ctrl-c');
    const run = startCli(['maintenance', 'on', 'node3', '--wait-transfers', '600', '-i', rig.inventoryPath]);
    try {
      await until(async () => (await priority(2)) === '0' || !run.running(), 120, "maintenance lowers node3's replica-priority", () => run.stderr());
      expect(run.running(), run.stderr()).toBe(true);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.stderr).toMatch(/interrupted \(Ctrl-C\)/);
      expect(r.exitCode, r.stderr).toBe(1);
    } finally {
      run.child.kill('SIGKILL');
      await transfer.end();
    }
    expect(await markExists(2)).toBe(false);
    expect(await priority(2)).toBe('100');
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120)).verdict).toBe('healthy');
  });

  it('on: node3 is marked, never promotable (run time, file, every Sentinel), its HSTS daemons stopped; a second node is refused', async () => {
    const r = await maintenance('on', 'node3', '--message', 'disk swap, ticket 42', '--stop-services');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.mark).toMatchObject({ message: 'disk swap, ticket 42', stopped: ['asperanoded', 'asperarund'], replicaPriority: '100' });
    expect((await rig.sh(2, `stat -c '%U %a' ${MARK}`)).output.trim()).toBe('root 600');
    expect(JSON.parse((await rig.sh(2, `cat ${MARK}`)).output)).toMatchObject({ message: 'disk swap, ticket 42', stopped: ['asperanoded', 'asperarund'] });
    expect(await priority(2)).toBe('0');
    expect(await filePriority(2)).toMatch(/^replica-priority "?0"?$/);
    expect(await sentinelsSeePriority(2)).toEqual(['0', '0', '0']);
    expect(await active(2, 'asperanoded')).not.toBe('active');
    expect(await active(2, 'asperarund')).not.toBe('active');
    expect(await active(2, 'asperaredisd')).toBe('active');
    const again = await maintenance('on', 'node3');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.already).toBe(true);
    const second = await maintenance('on', 'node2');
    expect(second.exitCode, second.stderr).toBe(1);
    expect(second.json.errors.join('\n')).toMatch(/would leave 1 of 3 nodes in service, fewer than a Sentinel majority/);
    expect(await priority(1)).toBe('100');
  });

  it('status shows the node, who, since when and why, and counts it no failure', async () => {
    const s = await statusJson();
    expect(s.verdict, s.reasons.join('\n')).toBe('healthy');
    expect(s.maintenance).toEqual([expect.objectContaining({ node: 'node3', message: 'disk swap, ticket 42', stopped: ['asperanoded', 'asperarund'] })]);
    expect(s.maintenance[0]!.by).toMatch(/.+@.+/);
    expect(Date.parse(s.maintenance[0]!.since)).toBeGreaterThan(0);
    const human = await runCli(['status', '-i', rig.inventoryPath]);
    expect(human.exitCode, human.stdout).toBe(0);
    expect(human.stdout).toMatch(/node3 +replica \(MAINTENANCE\)/);
    expect(human.stdout).toMatch(/node3: in maintenance since \S+ by \S+@\S+: disk swap, ticket 42 \(stopped: asperanoded, asperarund\)/);
  });

  it('switchover refuses node3 as its target; its dry run without --to names node2', async () => {
    const refused = await runCli(['switchover', '--to', 'node3', '--json', '-i', rig.inventoryPath]);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect((JSON.parse(refused.stdout) as { errors: string[] }).errors.join('\n')).toMatch(/node3 is in maintenance \(never promoted\): run `hsts-cluster maintenance off node3` first/);
    const dry = await runCli(['switchover', '--dry-run', '-i', rig.inventoryPath]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would switch the primary from node1 to node2/);
    expect(await sentinelPrimaries(rig, rig.nodes)).toEqual([ipOf('node1'), ipOf('node1'), ipOf('node1')]);
  });

  it('Sentinel never picks node3: with node2 unpromotable too it finds no replica, then it promotes node2', async () => {
    await redisCli(rig, 1, 'CONFIG SET replica-priority 0');
    try {
      await until(async () => (await sentinelsSeePriority(1)).every((p) => p === '0'), 60, "every Sentinel sees node2's replica-priority 0");
      const none = await redisCli(rig, 0, 'SENTINEL FAILOVER myprimary', 41415);
      expect(none.output).toMatch(/NOGOODSLAVE/);
    } finally {
      await redisCli(rig, 1, 'CONFIG SET replica-priority 100');
    }
    await until(async () => (await sentinelsSeePriority(1)).every((p) => p === '100'), 60, "every Sentinel sees node2's replica-priority 100 again");
    expect((await redisCli(rig, 0, 'SENTINEL FAILOVER myprimary', 41415)).output.trim()).toBe('OK');
    const views = await eventually(() => sentinelPrimaries(rig, rig.nodes), (v) => v.every((ip) => ip === ipOf('node2')), 120);
    expect(views).toEqual([ipOf('node2'), ipOf('node2'), ipOf('node2')]);
    const node3 = await eventually(async () => (await redisCli(rig, 2, 'INFO replication')).output, (o) => o.includes(`master_host:${ipOf('node2')}`) && /master_link_status:up/.test(o), 120);
    expect(node3).toContain('role:slave');
    expect(await priority(2)).toBe('0');
    expect(await filePriority(2)).toMatch(/^replica-priority "?0"?$/);
    await eventually(async () => (await redisCli(rig, 0, 'INFO replication')).output, (o) => /master_link_status:up/.test(o), 120);
  });

  it('up after the failover leaves node3 alone: changed 0 there, replica-priority 0, its daemons still stopped', async () => {
    const up = await runCli(['up', '--json', '-i', rig.inventoryPath]);
    expect(up.exitCode, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout) as { primary: string; nodes: { name: string; changed: number }[] };
    expect(result.primary).toBe('node2');
    expect(result.nodes.find((n) => n.name === 'node3')?.changed, up.stderr).toBe(0);
    expect(await priority(2)).toBe('0');
    expect(await active(2, 'asperanoded')).not.toBe('active');
    expect(await active(2, 'asperarund')).not.toBe('active');
    expect(await markExists(2)).toBe(true);
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120))).toMatchObject({ verdict: 'healthy', primary: 'node2' });
  });

  it('off: node3 back in service, its daemons started, replica-priority 100 everywhere, checked; status healthy without it', async () => {
    const r = await maintenance('off', 'node3');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.nodes.find((n) => n.name === 'node3')?.changed).toBe(1);
    expect(await markExists(2)).toBe(false);
    expect(await priority(2)).toBe('100');
    expect(await filePriority(2)).not.toMatch(/replica-priority "?0"?$/);
    expect(await sentinelsSeePriority(2)).toEqual(['100', '100', '100']);
    expect(await active(2, 'asperanoded')).toBe('active');
    expect(await active(2, 'asperarund')).toBe('active');
    const s = await eventually(statusJson, (v) => v.verdict === 'healthy', 120);
    expect(s).toMatchObject({ verdict: 'healthy', primary: 'node2', maintenance: [] });
    const again = await maintenance('off', 'node3');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.already).toBe(true);
  });
});
