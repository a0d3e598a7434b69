import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, faultFits } from '../rig/faults.js';
import { expectSameFingerprints, fingerprintAll } from '../rig/fingerprint.js';
import { startRig, type FirewallProfile, type Rig } from '../rig/rig.js';
import { runCli, startCli, type CliResult, type RunningCli } from '../support/cli.js';
import { eventually, flushSentinelConfigs } from '../support/cluster.js';
import { journalFiles, waitForJournal } from '../support/journal.js';
import { until } from '../support/wait.js';

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
 * asconfigurator held in the middle of its work until the test releases it (a file), however fast or
 * slow the machine, with a marker that says it runs. Stubborn the way a program in the middle of a
 * save is: told to stop (SIGTERM), it still writes aspera.conf, a moment later; a rollback must wait
 * for that write. Released, it goes on with `then`; never released, it gives up unchanged (10 min).
 */
const HELD = { started: '/tmp/asconfigurator.started', release: '/tmp/asconfigurator.release' };
const ASCONFIGURATOR_PROCESS = "'^/(bin/sh|usr/bin/python3) /opt/aspera/bin/asconfigurator'";
const held = (then: string) => ({
  plant: `rm -f ${HELD.started} ${HELD.release} && mv /opt/aspera/bin/asconfigurator /opt/aspera/bin/asconfigurator.real && cat > /opt/aspera/bin/asconfigurator <<'EOF'
#!/bin/sh
touch ${HELD.started}
trap 'sleep 0.3; /opt/aspera/bin/asconfigurator.real "$@"; exit $?' TERM
i=0
while [ ! -e ${HELD.release} ] && [ $i -lt 6000 ]; do sleep 0.1 & wait $!; i=$((i + 1)); done
trap - TERM
[ -e ${HELD.release} ] || { echo 'asconfigurator (held): never released' >&2; exit 1; }
${then}
EOF
chmod +x /opt/aspera/bin/asconfigurator`,
  // A held one still running now (a stray the rollback should have stopped) is released and finishes
  // before the nodes are compared: a missed stray shows as a difference instead of landing later.
  remove: `touch ${HELD.release}
for i in $(seq 1 600); do pgrep -f ${ASCONFIGURATOR_PROCESS} >/dev/null || break; sleep 0.1; done
! pgrep -af ${ASCONFIGURATOR_PROCESS} && mv -f /opt/aspera/bin/asconfigurator.real /opt/aspera/bin/asconfigurator && rm -f ${HELD.started} ${HELD.release}`,
});
const HELD_ASCONFIGURATOR = held('exec /opt/aspera/bin/asconfigurator.real "$@"');
const HELD_FAILING_ASCONFIGURATOR = held('echo planted fault >&2\nexit 1');

async function onNodes(indexes: number[], command: string): Promise<void> {
  for (const i of indexes) {
    const r = await rig.sh(i, command);
    if (r.exitCode !== 0) throw new Error(`node${i + 1}: ${command}: ${r.output}`);
  }
}

