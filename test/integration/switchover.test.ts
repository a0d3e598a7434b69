import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { eventually, redisCli, sentinelPrimaries } from '../support/cluster.js';
import { until } from '../support/wait.js';
import { startWriter, type WriterReport } from '../support/writer.js';

let rig: Rig;

const statusJson = async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as { verdict: string; primary: string };

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-switchover-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const healthy = await eventually(statusJson, (s) => s.verdict === 'healthy', 120);
  if (healthy.verdict !== 'healthy') throw new Error(`the cluster is not healthy after up: ${JSON.stringify(healthy)}`);
});
afterAll(async () => {
  await rig?.down();
});

interface SwitchoverJson {
  exitCode: number;
  from?: string;
  to?: string;
  windowMs?: number;
  offsets?: { before: Record<string, number>; atPromotion?: number };
  steps: string[];
  totals: { changed: number };
  errors: string[];
}

const ipOf = (name: string) => rig.nodes.find((n) => n.name.endsWith(`-${name}`))!.privateIp;
const priorities = async () => Promise.all([0, 1, 2].map(async (n) => (await redisCli(rig, n, 'CONFIG GET replica-priority')).output.trim().split('\n')[1]));

/** A switchover to `to` while the writer runs on node3; the writer's report and the command's result. */
async function switchoverUnderWrites(to: string, key: string): Promise<{ result: SwitchoverJson; writes: WriterReport; stderr: string }> {
  const writer = startWriter(rig, 2, { key, maxSeconds: 600 });
  await until(async () => (await writer.lastAcked()) >= 20, 60, 'the writer has 20 acknowledged writes');
  const r = await runCli(['switchover', '--to', to, '--json', '-i', rig.inventoryPath]);
  const afterSwitch = await writer.lastAcked();
  await until(async () => (await writer.lastAcked()) >= afterSwitch + 20, 60, 'the writer goes on writing after the switchover');
  const writes = await writer.stop();
  // What the Sentinels did, for a failure's report.
  const sentinelLogs = r.exitCode === 0 ? '' : (await Promise.all(rig.nodes.map(async (n) =>
    `--- ${n.name} Sentinel\n${(await rig.sh(n, 'journalctl -u asperaredissentinel --no-pager -o cat -n 40')).output}`))).join('\n');
  return { result: JSON.parse(r.stdout) as SwitchoverJson, writes, stderr: `${r.stderr}\n${sentinelLogs}` };
}

