/**
 * The rig's host variants (test/rig/variants.ts): a mixed rig whose three nodes together carry every
 * variant, each checked here from the outside (not by the script that made it), and the rig's one
 * inventory listing only users that every node has.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keystoreRecordPath } from '../../src/hsts/paths.js';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { eventually, redisCli, shWithInput } from '../support/cluster.js';
import { redisProbe } from '../../src/facts/runtime-probes.js';
import { redisOwner } from '../../src/remote/redis-cli.js';
import { VARIANTS, VARIANT_NODE_API_PORT, type Variant } from '../rig/variants.js';

export const MIXED: Variant[][] = [
  ['redis-binary-asperaredisd', 'no-xfer', 'keystore-dot-aspera'],
  ['nodeapi-port', 'redis-dir-root', 'home-outside-home', 'redis-6.0', 'opt-link'],
  ['database-first', 'keystore-dot-aspera'],
];

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-variants-')), variants: MIXED });
});
afterAll(async () => {
  await rig?.down();
});

const out = async (i: number, command: string) => {
  const r = await rig.sh(i, command);
  expect(r.exitCode, `${command}: ${r.output}`).toBe(0);
  return r.output.trim();
};

/** askmscli held (on the node it is planted on) until released, as a slow askmscli mid-run would be. */
const HELD = [
  'rm -f /tmp/askmscli.started /tmp/askmscli.release && mv /opt/aspera/bin/askmscli /opt/aspera/bin/askmscli.real',
  "printf '%s\\n' '#!/bin/sh' 'touch /tmp/askmscli.started' 'i=0' 'while [ ! -e /tmp/askmscli.release ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done' 'exec /opt/aspera/bin/askmscli.real \"$@\"' > /opt/aspera/bin/askmscli",
  'chmod +x /opt/aspera/bin/askmscli',
].join(' && ');
const RELEASE = [
  'touch /tmp/askmscli.release',
  "for i in $(seq 1 600); do pgrep -f '^/bin/sh /opt/aspera/bin/askmscli' >/dev/null || break; sleep 0.1; done",
  'mv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli && rm -f /tmp/askmscli.started /tmp/askmscli.release',
].join('\n');

/**
 * `up` killed (SIGKILL) while node1's askmscli is held, once nodes 2 and 3 wrote `record` (their
 * askmscli ran; `whileHeld` then checks them), then `rollback`, which must exit 0.
 */
async function killUpWhileAskmscliHeld(r: Rig, record: string, whileHeld: () => Promise<void>): Promise<void> {
  const held = await r.sh(0, HELD);
  expect(held.exitCode, held.output).toBe(0);
  try {
    const run = startCli(['up', '-i', r.inventoryPath]);
    const made = await eventually(
      () => Promise.all([1, 2].map((i) => r.sh(i, `ls ${record}`))),
      (rs) => rs.every((x) => x.exitCode === 0) || !run.running(), 240);
    expect(made.map((x) => x.exitCode), run.stderr()).toEqual([0, 0]);
    await whileHeld();
    run.child.kill('SIGKILL');
    expect((await run.done).exitCode).toBe(137);
    const rollback = await runCli(['rollback', '-i', r.inventoryPath, '--json']);
    expect(rollback.exitCode, rollback.stderr).toBe(0);
  } finally {
    await r.sh(0, RELEASE);
  }
}

/** asperanoded answers /ping with 200 on every node, each on its port (within 60 s). */
async function expectNodedHealthy(r: Rig, ports: number[]): Promise<void> {
  const healthy = await eventually(
    () => Promise.all(ports.map((port, i) => r.sh(i, `curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:${port}/ping`))),
    (rs) => rs.every((x) => x.output.trim() === '200'), 60);
  expect(healthy.map((x) => x.output.trim())).toEqual(ports.map(() => '200'));
}