/** Waits (bounded) until the held asconfigurator runs on each of these nodes, while `run` runs. */
async function heldOn(run: RunningCli, indexes: number[], seconds = 180): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (const i of indexes) {
    while ((await rig.sh(i, `test -e ${HELD.started}`)).exitCode !== 0) {
      if (!run.running()) throw new Error(`up ended before asconfigurator ran on node${i + 1}:\n${run.stderr()}`);
      if (Date.now() > deadline) throw new Error(`asconfigurator did not run on node${i + 1} within ${seconds} s:\n${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const release = (indexes: number[]) => onNodes(indexes, `touch ${HELD.release}`);

/** The controller dies mid-run, as a SIGKILL leaves it: no rollback of its own. */
async function killController(run: RunningCli): Promise<void> {
  run.child.kill('SIGKILL');
  expect((await run.done).exitCode).toBe(137);
}

/** A bare `rollback` after a dead controller: exit 0, every node rolled back. */
async function rollbackEveryNode(): Promise<void> {
  const r = await runCli(['rollback', '-i', rig.inventoryPath, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).nodes.map((n: { status: string }) => n.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
}

/** Starts `up` in the background; `reached` resolves once this run's journal shows a matching event. */
function upInBackground(extra: string[] = []) {
  const earlier = journalFiles(rig.dir);
  const run = startCli(['up', '-i', rig.inventoryPath, ...extra]);
  const reached = (match: (e: Record<string, unknown>) => boolean) => waitForJournal(rig.dir, earlier, match, 180);
  return { ...run, reached };
}

describe('a fault at any step leaves every node as it was', () => {
  const cases = FAULTS.flatMap((fault) => [
    { ...fault, role: 'primary', node: 0, firewall: FIREWALLS[0]! },
    { ...fault, role: 'replica', node: 1, firewall: FIREWALLS[1]! },
  ]).filter((c) => faultFits(c, c.firewall));

  it.each(cases)('$step on the $role ($firewall)', async ({ plant, remove, expect: expected, node, step, waitTimeoutS }) => {
    await onNodes([node], plant);
    let r: CliResult;
    try {
      r = await runCli(['up', '-i', rig.inventoryPath, '--wait-timeout', String(waitTimeoutS ?? 30), '--json']);
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
  it('rolls back every node when the SSH connection to one node is cut mid-run', async () => {
    await onNodes([1], HELD_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      await heldOn(run, [1]);
      await rig.sh(1, "pkill -f 'sshd: root@notty'");
      const r = await run.done;
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/node2: .*(connection lost|closed)/i);
    } finally {
      await onNodes([1], HELD_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('rolls back every node on Ctrl-C (SIGINT) after letting running commands finish', async () => {
    await onNodes([0, 1, 2], HELD_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      await heldOn(run, [0, 1, 2]);
      run.child.kill('SIGINT');
      // The running commands finish only once the controller has taken the interruption in.
      await run.waitForStderr(/interrupted: letting running commands finish/);
      await release([0, 1, 2]);
      const r = await run.done;
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('interrupted (Ctrl-C)');
      expect(r.stderr).toMatch(/node1 .*ROLLED BACK/);
    } finally {
      await onNodes([0, 1, 2], HELD_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('rolls back every node with `rollback` after the controller was killed (SIGKILL)', async () => {
    await onNodes([0, 1, 2], HELD_ASCONFIGURATOR.plant);
    try {
      const run = upInBackground();
      // Every node is in the middle of asconfigurator: each leaves a stray that `rollback` must stop.
      await heldOn(run, [0, 1, 2]);
      await killController(run);
      const held = await runCli(['up', '-i', rig.inventoryPath]);
      expect(held.exitCode).toBe(1);
      expect(held.stderr).toMatch(/the run lock is held by run \S+ \(up\)/);
      await rollbackEveryNode();
    } finally {
      await onNodes([0, 1, 2], HELD_ASCONFIGURATOR.remove);
    }
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
    const again = await runCli(['rollback', '-i', rig.inventoryPath]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('nothing to undo');
  });

  it('exits 3 naming the node when a rollback fails, and `rollback --run` finishes it later', async () => {
    // aspera.conf made a directory with something in it: the rollback's rename onto it fails.
    const conf = '/opt/aspera/etc/aspera.conf';
    const block = `mv ${conf} ${conf}.aside && mkdir -p ${conf}/x`;
    // Whatever the run did, the file is back as it was blocked before the expectations are read.
    const unblock = `if [ -e ${conf}.aside ]; then rm -rf ${conf} && mv ${conf}.aside ${conf}; fi`;
    await onNodes([1], HELD_FAILING_ASCONFIGURATOR.plant);
    let r: CliResult;
    try {
      const run = upInBackground(['--json']);
      // node3 changes aspera.conf while node2's asconfigurator is held; then node3's rollback is
      // blocked, and only then does node2's asconfigurator fail.
      await heldOn(run, [1]);
      await run.reached((e) => e.event === 'result' && e.node === 'node3' && String(e.command).startsWith('check <server>'));
      await onNodes([2], block);
      await release([1]);
      r = await run.done;
    } finally {
      await onNodes([1], HELD_FAILING_ASCONFIGURATOR.remove);
      await onNodes([2], unblock);
    }
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/asconfigurator -x .*planted fault/s);
    expect(r.stderr).toMatch(/node3 : .*ROLLBACK FAILED/);
    expect(r.stderr).toMatch(/node3: rollback failed, left: .*file \/opt\/aspera\/etc\/aspera\.conf/s);
    const run = /hsts-cluster rollback -i \S+ --run (\S+)/.exec(r.stderr)?.[1];
    expect(run).toBeDefined();
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
    // The winner is held in asconfigurator until the loser has ended: it cannot finish (and free the
    // lock) before the other has asked for it, however the machine schedules the two.
    await onNodes([0], HELD_ASCONFIGURATOR.plant);
    let a: CliResult;
    let b: CliResult;
    try {
      const runs = [startCli(['up', '-i', rig.inventoryPath]), startCli(['up', '-i', rig.inventoryPath])];
      await until(() => runs.some((r) => !r.running()), 180, 'one of two concurrent runs ends', () => runs.map((r) => r.stderr()).join('\n---\n'));
      await release([0]);
      [a, b] = await Promise.all(runs.map((r) => r.done)) as [CliResult, CliResult];
    } finally {
      await onNodes([0], HELD_ASCONFIGURATOR.remove);
    }
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.exitCode === 1 ? a : b;
    expect(loser.stderr).toMatch(/the run lock is held by run \d{8}T\d{6}Z-[0-9a-f]{4} \(up\) by \S+@\S+ pid \d+/);
    expect(loser.stderr).toContain('nothing was changed');
  });

  it('refuses a lock left by a dead controller until --break-lock, then proceeds', async () => {
    const holder = JSON.stringify({ run: '20260101T000000Z-dead', command: 'up', user: 'someone', host: 'laptop', pid: 4242, since: '2026-01-01T00:00:00Z' });
    await rig.sh(0, `mkdir -p /var/lib/hsts-cluster/lock && echo '${holder}' > /var/lib/hsts-cluster/lock/holder.json`);
    const refused = await runCli(['up', '-i', rig.inventoryPath]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('the run lock is held by run 20260101T000000Z-dead (up) by someone@laptop pid 4242');
    const broken = await runCli(['up', '-i', rig.inventoryPath, '--break-lock', '--json']);
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect((await rig.sh(0, 'ls /var/lib/hsts-cluster/lock 2>&1')).exitCode).not.toBe(0);
  });

  it('wrote no secret into any journal', () => {
    const dir = join(rig.dir, '.hsts-cluster', 'journal');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(readFileSync(join(dir, file), 'utf8')).not.toContain(rig.redisPassword);
  });
});

describe('rollback after a killed add-transfer-user --create', () => {
  // askmscli held until the test releases it: the run dies after useradd, before any keystore.
  const HELD_ASKMSCLI = {
    plant: `rm -f /tmp/askmscli.started /tmp/askmscli.release && mv /opt/aspera/bin/askmscli /opt/aspera/bin/askmscli.real && cat > /opt/aspera/bin/askmscli <<'EOF'
#!/bin/sh
touch /tmp/askmscli.started
i=0
while [ ! -e /tmp/askmscli.release ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
exec /opt/aspera/bin/askmscli.real "$@"
EOF
chmod +x /opt/aspera/bin/askmscli`,
    remove: `touch /tmp/askmscli.release
for i in $(seq 1 600); do pgrep -f '^/bin/sh /opt/aspera/bin/askmscli' >/dev/null || break; sleep 0.1; done
mv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli && rm -f /tmp/askmscli.started /tmp/askmscli.release`,
  };
  const members = () => rig.nodes.slice(0, 3);

  it('removes the user the dead run created, reading the user from the snapshot', async () => {
    // The lock tests above left the cluster configured, as add-transfer-user needs.
    await flushSentinelConfigs(rig, members());
    const before = await fingerprintAll(rig);
    await onNodes([0, 1, 2], HELD_ASKMSCLI.plant);
    try {
      const run = startCli(['add-transfer-user', 'bob', '--create', '--no-save', '-i', rig.inventoryPath]);
      // useradd has run everywhere and askmscli is held: the run dies between the two.
      const started = await eventually(
        () => Promise.all(members().map((n) => rig.sh(n, 'test -e /tmp/askmscli.started && getent passwd bob'))),
        (rs) => rs.every((r) => r.exitCode === 0) || !run.running(), 180);
      expect(started.map((r) => r.exitCode), run.stderr()).toEqual([0, 0, 0]);
      // bob's own link to a root directory, in the home the rollback removes (the walk must not
      // follow it), a process of bob's (killed before userdel) and its mail spool file.
      await onNodes([0, 1, 2], ['mkdir -p /etc/hsts-walk-probe && touch /etc/hsts-walk-probe/keep && ln -s /etc/hsts-walk-probe /home/bob/link && chown -h bob: /home/bob/link',
        'install -o bob -m 600 /dev/null /var/mail/bob',
        '{ setsid setpriv --reuid bob --regid bob --clear-groups sleep 1234 </dev/null >/dev/null 2>&1 & }'].join(' && '));
      await killController(run);
      await rollbackEveryNode();
    } finally {
      await onNodes([0, 1, 2], HELD_ASKMSCLI.remove);
    }
    for (const node of members()) {
      expect((await rig.sh(node, 'getent passwd bob; ls -d /home/bob 2>&1')).output).toMatch(/^ls: cannot access '\/home\/bob'/);
      expect((await rig.sh(node, 'ls /etc/hsts-walk-probe && rm -r /etc/hsts-walk-probe')).output).toBe('keep\n');
      expect((await rig.sh(node, 'ls /var/mail/bob 2>&1; pgrep -f "^sleep 1234"')).output).toMatch(/^ls: cannot access '\/var\/mail\/bob'[^\n]*\n$/);
    }
    await flushSentinelConfigs(rig, members());
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('puts askmscli\'s keystores back from their copies on the nodes after a killed up that made them again', async () => {
    // Configured already when the tests above ran (a no-op then); configures when run alone.
    const configured = await runCli(['up', '-i', rig.inventoryPath]);
    expect(configured.exitCode, configured.stderr).toBe(0);
    // Without hsts-cluster's records, up stores the password and makes every keystore again, and
    // askmscli draws fresh keys on every write: new bytes in every store.
    const RECORDS = '/var/lib/hsts-cluster/askmscli';
    await onNodes([0, 1, 2], `rm -f ${RECORDS}/*`);
    await flushSentinelConfigs(rig, members());
    const before = await fingerprintAll(rig);
    const stores = 'sha256sum /opt/aspera/etc/rootkeystore.db /opt/aspera/var/localkeystore.db /home/xfer/localkeystore.db';
    const storesBefore = await Promise.all(members().map(async (n) => (await rig.sh(n, stores)).output));
    await onNodes([0], HELD_ASKMSCLI.plant);
    try {
      const run = startCli(['up', '-i', rig.inventoryPath]);
      // node1's askmscli is held; node2 and node3 store the password and make both keystores meanwhile.
      const made = `test -e /tmp/askmscli.started || { ls ${RECORDS}/redis-password.json ${RECORDS}/keystore.asperadaemon.json ${RECORDS}/keystore.xfer.json && ${stores}; }`;
      const madeNow = await eventually(
        () => Promise.all(members().map((n) => rig.sh(n, made))),
        (rs) => rs.every((r) => r.exitCode === 0) || !run.running(), 180);
      expect(madeNow.map((r) => r.exitCode), run.stderr()).toEqual([0, 0, 0]);
      const storesDuring = await Promise.all(members().map(async (n) => (await rig.sh(n, stores)).output));
      for (const i of [1, 2]) {
        const changed = storesDuring[i]!.split('\n').filter((line) => line && !storesBefore[i]!.includes(line));
        expect(changed, `node${i + 1}`).toHaveLength(3);
      }
      await killController(run);
      await rollbackEveryNode();
    } finally {
      await onNodes([0], HELD_ASKMSCLI.remove);
    }
    expect(await Promise.all(members().map(async (n) => (await rig.sh(n, stores)).output))).toEqual(storesBefore);
    await flushSentinelConfigs(rig, members());
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
    // The copies are in the run's directory, root only, with the stores' owners and modes.
    const copies = await rig.sh(1, "stat -c '%U %a %n' $(ls -d /var/lib/hsts-cluster/runs/* | tail -n 1) $(ls -d /var/lib/hsts-cluster/runs/* | tail -n 1)/copy.*");
    // Each user's store at every place askmscli may keep it: the absent ones noted as such.
    expect(copies.output).toMatch(new RegExp(['^root 700 \\S+', 'root 600 \\S+copy\\.0\\.rootkeystore\\.db',
      'asperadaemon 600 \\S+copy\\.1\\.localkeystore\\.db', 'root \\d+ \\S+copy\\.2\\.localkeystore\\.db\\.absent',
      'xfer 600 \\S+copy\\.3\\.localkeystore\\.db', 'root \\d+ \\S+copy\\.4\\.localkeystore\\.db\\.absent\n$'].join('\n')));
  });

  it('rolls back a run whose snapshot an older hsts-cluster wrote: askmscli\'s keystores inline in snapshot.json', async () => {
    const STORE = '/opt/aspera/etc/rootkeystore.db';
    const RUN = '20261101T000000Z-0d01';
    const dir = `/var/lib/hsts-cluster/runs/${RUN}`;
    // Configured already when the tests above ran (a no-op then); configures when run alone.
    const configured = await runCli(['up', '-i', rig.inventoryPath]);
    expect(configured.exitCode, configured.stderr).toBe(0);
    await flushSentinelConfigs(rig, members());
    const before = await fingerprintAll(rig);
    const [meta = '', bytes = ''] = (await rig.sh(1, `stat -c '%U %G %a' ${STORE} && base64 -w0 ${STORE}`)).output.split('\n');
    const [owner, group, mode] = meta.split(' ');
    // snapshot.json as the version before node-side copies wrote it: the store's bytes in it.
    const snapshot = {
      version: 1, run: RUN, node: 'node2', createdAt: '2026-11-01T00:00:00.000Z', nodedUser: 'asperadaemon',
      files: [{ path: STORE, content: bytes.trim(), owner, group, mode }], units: [], users: [], firewall: null, firewalld: null, redisData: null,
    };
    const json = Buffer.from(JSON.stringify(snapshot)).toString('base64');
    await onNodes([1], `install -d -m 0700 ${dir} && echo ${json} | base64 -d > ${dir}/snapshot.json && chmod 600 ${dir}/snapshot.json && echo applying > ${dir}/state`);
    // What that run did before its controller died: askmscli stored the password again (new bytes);
    // the password goes from the node's own Redis file to askmscli's stdin.
    const pw = `sed -n 's/^requirepass "\\{0,1\\}\\([^"]*\\)"\\{0,1\\}$/\\1/p' /opt/aspera/etc/redis/aspera_31415.conf | head -n 1`;
    await onNodes([1], `${pw} | /opt/aspera/bin/askmscli -s redis-password`);
    expect((await rig.sh(1, `base64 -w0 ${STORE}`)).output.trim()).not.toBe(bytes.trim());
    const r = await runCli(['rollback', '-i', rig.inventoryPath, '--run', RUN, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).nodes.find((n: { name: string }) => n.name === 'node2').status).toBe('rolled-back');
    expect((await rig.sh(1, `base64 -w0 ${STORE}`)).output.trim()).toBe(bytes.trim());
    await flushSentinelConfigs(rig, members());
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});
