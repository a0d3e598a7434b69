import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameFingerprints, fingerprintAll } from '../rig/fingerprint.js';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli, type CliResult } from '../support/cli.js';
import { eventually, flushSentinelConfigs, redisCli, sentinelPrimaries } from '../support/cluster.js';
import { until } from '../support/wait.js';

let rig: Rig;
const outputs: CliResult[] = [];
async function cli(...args: string[]): Promise<CliResult> {
  const r = await runCli([...args, '-i', rig.inventoryPath]);
  outputs.push(r);
  return r;
}
const statusJson = async () => JSON.parse((await cli('status', '--json')).stdout);

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-day2-')) });
  // As the specification's failover test asks: allow DEBUG on Redis (an admin's line, not ours).
  await Promise.all(rig.nodes.map((n) => rig.sh(n, "echo 'enable-debug-command yes' >> /opt/aspera/etc/redis/aspera_31415.conf && systemctl restart asperaredisd")));
  const up = await cli('up');
  if (up.exitCode !== 0) throw new Error(up.stderr);
});
afterAll(async () => {
  await rig?.down();
});

describe('status', () => {
  it('is healthy after up, with one round trip per node', async () => {
    const r = await cli('status');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain('cluster: HEALTHY, primary node1');
    expect(r.stdout).toMatch(/node2\s+replica\s+link up\s+\d+ B\s+node1\s+ok\s+healthy/);
  });

  it('--watch repeats the report over one connection per node until Ctrl-C, then exits with the verdict', async () => {
    const logins = () => Promise.all(rig.nodes.map(async (n) =>
      Number((await rig.sh(n, "journalctl -u ssh -o cat | grep -c 'Accepted publickey'; true")).output.trim())));
    const loginsBefore = await logins();
    const watch = startCli(['status', '--watch', '1', '-i', rig.inventoryPath]);
    try {
      const reports = () => watch.stdout().split('cluster: HEALTHY').length - 1;
      await until(() => reports() >= 3 || !watch.running(), 180, 'three reports', () => watch.stdout());
      expect(reports(), watch.stdout()).toBeGreaterThanOrEqual(3);
      watch.child.kill('SIGINT');
      await until(() => !watch.running(), 120, 'status --watch exits on Ctrl-C', () => watch.stdout());
      expect((await watch.done).exitCode).toBe(0);
    } finally {
      watch.child.kill('SIGKILL');
    }
    expect((await logins()).map((n, i) => n - loginsBefore[i]!)).toEqual(rig.nodes.map(() => 1));
  });

  it('is degraded, naming the node, when Redis stops on a replica', async () => {
    await rig.sh(2, 'systemctl stop asperaredisd');
    try {
      const r = await cli('status');
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('cluster: DEGRADED');
      expect(r.stdout).toMatch(/node3: asperaredisd is inactive/);
      expect(r.stdout).toMatch(/node3: Redis does not answer/);
    } finally {
      await rig.sh(2, 'systemctl start asperaredisd');
    }
    const back = await eventually(statusJson, (s) => s.verdict === 'healthy', 120);
    expect(back.verdict).toBe('healthy');
  });

  it('reports the lost quorum when two of three Sentinels stop', async () => {
    await Promise.all([1, 2].map((i) => rig.sh(i, 'systemctl stop asperaredissentinel')));
    try {
      const s = await eventually(statusJson, (v) => v.nodes[0].quorum?.ok === false, 120);
      expect(s.verdict).toBe('broken');
      expect(s.reasons.join('\n')).toMatch(/no majority of Sentinels agrees on a primary/);
      expect(s.reasons.join('\n')).toMatch(/node1: SENTINEL CKQUORUM: NOQUORUM/);
      expect((await cli('status')).exitCode).toBe(1);
    } finally {
      await Promise.all([1, 2].map((i) => rig.sh(i, 'systemctl start asperaredissentinel')));
    }
    expect((await eventually(statusJson, (v) => v.verdict === 'healthy', 120)).verdict).toBe('healthy');
  });
});

