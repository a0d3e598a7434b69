import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { eventually, mainPids, redisCli, sentinelPrimaries } from '../support/cluster.js';
import { until } from '../support/wait.js';
import { startWriter, type WriterReport } from '../support/writer.js';

let rig: Rig;

interface StatusJson { verdict: string; primary: string }
interface RollingJson {
  exitCode: number;
  order: string[];
  notes: string[];
  rolled: { name: string; role: string; status: string; versionBefore?: string; versionAfter?: string; problems?: string[] }[];
  switchover?: { from: string; to: string; windowMs?: number };
  stoppedAt?: string;
  errors: string[];
  durationMs: number;
}

const statusJson = async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as StatusJson;
const healthy = async () => eventually(statusJson, (s) => s.verdict === 'healthy', 120);
const indexOf = (name: string) => rig.nodes.findIndex((n) => n.name.endsWith(`-${name}`));
const names = ['node1', 'node2', 'node3'];
const pidsOf = async () => Promise.all(rig.nodes.map((n) => mainPids(rig, n)));
const version = async (i: number) => (await rig.sh(i, '/opt/aspera/bin/asnodeadmin -A')).output.trim();
/** asperanoded's own report (GET /info as a Node API user): the version the daemon runs. */
const nodedVersion = async (i: number) => {
  const r = await rig.sh(i, "curl -sk -u rollcheck:rollcheck-pw https://127.0.0.1:9092/info | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"version\"])'");
  return r.output.trim();
};
/** The test's fake package upgrade: installs VERSION and notes when it ran on the node. */
const fakePackage = (to: string) => `cat > /tmp/fake-upgrade.sh <<'EOS'
#!/bin/bash
set -e
echo ${to} > /opt/aspera/lib/hstssim/VERSION
date +%s%N > /tmp/upgraded-at
EOS
chmod 755 /tmp/fake-upgrade.sh`;
/** A broken package: its new asperanoded cannot read the Node API key, so the node's gate fails. */
const brokenPackage = (to: string) => `cat > /tmp/fake-upgrade.sh <<'EOS'
#!/bin/bash
set -e
echo ${to} > /opt/aspera/lib/hstssim/VERSION
chmod 000 /opt/aspera/etc/aspera_server_key.pem
date +%s%N > /tmp/upgraded-at
EOS
chmod 755 /tmp/fake-upgrade.sh`;

async function underWrites(args: string[], key: string): Promise<{ result: RollingJson; writes: WriterReport; stderr: string; final: number }> {
  const writer = startWriter(rig, 2, { key, maxSeconds: 900 });
  await until(async () => (await writer.lastAcked()) >= 20, 60, 'the writer has 20 acknowledged writes');
  const r = await runCli([...args, '--json', '-i', rig.inventoryPath], { timeoutMs: 900_000 });
  const after = await writer.lastAcked();
  await until(async () => (await writer.lastAcked()) >= after + 20, 60, 'the writer goes on writing after the run');
  const writes = await writer.stop();
  const primary = (await statusJson()).primary;
  const final = Number((await redisCli(rig, indexOf(primary), `GET ${key}`)).output.trim());
  return { result: JSON.parse(r.stdout) as RollingJson, writes, stderr: r.stderr, final };
}

function expectNoWriteLost(writes: WriterReport, final: number): void {
  expect(writes.notIncreasing).toEqual([]);
  expect(final).toBeGreaterThanOrEqual(writes.acked.at(-1)!);
  expect(final).toBeGreaterThanOrEqual(writes.acked.length);
}

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-rolling-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const s = await healthy();
  if (s.verdict !== 'healthy') throw new Error(`the cluster is not healthy after up: ${JSON.stringify(s)}`);
  const user = await rig.sh(0, '/opt/aspera/bin/asnodeadmin -au rollcheck -p rollcheck-pw -x root');
  if (user.exitCode !== 0) throw new Error(user.output);
});
afterAll(async () => {
  await rig?.down();
});

