import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { eventually, redisCli } from '../support/cluster.js';
import { until } from '../support/wait.js';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-verify-interrupt-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
});
afterAll(async () => {
  await rig?.down();
});

const priority = async (node: number) => (await redisCli(rig, node, 'CONFIG GET replica-priority')).output.trim().split('\n')[1];

it('Ctrl-C during verify --failback puts replica-priority back before exiting (exit 1), and the cluster stays healthy', async () => {
  // This inventory declares node2 the primary: --failback hands the role from node1 to node2 and
  // makes node3 ineligible meanwhile (replica-priority 0).
  const inventory = rig.writeInventory('inventory-node2-primary.json', {
    ...rig.inventory,
    nodes: rig.inventory.nodes.map((n, i) => ({ ...n, role: i === 1 ? 'primary' : 'replica' })),
  });
  const before = await Promise.all([0, 1, 2].map(priority));
  expect(before).toEqual(['100', '100', '100']);
  // Hold the failback in its wait for the Sentinels to see node2 as a healthy replica: node2's Redis
  // is paused, and every Sentinel has marked it down before the test starts.
  const pid = (await rig.sh(1, 'systemctl show -p MainPID --value asperaredisd')).output.trim();
  expect(pid).toMatch(/^[1-9]\d*$/);
  await rig.sh(1, `kill -STOP ${pid}`);
  const verify = startCli(['verify', '--failback', '-i', inventory]);
  try {
    const node2Down = async () => (await Promise.all([0, 1, 2].map(async (n) => {
      const replicas = (await redisCli(rig, n, 'SENTINEL REPLICAS myprimary', 41415)).output;
      return new RegExp(`${rig.nodes[1]!.privateIp}[\\s\\S]*?s_down`).test(replicas);
    }))).every(Boolean);
    await until(node2Down, 120, 'every Sentinel marks the paused node2 down');
    // node2 is paused: only node3's Redis can answer.
    await until(async () => (await priority(2)) === '0' || !verify.running(), 120, "verify --failback lowers node3's replica-priority", () => verify.stderr());
    expect(verify.running(), verify.stderr()).toBe(true);
    verify.child.kill('SIGINT');
    await until(() => !verify.running(), 120, 'verify --failback exits after Ctrl-C', () => verify.stderr());
    const r = await verify.done;
    expect(r.stderr).toMatch(/interrupted: letting running commands finish/);
    expect(r.stderr).toMatch(/FAIL failback[\s\S]*FAILED: interrupted \(Ctrl-C\)/);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(await priority(2)).toBe(before[2]);
  } finally {
    verify.child.kill('SIGKILL');
    await rig.sh(1, `kill -CONT ${pid}`);
  }
  expect(await Promise.all([0, 1, 2].map(priority))).toEqual(before);
  const healthy = await eventually(async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as { verdict: string; primary: string },
    (s) => s.verdict === 'healthy', 120);
  expect(healthy).toMatchObject({ verdict: 'healthy', primary: 'node1' });
});