describe('add-transfer-user', () => {
  it('refuses a user missing on the nodes without --create, and changes nothing anywhere', async () => {
    await flushSentinelConfigs(rig, rig.nodes);
    const before = await fingerprintAll(rig);
    const inventoryBefore = readFileSync(rig.inventoryPath, 'utf8');
    const r = await cli('add-transfer-user', 'alice');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/node1: user alice does not exist \(create it, or pass --create\)/);
    expect(r.stderr).toContain('nothing was changed');
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
    expect(readFileSync(rig.inventoryPath, 'utf8')).toBe(inventoryBefore);
  });

  it('--create refuses, before touching any node, where IBM\'s aspshell is missing, naming the node and the way out', async () => {
    await flushSentinelConfigs(rig, rig.nodes);
    await rig.sh(2, 'rm /bin/aspshell');
    try {
      const before = await fingerprintAll(rig);
      const inventoryBefore = readFileSync(rig.inventoryPath, 'utf8');
      const r = await cli('add-transfer-user', 'carol', '--create');
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain("node3: aspshell (/bin/aspshell), IBM's restricted shell for transfer users, is not on this node: install it with HSTS, or pass --shell /bin/bash to give the new users a full login shell");
      expect(r.stderr).not.toMatch(/node[12]: aspshell/);
      expect(r.stderr).toContain('nothing was changed');
      expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
      for (const node of rig.nodes) expect((await rig.sh(node, 'id carol')).exitCode).not.toBe(0);
      expect(readFileSync(rig.inventoryPath, 'utf8')).toBe(inventoryBefore);
    } finally {
      await rig.sh(2, 'ln -sfn /opt/aspera/bin/aspshell /bin/aspshell');
    }
  });

  it('creates the user and its keystore on every node, records it, and is idempotent', async () => {
    // The inventory may hold a literal password: recording the user keeps the file private.
    chmodSync(rig.inventoryPath, 0o600);
    const before = readFileSync(rig.inventoryPath, 'utf8');
    const r = await cli('add-transfer-user', 'alice', '--create', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals.changed).toBe(3);
    expect(JSON.parse(r.stdout).nodes[0].changes[0].summary).toBe('create the OS user alice (useradd --create-home --shell /bin/aspshell)');
    for (const node of rig.nodes) {
      expect((await rig.sh(node, "stat -c '%U %a' ~alice/localkeystore.db")).output.trim()).toBe('alice 600');
      // Her login shell is IBM's aspshell (the default of --create)...
      expect((await rig.sh(node, 'getent passwd alice')).output.trim()).toMatch(/^alice:x:\d+:\d+::\/home\/alice:\/bin\/aspshell$/);
      // ...through which her ascp runs, as a transfer client's SSH session runs it (SHELL -c COMMAND),
      // and authenticates with Redis through that keystore...
      const ascp = await rig.sh(node, "su alice -c 'ascp --simulate-seconds 0'");
      expect(ascp.exitCode, ascp.output).toBe(0);
      // ...and nothing else does.
      const other = await rig.sh(node, "su alice -c 'cat /etc/hostname'");
      expect(other.exitCode).toBe(1);
      expect(other.output).toMatch(/aspshell: cat: not allowed/);
      expect((await rig.sh(node, "stat -c '%U %a' /var/lib/hsts-cluster/askmscli/keystore.alice.json")).output.trim()).toBe('root 600');
    }
    const after = readFileSync(rig.inventoryPath, 'utf8');
    // The rig's inventory lists xfer (every rig node has it), one item a line; alice is added in the
    // list's own style, the rest byte for byte.
    expect(JSON.parse(after).cluster.transferUsers).toEqual(['xfer', 'alice']);
    const list = /( *)"transferUsers": \[\n( *)"xfer"\n( *)\]/.exec(before);
    expect(list, before).not.toBeNull();
    const [, , item, close] = list!;
    expect(after).toBe(before.replace(list![0], `${list![1]}"transferUsers": [\n${item}"xfer",\n${item}"alice"\n${close}]`));
    expect(statSync(rig.inventoryPath).mode & 0o777).toBe(0o600);
    const again = await cli('add-transfer-user', 'alice', '--json');
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).totals.changed).toBe(0);
    expect((await cli('up', '--json')).exitCode).toBe(0);
  });
});

