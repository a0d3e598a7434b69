import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig, type RigNode } from '../rig/rig.js';
import { runCli, startCli, type CliResult } from '../support/cli.js';
import { journalEvents, journalFiles, waitForJournal } from '../support/journal.js';
import { eventually, shWithInput, shWithRedisAuth } from '../support/cluster.js';
import { until } from '../support/wait.js';
import { startWriter } from '../support/writer.js';

let rig: Rig;
const NEW_PASSWORD = 'Rotated-2026_new.pass';
const FIRST_INVENTORY = () => readFileSync(rig.inventoryPath, 'utf8');

const statusJson = async () => JSON.parse((await runCli(['status', '--json', '-i', rig.inventoryPath])).stdout) as { verdict: string; primary: string };

const RUNS = '/var/lib/hsts-cluster/runs';

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-rotate-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const healthy = await eventually(statusJson, (s) => s.verdict === 'healthy', 120);
  if (healthy.verdict !== 'healthy') throw new Error(`the cluster is not healthy after up: ${JSON.stringify(healthy)}`);
  writeFileSync(join(rig.dir, 'new-redis-password'), `${NEW_PASSWORD}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await rig?.down();
});

/** PING with `password` on a node's Redis (31415) or Sentinel (41415): the reply, as an administrator sees it. */
async function ping(node: RigNode, port: number, password: string): Promise<string> {
  const r = await shWithRedisAuth(node, password, `/opt/aspera/bin/asredis -h ${node.privateIp} -p ${port} PING 2>/dev/null`);
  return r.output.trim();
}

async function acceptedEverywhere(password: string): Promise<string[]> {
  return Promise.all(rig.nodes.flatMap((n) => [ping(n, 31415, password), ping(n, 41415, password)]));
}

const HEALTH_DIR = '/tmp/hsts-health';

/** On every node, asperanoded's /ping every 200 ms until stopped: "200", "503 reason" or "000" (no answer). */
function startHealthPollers(): { stop(): Promise<string[][]> } {
  const script = `mkdir -p ${HEALTH_DIR}; rm -f ${HEALTH_DIR}/stop; end=$((SECONDS + 900))
while [ ! -e ${HEALTH_DIR}/stop ] && [ "$SECONDS" -lt "$end" ]; do
  body=$(curl -sk --max-time 5 -w ' %{http_code}' https://127.0.0.1:9092/ping 2>/dev/null); echo "\${body##* } \${body% *}"; touch ${HEALTH_DIR}/started; sleep 0.2
done; echo end`;
  const running = rig.nodes.map((n) => rig.sh(n, script));
  return {
    stop: async () => {
      await Promise.all(rig.nodes.map((n) => rig.sh(n, `mkdir -p ${HEALTH_DIR}; touch ${HEALTH_DIR}/stop`)));
      return (await Promise.all(running)).map((r) => r.output.trim().split('\n').filter((l) => l !== 'end'));
    },
  };
}

/** How many separate stretches of "no answer" a poller saw (one per asperanoded restart). */
function outages(answers: string[]): number {
  let runs = 0;
  answers.forEach((a, i) => { if (a.startsWith('000') && !answers[i - 1]?.startsWith('000')) runs++; });
  return runs;
}

const SAMPLE = '/tmp/rotate-ps.log';

async function startArgvSamplers(): Promise<void> {
  await Promise.all(rig.nodes.map(async (n) => {
    await rig.sh(n, `rm -f ${SAMPLE} /tmp/stop-sampling; setsid timeout 900 bash -c 'until [ -e /tmp/stop-sampling ]; do ps -eww -o args >> ${SAMPLE}; sleep 0.02; done' >/dev/null 2>&1 < /dev/null &`);
    await until(async () => (await rig.sh(n, `test -s ${SAMPLE}`)).exitCode === 0, 60, `${n.name}: the sampler runs`);
  }));
}

async function stopArgvSamplers(): Promise<string[]> {
  await Promise.all(rig.nodes.map((n) => rig.sh(n, 'touch /tmp/stop-sampling')));
  return Promise.all(rig.nodes.map(async (n) => (await rig.sh(n, `cat ${SAMPLE}`)).output));
}

function expectNoPassword(texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(rig.redisPassword);
    expect(text).not.toContain(NEW_PASSWORD);
  }
}

function journals(): string[] {
  const dir = join(rig.dir, '.hsts-cluster', 'journal');
  return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
}

const rotate = (...extra: string[]): Promise<CliResult> =>
  runCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-file', join(rig.dir, 'new-redis-password'), '--json', '--verbose', ...extra]);

/**
 * What a rotation changes, every node: the password lines of both files, askmscli's store and the
 * noded user's keystore (bytes), and the services' process ids (a restart changes them).
 */
async function rotationState(): Promise<string[]> {
  return Promise.all(rig.nodes.map(async (n) => (await rig.sh(n, [
    'grep -h "^requirepass\\|^masterauth\\|auth-pass\\|sentinel-pass" /opt/aspera/etc/redis/aspera_31415.conf /opt/aspera/etc/redis/sentinel_41415.conf | tr -d \'"\' | sha256sum',
    'sha256sum /opt/aspera/etc/rootkeystore.db ~asperadaemon/localkeystore.db',
    'systemctl show -p MainPID --value asperaredisd asperaredissentinel asperanoded asperarund',
  ].join('; '))).output));
}

describe('rotate-password', () => {
  it('refuses bad input naming the option, exit 2, touching nothing', async () => {
    const both = await runCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-env', 'X', '--new-password-file', 'y']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--new-password-env / --new-password-file');
    const unset = await runCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-env', 'HSTS_ROTATE_UNSET_VARIABLE']);
    expect(unset.exitCode).toBe(2);
    expect(unset.stderr).toContain('environment variable HSTS_ROTATE_UNSET_VARIABLE is not set');
    const spaced = await runCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-env', 'HSTS_ROTATE_SPACED'], { env: { HSTS_ROTATE_SPACED: 'has a space' } });
    expect(spaced.exitCode).toBe(2);
    expect(spaced.stderr).toMatch(/--new-password-env: .*spaces/);
    expect(spaced.stderr).not.toContain('has a space');
    expect(await acceptedEverywhere(rig.redisPassword)).toEqual(Array(6).fill('PONG'));
  });

  it('--dry-run lists the stages and changes nothing', async () => {
    const before = await rotationState();
    const r = await rotate('--dry-run');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { steps: string[] }).steps).toHaveLength(6);
    expect(await acceptedEverywhere(NEW_PASSWORD)).not.toContain('PONG');
    expect(await rotationState()).toEqual(before);
  });

  it('a failure halfway (askmscli fails once on node2) puts the old password back everywhere', async () => {
    const inventoryBefore = FIRST_INVENTORY();
    // A one-shot fault: the first askmscli call on node2 fails, and askmscli is itself again afterwards.
    await rig.sh(1, `cd /opt/aspera/bin && mv askmscli askmscli.real && printf '#!/bin/sh\\nmv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli\\necho "askmscli: simulated failure" >&2\\nexit 1\\n' > askmscli && chmod 755 askmscli`);
    const r = await rotate();
    expect(r.exitCode, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as { reached: string; errors: string[] };
    expect(result.reached).toBe('keystores');
    expect(result.errors.join('\n')).toContain('simulated failure');
    expect(await acceptedEverywhere(rig.redisPassword)).toEqual(Array(6).fill('PONG'));
    expect(await acceptedEverywhere(NEW_PASSWORD)).not.toContain('PONG');
    expect(FIRST_INVENTORY()).toBe(inventoryBefore);
    for (const node of rig.nodes) {
      expect((await rig.sh(node, 'curl -sk -o /dev/null -w "%{http_code}" https://127.0.0.1:9092/ping')).output).toBe('200');
      expect((await rig.sh(node, '/opt/aspera/bin/asnodeadmin -l')).exitCode).toBe(0);
    }
    expectNoPassword([r.stdout, r.stderr, ...journals()]);
  });

  it('Ctrl-C during the keystores stage runs the stages back: the old password only, everywhere', async () => {
    const inventoryBefore = FIRST_INVENTORY();
    const seen = journalFiles(rig.dir);
    const run = startCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-file', join(rig.dir, 'new-redis-password'), '--json']);
    await waitForJournal(rig.dir, seen, (e) => e.event === 'rotate-password' && e.result === 'clients done', 120);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.exitCode, r.stderr).toBe(1);
    expect(await acceptedEverywhere(rig.redisPassword)).toEqual(Array(6).fill('PONG'));
    expect(await acceptedEverywhere(NEW_PASSWORD)).not.toContain('PONG');
    expect(FIRST_INVENTORY()).toBe(inventoryBefore);
    for (const node of rig.nodes) expect((await rig.sh(node, '/opt/aspera/bin/asnodeadmin -l')).exitCode, node.name).toBe(0);
    expect(journalEvents(rig.dir, seen).some((e) => e.result === 'rolled back to the old password')).toBe(true);
  });

  it('rotates while asperanoded is polled on every node and a client writes: no refused password, no lost write', async () => {
    const snapshotsWithFiles = (node: RigNode) => rig.sh(node, `grep -l -F '"path":"/opt/aspera/etc/redis/aspera_31415.conf"' ${RUNS}/*/snapshot.json 2>/dev/null`);
    for (const node of rig.nodes) expect((await snapshotsWithFiles(node)).output.trim(), `${node.name}: up's snapshot`).not.toBe('');
    await startArgvSamplers();
    const health = startHealthPollers();
    await until(async () => (await Promise.all(rig.nodes.map((n) => rig.sh(n, `test -e ${HEALTH_DIR}/started`)))).every((x) => x.exitCode === 0), 60, 'the health pollers run');
    const writer = startWriter(rig, 2, { key: 'rotate:counter' });
    await until(async () => (await writer.lastAcked()) >= 20, 60, 'the writer has 20 acknowledged writes');
    const r = await rotate();
    const afterRotation = await writer.lastAcked();
    await until(async () => (await writer.lastAcked()) >= afterRotation + 20, 120, 'the writer goes on writing with the new password');
    const writes = await writer.stop();
    const answers = await health.stop();
    const samples = await stopArgvSamplers();
    expect(r.exitCode, r.stderr).toBe(0);

    // asperanoded never answered unhealthy (a refused password would be a 503 naming the keystore);
    // the only unanswered polls are each node's one planned restart.
    for (const [i, node] of rig.nodes.entries()) {
      const unhealthy = answers[i]!.filter((a) => !a.startsWith('200') && !a.startsWith('000'));
      expect(unhealthy, `${node.name}`).toEqual([]);
      expect(outages(answers[i]!), `${node.name}: stretches without an answer`).toBeLessThanOrEqual(1);
      expect(answers[i]!.filter((a) => a.startsWith('200')).length).toBeGreaterThan(0);
    }
    console.log(`rotate-password under load: ${writes.acked.length} writes acknowledged, longest gap ${writes.longestGapMs} ms, ` +
      `${writes.errors.length} errors seen by the client; health polls per node ${answers.map((a) => a.length).join('/')}, ` +
      `unanswered ${answers.map((a) => a.filter((x) => x.startsWith('000')).length).join('/')}; client errors: ${writes.errors.join(' | ')}`);
    // No acknowledged write lost: the values rose strictly and the counter holds the last one.
    expect(writes.notIncreasing).toEqual([]);
    const counter = await shWithRedisAuth(rig.nodes[0]!, NEW_PASSWORD, `/opt/aspera/bin/asredis -h ${rig.nodes[0]!.privateIp} -p 31415 GET rotate:counter`);
    expect(Number(counter.output.trim())).toBeGreaterThanOrEqual(writes.acked.at(-1)!);

    // The old password is refused by every Redis and Sentinel; the new one accepted.
    for (const reply of await acceptedEverywhere(rig.redisPassword)) expect(reply).not.toBe('PONG');
    expect(await acceptedEverywhere(NEW_PASSWORD)).toEqual(Array(6).fill('PONG'));
    for (const node of rig.nodes) expect((await rig.sh(node, '/opt/aspera/bin/asnodeadmin -l')).exitCode, node.name).toBe(0);
    // The files agree with what runs.
    for (const node of rig.nodes) {
      const files = (await rig.sh(node, 'grep -h "^requirepass\\|^masterauth\\|auth-pass" /opt/aspera/etc/redis/aspera_31415.conf /opt/aspera/etc/redis/sentinel_41415.conf')).output;
      expect(files).not.toContain(rig.redisPassword);
      expect(files.split('\n').filter(Boolean).every((l) => l.includes(NEW_PASSWORD))).toBe(true);
    }
    // The inventory refers to the new file, the rest of it as it was.
    const inventory = JSON.parse(FIRST_INVENTORY()) as { cluster: { redisPassword: unknown } };
    expect(inventory.cluster.redisPassword).toEqual({ file: 'new-redis-password' });
    expect(new Set(await Promise.all(rig.nodes.map(async (n) => (await shWithRedisAuth(n, NEW_PASSWORD, `/opt/aspera/bin/asredis -h ${n.privateIp} -p 41415 SENTINEL get-master-addr-by-name myprimary`)).output.split('\n')[0]))).size).toBe(1);

    // up's snapshots held the Redis and Sentinel files with the old password: gone from every node.
    for (const node of rig.nodes) expect((await snapshotsWithFiles(node)).output.trim(), node.name).toBe('');
    // No password in argv on any node, in the output or in the journal.
    for (const s of samples) expect(s).toMatch(/bash/);
    expectNoPassword([r.stdout, r.stderr, ...samples, ...journals()]);
  });

  it('a second rotate-password with the same new password changes nothing; up afterwards neither', async () => {
    const inventoryBefore = FIRST_INVENTORY();
    const before = await rotationState();
    const r = await rotate();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ unchanged: true });
    expect(FIRST_INVENTORY()).toBe(inventoryBefore);
    expect(await rotationState()).toEqual(before);
    const up = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect((JSON.parse(up.stdout) as { totals: { changed: number } }).totals.changed).toBe(0);
  });

  it('a Sentinel file left with the old password (a failed rollback\'s last stage) is work left: the rerun fixes it, the next says nothing to do', async () => {
    const node = rig.nodes[1]!;
    const name = rig.inventory.nodes[1]!.name;
    const conf = '/opt/aspera/etc/redis/sentinel_41415.conf';
    // By hand, as a rollback that stopped in its last stage leaves it: the running Sentinel keeps the
    // new password, its file says the old one (auth-pass unquoted as Sentinel writes it, requirepass quoted).
    // The old password reaches the node on stdin; bash's printf builtin writes it.
    const edit = await shWithInput(node, `IFS= read -r old; out=''
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    'sentinel auth-pass myprimary '*) printf -v line 'sentinel auth-pass myprimary %s' "$old" ;;
    'requirepass '*) printf -v line 'requirepass "%s"' "$old" ;;
  esac
  out+="$line"$'\\n'
done < ${conf}
printf '%s' "$out" > ${conf}; grep -c '^sentinel auth-pass myprimary \\|^requirepass ' ${conf}`, `${rig.redisPassword}\n`);
    expect(edit.output.trim(), edit.output).toBe('2');
    const fileHolds = async (password: string) => (await rig.sh(node, `cat ${conf}`)).output.includes(password);
    expect(await fileHolds(rig.redisPassword)).toBe(true);
    expect(await acceptedEverywhere(NEW_PASSWORD)).toEqual(Array(6).fill('PONG'));

    // A rollback that failed did not rewrite the inventory: it still refers to the old password.
    const inventory = rig.writeInventory('inventory-before-rotation.json', rig.inventory);
    const rotateWith = (): Promise<CliResult> =>
      runCli(['rotate-password', '-i', inventory, '--new-password-file', join(rig.dir, 'new-redis-password'), '--json']);
    const pids = () => Promise.all(rig.nodes.map(async (n) =>
      (await rig.sh(n, 'systemctl show -p MainPID --value asperaredisd asperaredissentinel asperanoded asperarund')).output.split('\n').filter(Boolean)));
    const pidsBefore = await pids();
    const rerun = await rotateWith();
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout) as { unchanged?: boolean; behind?: string[]; nodes: { name: string; status: string }[] };
    expect(result.unchanged).toBeUndefined();
    // Only the file behind was rewritten: that node's Sentinel restarted, nothing else anywhere.
    const pidsAfter = await pids();
    for (const [i, before] of pidsBefore.entries()) {
      const [redis, sentinel, noded, rund] = pidsAfter[i]!;
      expect([redis, noded, rund], rig.nodes[i]!.name).toEqual([before[0], before[2], before[3]]);
      if (i === 1) expect(sentinel).not.toBe(before[1]);
      else expect(sentinel, rig.nodes[i]!.name).toBe(before[1]);
    }
    expect(result.nodes.map((n) => n.status)).toEqual(['ok', 'changed', 'ok']);
    expect(result.behind).toEqual([
      `${name}: sentinel_41415.conf: sentinel auth-pass myprimary holds the old password`,
      `${name}: sentinel_41415.conf: requirepass holds the old password`,
    ]);
    expect(await fileHolds(rig.redisPassword)).toBe(false);
    expect(await fileHolds(NEW_PASSWORD)).toBe(true);
    expect(await acceptedEverywhere(NEW_PASSWORD)).toEqual(Array(6).fill('PONG'));
    for (const reply of await acceptedEverywhere(rig.redisPassword)) expect(reply).not.toBe('PONG');
    expectNoPassword([rerun.stdout, rerun.stderr, ...journals()]);

    const third = await rotateWith();
    expect(third.exitCode, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ unchanged: true });

    // A file that cannot be read: refused before any change (the file stages would fail and roll back).
    const other = rig.nodes[2]!;
    const before = await rotationState();
    await rig.sh(other, `mv ${conf} ${conf}.aside`);
    try {
      const refused = await rotateWith();
      expect(refused.exitCode, refused.stderr).toBe(1);
      expect((JSON.parse(refused.stdout) as { errors: string[] }).errors.join('\n'))
        .toContain(`${rig.inventory.nodes[2]!.name}: sentinel_41415.conf: cannot be read; nothing was changed`);
    } finally {
      await rig.sh(other, `mv ${conf}.aside ${conf}`);
    }
    expect(await rotationState()).toEqual(before);
  });
});