describe('rolling restart and upgrade', () => {
  it('refuses bad input with exit 2, touching nothing', async () => {
    const before = await pidsOf();
    for (const [args, message] of [
      [['restart', '--nodes', 'node9'], /--nodes: not a node of the inventory \(got "node9"\)/],
      [['restart', '--services', 'asperaredisd,httpd'], /--services: not an HSTS service of the cluster \(got "httpd"\)/],
      [['restart', '--batch', '2'], /--batch: at most 1 of 3 nodes may restart at once/],
      [['upgrade'], /--exec: the upgrade command is required/],
    ] as const) {
      const r = await runCli([...args, '-i', rig.inventoryPath]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await pidsOf()).toEqual(before);
  });

  it('--dry-run shows replicas first, a switchover, the primary last; a node in maintenance is skipped by restart and refused by upgrade', async () => {
    const before = await pidsOf();
    const dry = await runCli(['restart', '--dry-run', '--json', '-i', rig.inventoryPath]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as RollingJson).order).toEqual(['node2', 'node3', 'switchover', 'node1']);
    await rig.sh(indexOf('node3'), `mkdir -p /var/lib/hsts-cluster && echo '{"by":"ops@test","since":"2026-11-28T00:00:00Z","message":"disk swap","run":"x","stopped":[]}' > /var/lib/hsts-cluster/maintenance.json`);
    try {
      const restart = await runCli(['restart', '--dry-run', '--json', '-i', rig.inventoryPath]);
      expect(restart.exitCode, restart.stderr).toBe(0);
      const plan = JSON.parse(restart.stdout) as RollingJson;
      expect(plan.order).toEqual(['node2', 'switchover', 'node1']);
      expect(plan.notes.join('\n')).toMatch(/node3 skipped: in maintenance .* by ops@test: disk swap/);
      const upgrade = await runCli(['upgrade', '--exec', 'true', '--dry-run', '-i', rig.inventoryPath]);
      expect(upgrade.exitCode, upgrade.stderr).toBe(1);
      expect(upgrade.stderr).toMatch(/node3 is in maintenance .*which maintenance forbids.*--nodes node1,node2/);
      const excluded = await runCli(['upgrade', '--exec', 'true', '--nodes', 'node1,node2', '--dry-run', '--json', '-i', rig.inventoryPath]);
      expect(excluded.exitCode, excluded.stderr).toBe(0);
      expect((JSON.parse(excluded.stdout) as RollingJson).order).toEqual(['node2', 'switchover', 'node1']);
    } finally {
      await rig.sh(indexOf('node3'), 'rm -f /var/lib/hsts-cluster/maintenance.json');
    }
    expect(await pidsOf()).toEqual(before);
  });

  it('restarts every service of every node while a client writes: no acknowledged write lost, every PID changed, old primary last', async () => {
    const before = await pidsOf();
    const started = Date.now();
    const { result, writes, stderr, final } = await underWrites(['restart'], 'rolling:restart');
    const wallMs = Date.now() - started;
    expect(result.exitCode, stderr).toBe(0);
    expect(result.rolled.map((n) => n.name)).toEqual(['node2', 'node3', 'node1']);
    expect(result.switchover?.from).toBe('node1');
    console.log(`rolling restart of 3 nodes: ${result.durationMs} ms (command), ${wallMs} ms with the writer's start and finish; ` +
      `longest gap between acknowledged writes ${writes.longestGapMs} ms; switchover write pause ${result.switchover?.windowMs} ms; ` +
      `${writes.acked.length} writes acknowledged, ${writes.errors.length} errors seen by the client`);
    expectNoWriteLost(writes, final);
    const after = await pidsOf();
    for (const i of [0, 1, 2]) {
      const [b, a] = [before[i]!.split('\n').filter(Boolean), after[i]!.split('\n').filter(Boolean)];
      expect(a.length).toBe(4);
      a.forEach((pid, s) => { expect(pid, `${names[i]} service ${s}`).not.toBe(b[s]); expect(pid).not.toBe('0'); });
    }
    const s = await healthy();
    expect(s).toMatchObject({ verdict: 'healthy', primary: result.switchover!.to });
  });

  it('Ctrl-C lets the node in progress pass its gate, then stops with the cluster healthy', async () => {
    const primary = (await statusJson()).primary;
    const first = names.find((n) => n !== primary)!;
    const before = await pidsOf();
    const run = startCli(['restart', '--json', '-i', rig.inventoryPath]);
    try {
      await run.waitForStderr(new RegExp(`${first} \\(replica\\): restart`), 120);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.exitCode, r.stderr).toBe(1);
      const result = JSON.parse(r.stdout) as RollingJson & { interrupted?: boolean };
      expect(result.interrupted).toBe(true);
      expect(result.rolled).toMatchObject([{ name: first, status: 'done' }]);
      expect(result.errors.join('\n')).toMatch(new RegExp(`interrupted \\(Ctrl-C\\) after ${first}`));
    } finally {
      run.child.kill('SIGKILL');
    }
    const after = await pidsOf();
    for (const i of [0, 1, 2].filter((i) => names[i] !== first)) expect(after[i], names[i]).toBe(before[i]);
    expect(after[indexOf(first)]).not.toBe(before[indexOf(first)]);
    expect(await healthy()).toMatchObject({ verdict: 'healthy', primary });
  });

  it('upgrades with the operator command, old primary last, never failing over to an older version', async () => {
    for (const i of [0, 1, 2]) await rig.sh(i, fakePackage('4.4.6.1160'));
    expect(await version(0)).toBe('IBM Aspera High-Speed Transfer Server version 4.4.5.1141');
    const primaryBefore = (await statusJson()).primary;
    const { result, writes, stderr, final } = await underWrites(['upgrade', '--exec', '/tmp/fake-upgrade.sh'], 'rolling:upgrade');
    expect(result.exitCode, stderr).toBe(0);
    console.log(`rolling upgrade of 3 nodes: ${result.durationMs} ms; longest gap between acknowledged writes ${writes.longestGapMs} ms`);
    expectNoWriteLost(writes, final);
    expect(result.rolled.at(-1)).toMatchObject({ name: primaryBefore, role: 'old primary', versionBefore: '4.4.5.1141', versionAfter: '4.4.6.1160' });
    expect(result.switchover?.from).toBe(primaryBefore);
    // The order, from the nodes themselves: the old primary ran the command last, after the switchover's target.
    const at = await Promise.all([0, 1, 2].map(async (i) => BigInt((await rig.sh(i, 'cat /tmp/upgraded-at')).output.trim())));
    const last = at.reduce((m, t, i) => (t > at[m]! ? i : m), 0);
    expect(names[last]).toBe(primaryBefore);
    for (const i of [0, 1, 2]) {
      expect(await version(i)).toMatch(/version 4\.4\.6\.1160$/);
      expect(await nodedVersion(i)).toBe('4.4.6.1160');
    }
    expect(await healthy()).toMatchObject({ verdict: 'healthy', primary: result.switchover!.to });
  });

  it('stops at the first node that fails its gate, the rest untouched', async () => {
    const primary = (await statusJson()).primary;
    const first = names.find((n) => n !== primary)!;
    for (const i of [0, 1, 2]) await rig.sh(i, names[i] === first ? brokenPackage('4.4.7.1200') : fakePackage('4.4.7.1200'));
    const before = await pidsOf();
    const r = await runCli(['upgrade', '--exec', '/tmp/fake-upgrade.sh', '--gate-timeout', '30', '--json', '-i', rig.inventoryPath], { timeoutMs: 600_000 });
    try {
      expect(r.exitCode, r.stderr).toBe(1);
      const result = JSON.parse(r.stdout) as RollingJson;
      expect(result.stoppedAt).toBe(first);
      expect(result.rolled.map((n) => n.name)).toEqual([first]);
      expect(result.rolled[0]!.problems!.join('\n')).toMatch(/gate: noded: /);
      expect(r.stderr).toMatch(new RegExp(`${first}: did not pass its gate within 30 s`));
      const after = await pidsOf();
      for (const i of [0, 1, 2].filter((i) => names[i] !== first)) {
        expect(after[i], names[i]).toBe(before[i]);
        expect(await version(i)).toMatch(/version 4\.4\.6\.1160$/);
      }
      expect(await sentinelPrimaries(rig, rig.nodes)).toEqual(rig.nodes.map(() => rig.nodes[indexOf(primary)]!.privateIp));
    } finally {
      await rig.sh(indexOf(first), 'chmod 0640 /opt/aspera/etc/aspera_server_key.pem && systemctl restart asperanoded');
    }
    expect(await healthy()).toMatchObject({ verdict: 'healthy', primary });
  });
});