describe('a keystore deleted behind hsts-cluster\'s back', () => {
  it('makes the user\'s programs fail naming the keystore; hsts-cluster trusts its record until told otherwise', async () => {
    await rig.sh(2, 'mv ~alice/localkeystore.db /tmp/alice.localkeystore.db');
    try {
      const ascp = await rig.sh(2, "su alice -c 'ascp --simulate-seconds 0'");
      expect(ascp.exitCode).not.toBe(0);
      expect(ascp.output).toMatch(/ascp: .*keystore of alice unusable: \/home\/alice\/localkeystore\.db does not exist \(run: askmscli -i -u alice\)/);
      // Not asperadaemon's: the cluster stays up, and `up` (which never reads a store) sees nothing to do.
      const up = await cli('up', '--json');
      expect(up.exitCode, up.stderr).toBe(0);
      expect(JSON.parse(up.stdout).totals.changed).toBe(0);
      // Its record removed, hsts-cluster runs askmscli for alice again, and says why.
      await rig.sh(2, 'rm /var/lib/hsts-cluster/askmscli/keystore.alice.json');
      const again = await cli('add-transfer-user', 'alice', '--json');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).nodes[2].changes.map((c: { summary: string }) => c.summary))
        .toEqual(['make the keystore of alice (askmscli -i -u alice): no record of what askmscli holds: run once']);
      expect((await rig.sh(2, "su alice -c 'ascp --simulate-seconds 0'")).exitCode).toBe(0);
    } finally {
      await rig.sh(2, 'rm -f /tmp/alice.localkeystore.db');
    }
  });

  it('of the noded user makes up fail in verify, with asperanoded\'s reason, and changes nothing', async () => {
    await rig.sh(1, 'cp -p /opt/aspera/var/localkeystore.db /tmp/daemon.localkeystore.db && rm /opt/aspera/var/localkeystore.db');
    try {
      const ping = await rig.sh(1, 'curl -sSk --max-time 5 -D - https://127.0.0.1:9092/ping');
      expect(ping.output).toMatch(/HTTP\/1\.1 503/);
      expect(ping.output).toMatch(/keystore of asperadaemon unusable: \/opt\/aspera\/var\/localkeystore\.db does not exist \(run: askmscli -i -u asperadaemon\)/);
      const up = await cli('up', '--json', '--wait-timeout', '15');
      expect(up.exitCode).toBe(1);
      expect(up.stderr).toMatch(/node2: verify: [\s\S]*asperanoded did not answer healthy[\s\S]*last answer: HTTP\/1\.1 503 .*run: askmscli -i -u asperadaemon/);
    } finally {
      await rig.sh(1, 'cp -p /tmp/daemon.localkeystore.db /opt/aspera/var/localkeystore.db && rm -f /tmp/daemon.localkeystore.db');
    }
    const up = await cli('up', '--json');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).totals.changed).toBe(0);
  });
});

describe('add-transfer-user rollback', () => {
  it('removes the users it created and their keystores when a node fails', async () => {
    await flushSentinelConfigs(rig, rig.nodes);
    const before = await fingerprintAll(rig);
    await rig.sh(1, "mv /opt/aspera/bin/askmscli /opt/aspera/bin/askmscli.real && printf '#!/bin/sh\\necho planted fault >&2\\nexit 1\\n' > /opt/aspera/bin/askmscli && chmod +x /opt/aspera/bin/askmscli");
    try {
      const r = await cli('add-transfer-user', 'bob', '--create');
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/node2: transfer-users: askmscli -i -u bob: exit 1/);
    } finally {
      await rig.sh(1, 'mv -f /opt/aspera/bin/askmscli.real /opt/aspera/bin/askmscli');
    }
    for (const node of rig.nodes) expect((await rig.sh(node, 'id bob')).exitCode).not.toBe(0);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
    expect(JSON.parse(readFileSync(rig.inventoryPath, 'utf8')).cluster.transferUsers).toEqual(['xfer', 'alice']);
  });
});