describe('a mixed variant rig', () => {
  it('covers every variant, and each node says which it has', () => {
    expect(new Set(MIXED.flat())).toEqual(new Set(VARIANTS));
    expect(rig.nodes.map((n) => n.variants)).toEqual(MIXED);
  });

  it('lists no xfer in its inventory, since one node has none', () => {
    expect(rig.inventory.cluster.transferUsers).toEqual([]);
  });

  it('runs Redis as asperaredisd on node1 and as a stock redis-server elsewhere', async () => {
    const comm = (i: number) => out(i, 'cat /proc/$(systemctl show -p MainPID --value asperaredisd)/comm');
    expect(await comm(0)).toBe('asperaredisd');
    expect(await comm(2)).toBe('redis-server');
    expect(await out(0, 'grep ^ExecStart= /opt/aspera/etc/redis/asperaredissentinel.service'))
      .toBe('ExecStart=/opt/aspera/sbin/asperaredisd /opt/aspera/etc/redis/sentinel_41415.conf --sentinel');
  });

  it('runs Redis 6.0 on node2 and 7 elsewhere', async () => {
    const version = (i: number) => out(i, "REDISCLI_AUTH=$(sed -n 's/^requirepass //p' /opt/aspera/etc/redis/aspera_31415.conf) /opt/aspera/bin/asredis -p 31415 INFO server | tr -d '\\r' | sed -n 's/^redis_version://p'");
    expect(await version(1)).toMatch(/^6\.0\.\d+$/);
    expect(await version(0)).toMatch(/^7\./);
  });

  it('has no xfer on node1, and xfer at home in /srv/aspera/users on node2', async () => {
    expect((await rig.sh(0, 'getent passwd xfer')).exitCode).not.toBe(0);
    expect(await out(1, 'getent passwd xfer | cut -d: -f6')).toBe('/srv/aspera/users/xfer');
    expect(await out(2, 'getent passwd xfer | cut -d: -f6')).toBe('/home/xfer');
  });

  it('keeps localkeystore.db under ~/.aspera on nodes 1 and 3, in the home on node2', async () => {
    for (const i of [0, 2]) {
      expect(await out(i, '/opt/aspera/bin/askmscli -i -u asperadaemon >/dev/null && ls ~asperadaemon/.aspera/localkeystore.db ~asperadaemon/localkeystore.db 2>&1 || true'))
        .toMatch(/cannot access '\/opt\/aspera\/var\/localkeystore\.db'.*\n\/opt\/aspera\/var\/\.aspera\/localkeystore\.db$/s);
    }
    // askmscli makes the directory for a user who has none yet, as the user's own.
    expect(await out(2, '/opt/aspera/bin/askmscli -i -u xfer >/dev/null && stat -c "%U %a" /home/xfer/.aspera /home/xfer/.aspera/localkeystore.db'))
      .toBe('xfer 700\nxfer 600');
    expect(await out(1, 'ls ~asperadaemon/localkeystore.db')).toBe('/opt/aspera/var/localkeystore.db');
  });

  it('serves the Node API on https_port 9093 on node2, 9092 elsewhere, healthy on each', async () => {
    const ping = (i: number, port: number) => out(i, `curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:${port}/ping`);
    expect(await ping(1, VARIANT_NODE_API_PORT)).toBe('200');
    expect(await ping(0, 9092)).toBe('200');
    expect(await ping(2, 9092)).toBe('200');
  });

  it('has /opt/aspera/etc/redis owned by root on node2, by the noded user elsewhere', async () => {
    expect(await out(1, 'stat -c "%U:%G %a" /opt/aspera/etc/redis')).toBe('root:root 755');
    expect(await out(0, 'stat -c "%U:%G" /opt/aspera/etc/redis')).toBe('asperadaemon:aspadmins');
  });

  it('has /opt a link to /data/opt on node2, a directory elsewhere, and Redis running through it', async () => {
    expect(await out(1, 'readlink /opt /proc/$(systemctl show -p MainPID --value asperaredisd)/exe; stat -c %U /data/opt/aspera/etc/redis'))
      .toBe('/data/opt\n/data/opt/redis-6.0/bin/redis-server\nroot');
    expect((await rig.sh(0, 'test -d /opt && ! test -L /opt')).exitCode).toBe(0);
  });

  it('has aspera.conf open with a <database> section holding a <server> on node3', async () => {
    expect(await out(2, "grep -n -m 3 -E '<(database|server)>' /opt/aspera/etc/aspera.conf | cut -d: -f2 | tr -d ' '"))
      .toBe('<database>\n<server>127.0.0.1</server>\n<server>');
  });
});

