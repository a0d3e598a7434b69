import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, faultFits } from '../rig/faults.js';
import { expectSameFingerprints, fingerprintAll } from '../rig/fingerprint.js';
import { startRig, type FirewallProfile, type Rig } from '../rig/rig.js';
import { CLI, runCli, type CliResult } from '../support/cli.js';
import { eventually, flushSentinelConfigs } from '../support/cluster.js';
import { journalFiles, waitForJournal } from '../support/journal.js';

let rig: Rig;
let pristine: string[];
/** One node per firewall stack: every fault case must leave each of them as it was, byte for byte. */
const FIREWALLS: FirewallProfile[] = ['netfilter-persistent', 'firewalld', 'iptables-services'];

beforeAll(async () => {
  rig = await startRig({ nodes: 3, firewall: FIREWALLS, dir: mkdtempSync(join(tmpdir(), 'hsts-rollback-')) });
  // Each standalone node holds data of its own (the fingerprint lists Redis's keys): a replica's first
  // sync replaces it with the primary's, so a rollback must bring it back.
  await Promise.all(rig.nodes.map(async (node, i) => {
    const r = await rig.sh(node, `/opt/aspera/bin/asnodeadmin -au own-data-node${i + 1} -p x -x root`);
    if (r.exitCode !== 0) throw new Error(`${node.name}: ${r.output}`);
  }));
  pristine = await fingerprintAll(rig);
});
afterAll(async () => {
  await rig?.down();
});

/**
 * asconfigurator made slow, and stubborn the way a program in the middle of a save is: told to stop
 * (SIGTERM), it still writes aspera.conf, a moment later. A rollback must wait for that write.
 */
const SLOW_ASCONFIGURATOR = {
  plant: `mv /opt/aspera/bin/asconfigurator /opt/aspera/bin/asconfigurator.real && cat > /opt/aspera/bin/asconfigurator <<'EOF'
#!/bin/sh
trap 'sleep 0.3; /opt/aspera/bin/asconfigurator.real "$@"; exit $?' TERM
sleep 2 & wait $!
trap - TERM
exec /opt/aspera/bin/asconfigurator.real "$@"
EOF
chmod +x /opt/aspera/bin/asconfigurator`,
  remove: 'mv -f /opt/aspera/bin/asconfigurator.real /opt/aspera/bin/asconfigurator',
};

async function onNodes(indexes: number[], command: string): Promise<void> {
  for (const i of indexes) {
    const r = await rig.sh(i, command);
    if (r.exitCode !== 0) throw new Error(`node${i + 1}: ${command}: ${r.output}`);
  }
}

/** Starts `up` in the background; resolves with its result, exposes the child for signals. */
function upInBackground(extra: string[] = []) {
  const earlier = journalFiles(rig.dir);
  const child = spawn(process.execPath, [CLI, 'up', '-i', rig.inventoryPath, '--wait-timeout', '5', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout: '', stderr })));
  /** Resolves once this run's journal shows a matching event. */
  const reached = (match: (e: Record<string, unknown>) => boolean) => waitForJournal(rig.dir, earlier, match);
  return { child, done, reached };
}

const asconfiguratorStarted = (node: string) => (e: Record<string, unknown>) =>
  e.event === 'command' && e.node === node && String(e.command).startsWith('asconfigurator');