describe('verify', () => {
  it('passes the replication test and leaves no test user behind', async () => {
    const r = await cli('verify', '--replication');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/PASS replication/);
    expect((await rig.sh(0, '/opt/aspera/bin/asnodeadmin -l')).output).not.toContain('hsts-cluster-verify-');
  });

  it('removes the Node API user a dead verify left (status names it before), maps its own to the noded user, password never in argv', async () => {
    const leftover = 'hsts-cluster-verify-deadbeef01';
    const planted = await rig.sh(0, `/opt/aspera/bin/asnodeadmin -au ${leftover} -p leftover-pw -x asperadaemon`);
    expect(planted.exitCode, planted.output).toBe(0);
    // A warning, whatever the verdict (under load a status may see a slow Redis): asked on node1 only.
    const warning = `warning: node1: Node API user ${leftover} was left by a verify that did not finish`;
    const status = await eventually(() => cli('status'), (x) => x.stdout.includes(warning), 60);
    expect(status.stdout).toContain(warning);
    // What `ps` shows of asnodeadmin's own process on node1 while verify runs (bounded: 15 s at most);
    // the batch's bash holds the command's code in its argv, inputs never (they come on stdin).
    await rig.sh(0, "rm -f /tmp/hsts-ps.log; (for i in $(seq 1 500); do ps -eo args= | grep -E '^([^ ]+ )?/opt/aspera/bin/asnodeadmin -au'; sleep 0.03; done > /tmp/hsts-ps.log 2>&1 &)");
    const r = await cli('verify', '--replication');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`node1: removed Node API user ${leftover}, left by an earlier verify that did not finish`);
    expect(r.stderr).toMatch(/node1: created Node API user hsts-cluster-verify-[0-9a-z]+ \(mapped to asperadaemon\)/);
    const seen = await eventually(() => rig.sh(0, 'cat /tmp/hsts-ps.log'), (x) => x.output.includes('-au hsts-cluster-verify-'), 20);
    expect(seen.output).toMatch(/asnodeadmin -au hsts-cluster-verify-[0-9a-z]+ -x asperadaemon/);
    expect(seen.output).not.toMatch(/ -p /);
    expect((await rig.sh(0, '/opt/aspera/bin/asnodeadmin -l')).output).not.toContain('hsts-cluster-verify-');
    expect((await cli('status')).stdout).not.toContain('Node API user hsts-cluster-verify-');
    await rig.sh(0, 'rm -f /tmp/hsts-ps.log');
  });

  it('fails over (DEBUG sleep), measures a plausible time, stays healthy, and up keeps the new primary', async () => {
    const r = await cli('verify', '--failover', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const [test] = JSON.parse(r.stdout).tests;
    expect(test.name).toBe('failover');
    expect(test.from).toBe('node1');
    expect(test.to).not.toBe('node1');
    expect(test.details.join('\n')).toContain('DEBUG sleep');
    expect(test.failoverMs).toBeGreaterThanOrEqual(1000);
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120)).primary).toBe(test.to);
    const up = await cli('up', '--json');
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).primary).toBe(test.to);
  });

  it('fails back to the inventory\'s primary with --failback', async () => {
    const r = await cli('verify', '--failback', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tests[0].to).toBe('node1');
    const ips = await sentinelPrimaries(rig, rig.nodes);
    expect(ips).toEqual(rig.nodes.map(() => rig.nodes[0]!.privateIp));
    expect((await eventually(statusJson, (s) => s.verdict === 'healthy', 120)).primary).toBe('node1');
  });

  it('renames the primary set: every Sentinel monitors the new name only, and HSTS follows it', async () => {
    const path = rig.writeInventory('inventory-renamed.json', { ...rig.inventory, cluster: { ...rig.inventory.cluster, primarySet: 'renamed' } });
    const r = await runCli(['up', '-i', path, '--json']);
    outputs.push(r);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const node of rig.nodes) {
      const masters = await redisCli(rig, node, 'SENTINEL MASTERS', 41415);
      expect(masters.output.split('\n').filter((l, i, all) => all[i - 1] === 'name'), node.name).toEqual(['renamed']);
      expect((await rig.sh(node, "grep -c ' myprimary ' /opt/aspera/etc/redis/sentinel_41415.conf; true")).output.trim()).toBe('0');
      expect((await rig.sh(node, '/opt/aspera/bin/asnodeadmin -l')).exitCode).toBe(0);
    }
    const status = await runCli(['status', '-i', path]);
    expect(status.exitCode, status.stdout).toBe(0);
  });

  it('never printed the password', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(rig.redisPassword);
  });
});