describe('doctor on the mixed variant rig', () => {
  it('names each variant it found, reads every node, and says what up relies on', async () => {
    const r = await runCli(['doctor', '-i', rig.inventoryPath, '--json']);
    const report = JSON.parse(r.stdout) as { ready: boolean; nodes: { name: string; reachable: boolean; notes: string[] }[] };
    expect(report.nodes.map((n) => n.reachable), r.stderr).toEqual([true, true, true]);
    expect(r.exitCode).toBe(report.ready ? 0 : 1);
    const [n1, n2, n3] = report.nodes.map((n) => n.notes.join('\n'));
    // redis-binary-asperaredisd, no-xfer, keystore-dot-aspera
    expect(n1).toContain('asperaredisd runs as asperaredisd (/opt/aspera/sbin/asperaredisd)');
    expect(n1).toContain('user xfer does not exist (not in the inventory: fine)');
    expect(n1).toContain('asperadaemon\'s localkeystore.db is under ~/.aspera: /opt/aspera/var/.aspera/localkeystore.db');
    // nodeapi-port, redis-dir-root, home-outside-home, redis-6.0
    expect(n2).toContain(`the Node API is on port ${VARIANT_NODE_API_PORT} (aspera.conf), not IBM's default 9092: hsts-cluster asks there`);
    expect(n2).toMatch(/\/opt\/aspera\/etc\/redis is root:root 755, not asperadaemon's/);
    expect(n2).toContain('xfer\'s home is /srv/aspera/users/xfer, outside /home');
    expect(n2).toMatch(/Redis 6\.0\.\d+ is older than 6\.2/);
    // database-first (and keystore-dot-aspera again); a stock detail draws no note.
    expect(n3).toContain('aspera.conf has a <database> section (with its own <server>) before the top-level <server>');
    expect(n3).toContain('asperadaemon\'s localkeystore.db is under ~/.aspera');
    expect(n3).not.toMatch(/runs as|https_port|older than/);
    const text = await runCli(['doctor', '-i', rig.inventoryPath]);
    expect(text.stdout).toMatch(/^node1: HSTS \d+\.\d+/);
    // HSTS's own Redis binds 127.0.0.1 until `up` gives it the private IP: the report says where it listens.
    expect(text.stdout).toContain('port 31415 (Redis): listening on 127.0.0.1');
  });
});

describe('day one and day two on the mixed variant rig', () => {
  // Each command finds each node's details out: none may assume the stock one.
  it('plan refuses node1 as the primary: node2\'s Redis 6.0 could not load its Redis 7\'s data', async () => {
    const r = await runCli(['plan', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/node2: its Redis 6\.0\.\d+ cannot follow node1's Redis 7\.\d+\.\d+, the primary/);
    expect(r.stderr).toContain('nothing was changed');
  });

  it('plan refuses an inventory whose cluster.nodedUser is not the account that runs HSTS\'s daemons, naming each unit by the port its own process holds', async () => {
    const nodes = rig.inventory.nodes.map((n) => ({ ...n, role: n.name === 'node2' ? 'primary' as const : 'replica' as const }));
    const path = rig.writeInventory('inventory-noded-nobody.json', { ...rig.inventory, nodes, cluster: { ...rig.inventory.cluster, nodedUser: 'nobody' } });
    const r = await runCli(['plan', '-i', path]);
    expect(r.exitCode, r.stderr).toBe(1);
    const wrong = (unit: string, port: number) => `${unit} runs as user asperadaemon (its process holds port ${port}), not as cluster.nodedUser nobody`;
    // node1's Redis is a binary named asperaredisd, node2's Node API is on aspera.conf's https_port.
    const line = (node: string) => r.stderr.split('\n').find((l) => l.startsWith(`${node}: `)) ?? '';
    for (const node of ['node1', 'node2', 'node3']) expect(line(node)).toContain(wrong('asperaredisd', 31415));
    expect(line('node2')).toContain(wrong('asperanoded', VARIANT_NODE_API_PORT));
    expect(line('node3')).toContain(wrong('asperanoded', 9092));
    expect(r.stderr).toContain('nothing was changed');
  });

  it('up makes a healthy cluster of the three variants, node2 (the oldest Redis) the primary, and a second up changes nothing', async () => {
    // A newer Redis follows an older one: the inventory names node2 the primary.
    const inventory = JSON.parse(readFileSync(rig.inventoryPath, 'utf8')) as { nodes: { name: string; role?: string }[] };
    for (const node of inventory.nodes) node.role = node.name === 'node2' ? 'primary' : 'replica';
    writeFileSync(rig.inventoryPath, JSON.stringify(inventory, null, 2));
    const first = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const again = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/Redis versions differ \(node1 7\.\d+\.\d+, node2 6\.0\.\d+, node3 7\.\d+\.\d+\)/);
    const recap = JSON.parse(again.stdout) as { nodes: { name: string; changed: number }[] };
    expect(recap.nodes.map((n) => [n.name, n.changed])).toEqual([['node1', 0], ['node2', 0], ['node3', 0]]);
    // node2's Redis directory was root's: up gave it to the noded user, as Redis's CONFIG REWRITE needs.
    expect(await out(1, 'stat -c "%U" /opt/aspera/etc/redis')).toBe('asperadaemon');
  });

  it('the facts\' Redis probe reads db0\'s key count as DBSIZE gives it and the version, from Redis 6.0 (node2) and 7 (node1), keys in db1 not counted', async () => {
    for (const args of ['SET hsts-cluster-test-db0 x', '-n 1 SET hsts-cluster-test-db1 x']) {
      const set = await redisCli(rig, 1, args);
      expect(set.output.trim(), set.output).toBe('OK');
    }
    try {
      for (const i of [1, 0]) {
        const node = rig.nodes[i]!;
        const probe = redisProbe({ ip: node.privateIp, port: 31415, password: rig.redisPassword, owner: redisOwner('asperadaemon') });
        const script = `IN=$(mktemp -d); IFS= read -r p; printf %s "$p" > "$IN/pw"; ${probe.command.code}; rc=$?; rm -rf "$IN"; exit $rc`;
        // A replica may take a moment to apply what the primary wrote: the same DBSIZE before and after the probe.
        const seen = await eventually(async () => {
          const before = (await redisCli(rig, i, 'DBSIZE')).output.trim();
          const answer = await shWithInput(node, script, `${rig.redisPassword}\n`);
          const after = (await redisCli(rig, i, 'DBSIZE')).output.trim();
          return { before, after, facts: probe.parse({ label: '', exitCode: answer.exitCode, output: answer.output, durationMs: 0 }) };
        }, (v) => v.before === v.after && String(v.facts.redisKeys) === v.before, 20);
        expect(Number(seen.before), seen.before).toBeGreaterThan(0);
        expect(seen.facts.redisKeys, JSON.stringify(seen)).toBe(Number(seen.before));
        expect(seen.facts.redisVersion?.slice(0, 2)).toEqual(i === 1 ? [6, 0] : [7, expect.any(Number)]);
        expect(seen.facts.redis?.role).toBe(i === 1 ? 'master' : 'slave');
      }
    } finally {
      await redisCli(rig, 1, 'DEL hsts-cluster-test-db0');
      await redisCli(rig, 1, '-n 1 DEL hsts-cluster-test-db1');
    }
  });

  it('status asks node2\'s asperanoded on the port its aspera.conf names, and finds it healthy', async () => {
    // Nothing answers on IBM's default port there: a status that asked 9092 would call node2 unhealthy.
    expect((await rig.sh(1, 'curl -sk -o /dev/null -m 5 https://127.0.0.1:9092/ping')).exitCode).not.toBe(0);
    type Health = { verdict: string; nodes: { name: string; noded: { ok: boolean; message: string } }[] };
    const status = async () => {
      const r = await runCli(['status', '-i', rig.inventoryPath, '--json']);
      return { exitCode: r.exitCode, stdout: r.stdout, health: JSON.parse(r.stdout) as Health };
    };
    // Sentinel asks the primary for its replicas every 10 s: degraded until it has.
    const r = await eventually(status, (s) => s.health.verdict === 'healthy', 60);
    expect(r.health.nodes.map((n) => [n.name, n.noded.ok]), r.stdout).toEqual([['node1', true], ['node2', true], ['node3', true]]);
    expect(r.health.verdict, r.stdout).toBe('healthy');
    expect(r.exitCode).toBe(0);
  });

  it('verify --replication passes, asking each Node API where it is', async () => {
    const r = await runCli(['verify', '--replication', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('add-transfer-user --create gives alice a keystore where each node\'s askmscli keeps it, and her ascp reaches Redis', async () => {
    const r = await runCli(['add-transfer-user', 'alice', '--create', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    // keystore-dot-aspera on node1 and node3, the home itself on node2.
    const places = ['~alice/.aspera/localkeystore.db', '~alice/localkeystore.db', '~alice/.aspera/localkeystore.db'];
    for (const [i, place] of places.entries()) {
      expect(await out(i, `stat -c '%U %a' ${place}`), `node${i + 1}`).toBe('alice 600');
      const ascp = await rig.sh(i, "su -s /bin/sh alice -c '/opt/aspera/bin/ascp --simulate-seconds 0'");
      expect(ascp.exitCode, `node${i + 1}: ${ascp.output}`).toBe(0);
    }
    const again = await runCli(['add-transfer-user', 'alice', '-i', rig.inventoryPath, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals.changed).toBe(0);
  });

  it('askmscli makes a store in a private copy of the home: a ~/.aspera swapped for a link to a root directory while askmscli runs leads nowhere', async () => {
    // node1 keeps stores under ~/.aspera. While askmscli runs for bob, his ~/.aspera becomes a link to a
    // root-owned directory, planted from the node's own mount namespace (nsenter -t 1), as bob could
    // do when he sees askmscli in ps.
    const plant = await rig.sh(0, [
      'mkdir -p /etc/hsts-victim && mv /opt/aspera/bin/askmscli /opt/aspera/bin/askmscli.real',
      `printf '%s\\n' '#!/bin/sh' 'case "$*" in *"-u bob"*) nsenter -t 1 -m -- sh -c "rm -rf ~bob/.aspera && ln -s /etc/hsts-victim ~bob/.aspera" ;; esac' 'exec /opt/aspera/bin/askmscli.real "$@"' > /opt/aspera/bin/askmscli`,
      'chmod 755 /opt/aspera/bin/askmscli',
    ].join(' && '));
    expect(plant.exitCode, plant.output).toBe(0);
    try {
      const r = await runCli(['add-transfer-user', 'bob', '--create', '-i', rig.inventoryPath]);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('node1: transfer-users: askmscli -i -u bob: exit 1');
      expect(r.stderr).toContain('/home/bob/.aspera/localkeystore.db: /home/bob/.aspera leads through a link to /etc/hsts-victim, which is root\'s');
      expect(await out(0, 'ls -A /etc/hsts-victim | wc -l')).toBe('0');
      expect(await out(0, 'ls /run | grep -c hsts-cluster-askmscli || true')).toBe('0');
    } finally {
      await rig.sh(0, 'mv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli; rm -f ~bob/.aspera; rm -rf /etc/hsts-victim');
    }
  });

  it('rotate-password refuses before changing anything: node2\'s Redis is 6.0, and a rotation without downtime needs 6.2', async () => {
    const file = join(rig.dir, 'new-redis-password');
    writeFileSync(file, 'variant-rig-new-password-0123456789\n', { mode: 0o600 });
    // Sentinel rewrites its own file as it learns peers: only the password lines must stay.
    const PASSWORD_LINES = "grep -hE '^(requirepass|masterauth|sentinel auth-pass|sentinel sentinel-pass)' /opt/aspera/etc/redis/aspera_31415.conf /opt/aspera/etc/redis/sentinel_41415.conf | sha256sum";
    const before = await out(1, PASSWORD_LINES);
    const r = await runCli(['rotate-password', '-i', rig.inventoryPath, '--new-password-file', file]);
    expect(r.exitCode, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/node2's Redis is version 6\.0(\.\d+)?: a rotation without downtime needs 6\.2/);
    expect(r.stderr).not.toMatch(/node[13]'s Redis is version/);
    expect(await out(1, PASSWORD_LINES)).toBe(before);
  });

  it('the window docs/rotate-password.md gives for an older Redis works: HSTS services stopped, the inventory\'s password changed, up; every node then on the new one and healthy', async () => {
    const NEW = 'variant-rig-window-password-0123456789';
    const ask = (i: number, password: string) => rig.sh(i, `REDISCLI_AUTH='${password}' /opt/aspera/bin/asredis -h ${rig.nodes[i]!.privateIp} -p 31415 PING 2>&1`);
    for (const i of [0, 1, 2]) await out(i, 'systemctl stop asperanoded asperarund');
    writeFileSync(join(rig.dir, 'redis-password'), `${NEW}\n`, { mode: 0o600 });
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json'], { timeoutMs: 300_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const i of [0, 1, 2]) {
      expect((await ask(i, NEW)).output.trim(), `node${i + 1}`).toBe('PONG');
      expect((await ask(i, rig.redisPassword)).output, `node${i + 1}`).toMatch(/WRONGPASS|NOAUTH|invalid/i);
      expect(await out(i, 'systemctl is-active asperanoded asperarund')).toBe('active\nactive');
    }
    const status = await eventually(() => runCli(['status', '-i', rig.inventoryPath, '--json']), (x) => x.exitCode === 0, 60);
    expect(status.exitCode, status.stdout).toBe(0);
    const verify = await runCli(['verify', '--replication', '-i', rig.inventoryPath, '--json']);
    expect(verify.exitCode, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    const again = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals.changed).toBe(0);
  }, 900_000);

  it('rollback after a killed up that ran askmscli puts each node back as its variants had it: stores where askmscli keeps them, node2\'s Redis directory root\'s again, asperanoded healthy on each node\'s own Node API port', async () => {
    const STORES = 'for f in /opt/aspera/etc/rootkeystore.db ~asperadaemon/localkeystore.db ~asperadaemon/.aspera/localkeystore.db; do [ -e "$f" ] && sha256sum "$f" || echo "absent $f"; done; stat -c "%U:%G %a" /opt/aspera/etc/redis';
    // No record of what askmscli holds: up runs askmscli -s and -i again on every node. node2's
    // Redis directory root's again, as the variant ships it: up gives it to the noded user first.
    for (const i of [0, 1, 2]) await out(i, 'rm -f /var/lib/hsts-cluster/askmscli/*.json');
    await out(1, 'chown root:root /opt/aspera/etc/redis && chmod 755 /opt/aspera/etc/redis');
    const before = await Promise.all([0, 1, 2].map((i) => out(i, STORES)));
    expect(before[1]).toMatch(/root:root 755$/);
    // node1's askmscli is held; node2 and node3 store the password and make the noded user's keystore meanwhile.
    await killUpWhileAskmscliHeld(rig, keystoreRecordPath('asperadaemon'), async () => {
      expect(await out(1, 'stat -c %U /opt/aspera/etc/redis')).toBe('asperadaemon');
    });
    expect(await Promise.all([0, 1, 2].map((i) => out(i, STORES)))).toEqual(before);
    await expectNodedHealthy(rig, rig.nodes.map((n) => (n.variants.includes('nodeapi-port') ? VARIANT_NODE_API_PORT : 9092)));
  }, 900_000);
});

describe('rollback after the keystore step, keystores at the variants\' places', () => {
  // node1 keeps stores under ~/.aspera; node2's xfer lives in /srv/aspera/users; node3 has both.
  const KEYSTORE_VARIANTS: Variant[][] = [['keystore-dot-aspera'], ['home-outside-home'], ['keystore-dot-aspera', 'home-outside-home']];
  let ks: Rig;
  beforeAll(async () => {
    await rig?.down();
    ks = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-variants-ks-')), variants: KEYSTORE_VARIANTS });
  });
  afterAll(async () => {
    await ks?.down();
  });
  const STORES = 'for f in /opt/aspera/etc/rootkeystore.db ~asperadaemon/localkeystore.db ~asperadaemon/.aspera/localkeystore.db ~xfer/localkeystore.db ~xfer/.aspera/localkeystore.db; do [ -e "$f" ] && sha256sum "$f" || echo "absent $f"; done';

  it('puts back or removes each store where askmscli wrote it, and asperanoded is healthy again everywhere', async () => {
    expect(ks.inventory.cluster.transferUsers).toEqual(['xfer']);
    const before = await Promise.all([0, 1, 2].map(async (i) => (await ks.sh(i, STORES)).output));
    expect(before[1]).toContain('absent /srv/aspera/users/xfer/localkeystore.db');
    // node1's askmscli is held; node2 and node3 store the password and make both keystores meanwhile.
    await killUpWhileAskmscliHeld(ks, keystoreRecordPath('xfer'), async () => {
      expect((await ks.sh(1, 'ls /srv/aspera/users/xfer/localkeystore.db')).exitCode).toBe(0);
      expect((await ks.sh(2, 'ls /srv/aspera/users/xfer/.aspera/localkeystore.db')).exitCode).toBe(0);
    });
    expect(await Promise.all([0, 1, 2].map(async (i) => (await ks.sh(i, STORES)).output))).toEqual(before);
    await expectNodedHealthy(ks, [9092, 9092, 9092]);
  });

  it('after up, rotate-password renews each store where askmscli keeps it: every node on the new password, xfer\'s ascp and asperanoded healthy', async () => {
    const first = await runCli(['up', '-i', ks.inventoryPath, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const before = await Promise.all([0, 1, 2].map(async (i) => (await ks.sh(i, STORES)).output));
    const file = join(ks.dir, 'new-redis-password');
    const password = 'keystore-rig-new-password-0123456789';
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    const r = await runCli(['rotate-password', '-i', ks.inventoryPath, '--new-password-file', file, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = await Promise.all([0, 1, 2].map(async (i) => (await ks.sh(i, STORES)).output));
    // xfer's store at each node's place (~/.aspera on nodes 1 and 3, /srv/aspera/users on 2 and 3) was made again.
    const xferStore = ['/home/xfer/.aspera/localkeystore.db', '/srv/aspera/users/xfer/localkeystore.db', '/srv/aspera/users/xfer/.aspera/localkeystore.db'];
    for (const [i, store] of xferStore.entries()) {
      const line = (text: string) => text.split('\n').find((l) => l.endsWith(` ${store}`));
      expect(line(after[i]!), `node${i + 1}`).toBeDefined();
      expect(line(after[i]!), `node${i + 1}`).not.toBe(line(before[i]!));
      const ascp = await ks.sh(i, "su -s /bin/sh xfer -c '/opt/aspera/bin/ascp --simulate-seconds 0'");
      expect(ascp.exitCode, `node${i + 1}: ${ascp.output}`).toBe(0);
      const ping = await ks.sh(i, `REDISCLI_AUTH='${password}' /opt/aspera/bin/asredis -h ${ks.nodes[i]!.privateIp} -p 31415 PING`);
      expect(ping.output.trim(), `node${i + 1}`).toBe('PONG');
    }
    await expectNodedHealthy(ks, [9092, 9092, 9092]);
  });
});