describe('a fault at any step leaves every node as it was', () => {
  const cases = FAULTS.flatMap((fault) => [
    { ...fault, role: 'primary', node: 0, firewall: FIREWALLS[0]! },
    { ...fault, role: 'replica', node: 1, firewall: FIREWALLS[1]! },
  ]).filter((c) => faultFits(c, c.firewall));

  it.each(cases)('$step on the $role ($firewall)', async ({ plant, remove, expect: expected, node, step }) => {
    await onNodes([node], plant);
    let r: CliResult;
    try {
      r = await runCli(['up', '-i', rig.inventoryPath, '--wait-timeout', '5', '--json']);
    } finally {
      await onNodes([node], remove);
    }
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(expected);
    const result = JSON.parse(r.stdout);
    expect(result.nodes[node].status).toBe('failed');
    if (step === 'preflight') {
      expect(r.stderr).toContain('nothing was changed');
    } else {
      expect(result.nodes.filter((n: { status: string }) => n.status === 'rollback-failed')).toEqual([]);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});

describe('interruptions', () => {
  it('restores every node when the SSH connection to one node is cut mid-run', async () => {
    await onNodes([1], SLOW_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      await run.reached(asconfiguratorStarted('node2'));
      await rig.sh(1, "pkill -f 'sshd: root@notty'");
      const r = await run.done;
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/node2: .*(connection lost|closed)/i);
    } finally {
      await onNodes([1], SLOW_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('restores every node on Ctrl-C (SIGINT) after letting running commands finish', async () => {
    await onNodes([0, 1, 2], SLOW_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      await run.reached(asconfiguratorStarted('node3'));
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('interrupted (Ctrl-C)');
      expect(r.stderr).toMatch(/node1 .*ROLLED BACK/);
    } finally {
      await onNodes([0, 1, 2], SLOW_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('restores every node with `rollback` after the controller was killed (SIGKILL)', async () => {
    await onNodes([0, 1, 2], SLOW_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      await run.reached(asconfiguratorStarted('node1'));
      run.child.kill('SIGKILL');
      expect((await run.done).exitCode).toBe(137);
      const held = await runCli(['up', '-i', rig.inventoryPath]);
      expect(held.exitCode).toBe(1);
      expect(held.stderr).toMatch(/the run lock is held by run \S+ \(up\)/);
      const r = await runCli(['rollback', '-i', rig.inventoryPath, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).nodes.map((n: { status: string }) => n.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    } finally {
      await onNodes([0, 1, 2], SLOW_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
    const again = await runCli(['rollback', '-i', rig.inventoryPath]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('nothing to undo');
  });

  it('exits 3 naming the node when a restore fails, and `rollback --run` finishes it later', async () => {
    const failingAfterAWhile = "mv /opt/aspera/bin/asconfigurator /opt/aspera/bin/asconfigurator.real && printf '#!/bin/sh\\nsleep 2\\necho planted fault >&2\\nexit 1\\n' > /opt/aspera/bin/asconfigurator && chmod +x /opt/aspera/bin/asconfigurator";
    const blocker = '/opt/aspera/etc/.aspera.conf.hsts-cluster.tmp';
    await onNodes([1], failingAfterAWhile);
    let r: CliResult;
    try {
      const run = upInBackground(['--json']);
      // node3 changes aspera.conf while node2's asconfigurator is still failing; then its restore is blocked.
      await run.reached((e) => e.event === 'result' && e.node === 'node3' && String(e.command).startsWith('check <server>'));
      await onNodes([2], `mkdir -p ${blocker}/x`);
      r = await run.done;
    } finally {
      await onNodes([1], 'mv -f /opt/aspera/bin/asconfigurator.real /opt/aspera/bin/asconfigurator');
    }
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/node3 : .*ROLLBACK FAILED/);
    expect(r.stderr).toMatch(/node3: rollback failed, left: .*file \/opt\/aspera\/etc\/aspera\.conf/);
    const run = /hsts-cluster rollback -i \S+ --run (\S+)/.exec(r.stderr)?.[1];
    expect(run).toBeDefined();
    await onNodes([2], `rm -rf ${blocker}`);
    const fixed = await runCli(['rollback', '-i', rig.inventoryPath, '--run', run!]);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('changes nothing anywhere when one node is unreachable at the start', async () => {
    await rig.sh(2, 'systemctl stop ssh.service ssh.socket');
    try {
      const r = await runCli(['up', '-i', rig.inventoryPath]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/node3 .*UNREACHABLE/);
      expect(r.stderr).toContain('nothing was changed');
    } finally {
      await rig.sh(2, 'systemctl start ssh.service');
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});

describe('the run lock', () => {
  it('lets exactly one of two concurrent runs proceed; the other names the holder', async () => {
    const [a, b] = await Promise.all([runCli(['up', '-i', rig.inventoryPath]), runCli(['up', '-i', rig.inventoryPath])]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.exitCode === 1 ? a : b;
    expect(loser.stderr).toMatch(/the run lock is held by run \d{8}T\d{6}Z-[0-9a-f]{4} \(up\) by \S+@\S+ pid \d+/);
    expect(loser.stderr).toContain('nothing was changed');
  });

  it('refuses a lock left by a dead controller until --break-lock, then proceeds', async () => {
    const holder = JSON.stringify({ run: '20260101T000000Z-dead', command: 'up', user: 'someone', host: 'laptop', pid: 4242, since: '2026-01-01T00:00:00Z' });
    await rig.sh(0, `mkdir -p /opt/aspera/var/hsts-cluster/lock && echo '${holder}' > /opt/aspera/var/hsts-cluster/lock/holder.json`);
    const refused = await runCli(['up', '-i', rig.inventoryPath]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('the run lock is held by run 20260101T000000Z-dead (up) by someone@laptop pid 4242');
    const broken = await runCli(['up', '-i', rig.inventoryPath, '--break-lock', '--json']);
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect((await rig.sh(0, 'ls /opt/aspera/var/hsts-cluster/lock 2>&1')).exitCode).not.toBe(0);
  });

  it('wrote no secret into any journal', () => {
    const dir = join(rig.dir, '.hsts-cluster', 'journal');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(readFileSync(join(dir, file), 'utf8')).not.toContain(rig.redisPassword);
  });
});

describe('rollback after a killed add-transfer-user --create', () => {
  const SLOW_ASKMSCLI = {
    plant: `mv /opt/aspera/bin/askmscli /opt/aspera/bin/askmscli.real && printf '#!/bin/sh\\nsleep 30\\nexec /opt/aspera/bin/askmscli.real "$@"\\n' > /opt/aspera/bin/askmscli && chmod +x /opt/aspera/bin/askmscli`,
    remove: 'mv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli',
  };
  const members = () => rig.nodes.slice(0, 3);

  it('removes the user the dead run created, reading the user from the snapshot', async () => {
    // The lock tests above left the cluster configured, as add-transfer-user needs.
    await flushSentinelConfigs(rig, members());
    const before = await fingerprintAll(rig);
    await onNodes([0, 1, 2], SLOW_ASKMSCLI.plant);
    try {
      const child = spawn(process.execPath, [CLI, 'add-transfer-user', 'bob', '--create', '--no-save', '-i', rig.inventoryPath], { stdio: 'ignore' });
      const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 1))));
      // useradd has run everywhere and askmscli is sleeping: the run dies between the two.
      const created = await eventually(() => Promise.all(members().map((n) => rig.sh(n, 'getent passwd bob'))), (rs) => rs.every((r) => r.exitCode === 0), 30);
      expect(created.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      child.kill('SIGKILL');
      expect(await done).toBe(137);
      const r = await runCli(['rollback', '-i', rig.inventoryPath, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).nodes.map((n: { status: string }) => n.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    } finally {
      await onNodes([0, 1, 2], SLOW_ASKMSCLI.remove);
    }
    for (const node of members()) {
      expect((await rig.sh(node, 'getent passwd bob; ls -d /home/bob 2>&1')).output).toMatch(/^ls: cannot access '\/home\/bob'/);
    }
    await flushSentinelConfigs(rig, members());
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});