describe('switchover', () => {
  it('refuses a --to that is not a node of the inventory (exit 2, nothing touched)', async () => {
    const r = await runCli(['switchover', '--to', 'node9', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--to: not a node of the inventory \(got "node9"\)/);
    expect((await statusJson()).primary).toBe('node1');
  });

  it('--dry-run names the target and the steps and changes nothing', async () => {
    const r = await runCli(['switchover', '--dry-run', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would switch the primary from node1 to node(2|3)/);
    expect(r.stdout).toMatch(/CLIENT PAUSE \d+ WRITE/);
    expect(await sentinelPrimaries(rig, rig.nodes)).toEqual([ipOf('node1'), ipOf('node1'), ipOf('node1')]);
    expect(await priorities()).toEqual(['100', '100', '100']);
  });

  it('moves the primary to node2 while a client writes, losing no acknowledged write; up then changes nothing', async () => {
    const { result, writes, stderr } = await switchoverUnderWrites('node2', 'switchover:counter');
    expect(result.exitCode, stderr).toBe(0);
    expect(result).toMatchObject({ from: 'node1', to: 'node2' });
    expect(result.windowMs).toBeGreaterThan(0);
    expect(result.offsets?.atPromotion).toBeGreaterThan(0);
    console.log(`switchover node1 -> node2: write pause ${result.windowMs} ms (command), longest gap between acknowledged writes ${writes.longestGapMs} ms, ` +
      `${writes.acked.length} writes acknowledged, ${writes.errors.length} errors seen by the client`);
    expect(await sentinelPrimaries(rig, rig.nodes)).toEqual([ipOf('node2'), ipOf('node2'), ipOf('node2')]);
    // Every acknowledged INCR is in the data: the values rose strictly, and the counter holds at least
    // the last one (a lost write would make a later INCR repeat a value).
    expect(writes.notIncreasing).toEqual([]);
    expect(writes.primaries).toEqual([ipOf('node1'), ipOf('node2')]);
    const final = Number((await redisCli(rig, 1, 'GET switchover:counter')).output.trim());
    expect(final).toBeGreaterThanOrEqual(writes.acked.at(-1)!);
    expect(final).toBeGreaterThanOrEqual(writes.acked.length);
    // The old primary follows node2 and holds the same data.
    const old = await eventually(async () => (await redisCli(rig, 0, 'INFO replication')).output, (o) => /master_link_status:up/.test(o), 60);
    expect(old).toContain(`master_host:${ipOf('node2')}`);
    expect(await eventually(async () => Number((await redisCli(rig, 0, 'GET switchover:counter')).output.trim()), (v) => v === final, 60)).toBe(final);
    // replica-priority put back, also in node3's file (Sentinel's CONFIG REWRITE ran while it was 0).
    expect(await priorities()).toEqual(['100', '100', '100']);
    expect((await rig.sh(2, "grep -E '^replica-priority' /opt/aspera/etc/redis/aspera_31415.conf || echo none")).output.trim()).not.toMatch(/replica-priority "?0"?$/);
    const up = await runCli(['up', '--json', '-i', rig.inventoryPath]);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).totals.changed, up.stderr).toBe(0);
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120))).toMatchObject({ verdict: 'healthy', primary: 'node2' });
  });

  it('a switchover to the current primary changes nothing', async () => {
    const r = await runCli(['switchover', '--to', 'node2', '--json', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as SwitchoverJson;
    expect(result).toMatchObject({ from: 'node2', to: 'node2', totals: { changed: 0 } });
    expect(result.windowMs).toBeUndefined();
  });

  it('moves the primary back to node1, again losing no acknowledged write', async () => {
    const { result, writes, stderr } = await switchoverUnderWrites('node1', 'switchover:back');
    expect(result.exitCode, stderr).toBe(0);
    expect(result).toMatchObject({ from: 'node2', to: 'node1' });
    console.log(`switchover node2 -> node1: write pause ${result.windowMs} ms (command), longest gap between acknowledged writes ${writes.longestGapMs} ms, ` +
      `${writes.acked.length} writes acknowledged`);
    expect(writes.notIncreasing).toEqual([]);
    const final = Number((await redisCli(rig, 0, 'GET switchover:back')).output.trim());
    expect(final).toBeGreaterThanOrEqual(writes.acked.at(-1)!);
    expect(final).toBeGreaterThanOrEqual(writes.acked.length);
    expect(await sentinelPrimaries(rig, rig.nodes)).toEqual([ipOf('node1'), ipOf('node1'), ipOf('node1')]);
    expect(await priorities()).toEqual(['100', '100', '100']);
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120))).toMatchObject({ verdict: 'healthy', primary: 'node1' });
  });

  it('Ctrl-C after the priorities were lowered puts them back and leaves the primary as it was (exit 1)', async () => {
    // node1's and node2's Sentinels cannot ask node3's Redis for INFO, so they never see its lowered
    // replica-priority: the switchover holds in that wait, after its first change and before the pause.
    const others = [0, 1].map((i) => rig.nodes[i]!.privateIp);
    const rules = others.map((ip) => `-s ${ip} -p tcp --dport 31415 -j REJECT --reject-with tcp-reset`);
    for (const rule of rules) await rig.sh(2, `iptables -I INPUT 1 ${rule}`);
    const run = startCli(['switchover', '--to', 'node2', '-i', rig.inventoryPath]);
    try {
      await until(async () => (await priorities())[2] === '0' || !run.running(), 120, "the switchover lowers node3's replica-priority", () => run.stderr());
      expect(run.running(), `${run.stderr()}\n${(await redisCli(rig, 0, 'SENTINEL REPLICAS myprimary', 41415)).output}`).toBe(true);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.stderr).toMatch(/interrupted: letting running commands finish/);
      expect(r.stderr).toMatch(/interrupted \(Ctrl-C\)/);
      expect(r.exitCode, r.stderr).toBe(1);
    } finally {
      run.child.kill('SIGKILL');
      for (const rule of rules) await rig.sh(2, `iptables -D INPUT ${rule}`);
    }
    expect(await priorities()).toEqual(['100', '100', '100']);
    expect(await sentinelPrimaries(rig, rig.nodes)).toEqual([ipOf('node1'), ipOf('node1'), ipOf('node1')]);
    expect((await redisCli(rig, 0, 'INCR switchover:after-ctrl-c')).output.trim()).toMatch(/^\d+$/);
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120))).toMatchObject({ verdict: 'healthy', primary: 'node1' });
  });

  it('refuses when a Sentinel does not answer (exit 1), changing nothing', async () => {
    await rig.sh(2, 'systemctl stop asperaredissentinel');
    try {
      const r = await runCli(['switchover', '--to', 'node2', '-i', rig.inventoryPath]);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/pre-flight: no primary named by the Sentinel on node3; nothing was changed/);
      expect(await priorities()).toEqual(['100', '100', '100']);
      expect((await redisCli(rig, 0, 'INFO replication')).output).toContain('role:master');
    } finally {
      await rig.sh(2, 'systemctl start asperaredissentinel');
    }
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120))).toMatchObject({ verdict: 'healthy', primary: 'node1' });
  });
});
