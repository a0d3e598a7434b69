import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameFingerprints, fingerprintAll } from '../rig/fingerprint.js';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli } from '../support/cli.js';
import { startAgent } from '../support/ssh-agent.js';
import { eventually, flushSentinelConfigs, mainPids, redisCli, sentinelPrimaries } from '../support/cluster.js';
import { startTransfer } from '../support/transfer.js';

let rig: Rig;
const members = () => rig.nodes.slice(0, 3);
const PASSWORD_FILES = '/opt/aspera/etc/redis/aspera_31415.conf /opt/aspera/etc/redis/sentinel_41415.conf';
const passwordFileModes = () =>
  Promise.all(members().map(async (n) => (await rig.sh(n, `stat -c '%U:%G %a' ${PASSWORD_FILES}`)).output.trim().split('\n')));
const PRIVATE = ['asperadaemon:aspadmins 640', 'asperadaemon:aspadmins 640'];

beforeAll(async () => {
  rig = await startRig({ nodes: 3, outsiders: 1, dir: mkdtempSync(join(tmpdir(), 'hsts-up-')) });
});
afterAll(async () => {
  await rig?.down();
});

describe('hsts-cluster up on a three-node rig', () => {
  it('plan on fresh nodes shows the diffs and leaves every node byte-identical', async () => {
    const before = await fingerprintAll(rig);
    const r = await runCli(['plan', '-i', rig.inventoryPath]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('== node1 (primary)');
    expect(r.stderr).toMatch(/\+bind \d+\.\d+\.\d+\.\d+\n/);
    expect(r.stderr).toContain('+sentinel monitor myprimary');
    expect(r.stderr).toContain("$ asconfigurator -x 'set_server_data;db_type,ha_redis'");
    expect(r.stderr).toMatch(/-A HSTS-CLUSTER -p tcp -j REJECT/);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('refuses while a transfer is in progress, naming it, and changes nothing; a program of another account named ascp is no transfer', async () => {
    const before = await fingerprintAll(rig);
    const transfer = await startTransfer(rig, 1);
    // Named ascp (its process name, what pgrep -x matches) but not HSTS's ascp: it must not block node1.
    const fake = await rig.sh(0, 'mkdir -p /tmp/hsts-fake && cp /bin/sleep /tmp/hsts-fake/ascp && chmod 755 /tmp/hsts-fake && ' +
      '(setsid runuser -u nobody -- /tmp/hsts-fake/ascp 120 >/dev/null 2>&1 < /dev/null &) && sleep 0.3 && pgrep -x ascp');
    try {
      expect(fake.exitCode, fake.output).toBe(0);
      const r = await runCli(['up', '-i', rig.inventoryPath]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`node2: transfers in progress: \\d+ .*${transfer.commandLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(r.stderr).not.toMatch(/node1: transfers in progress/);
      expect(r.stderr).toContain('nothing was changed');
    } finally {
      await transfer.end();
      await rig.sh(0, 'pkill -x -u nobody ascp; rm -rf /tmp/hsts-fake');
    }
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('configures the cluster on fresh nodes, after waiting for a transfer to end (--wait-transfers)', async () => {
    const transfer = await startTransfer(rig, 2);
    const run = startCli(['up', '-i', rig.inventoryPath, '--json', '--wait-transfers', '300']);
    try {
      // The transfer ends only once up has seen it and says it waits: no race with how fast up is.
      await run.waitForStderr(/waiting up to 300 s for transfers to end on node3\n/);
    } finally {
      await transfer.end();
    }
    const r = await run.done;
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.primary).toBe('node1');
    expect(result.totals.failed).toBe(0);
    expect(result.totals.changed).toBeGreaterThan(0);
    for (const node of members()) {
      expect((await rig.sh(node, 'systemctl is-active asperaredisd asperaredissentinel asperanoded asperarund')).output.trim().split('\n'))
        .toEqual(['active', 'active', 'active', 'active']);
      expect((await rig.sh(node, 'systemctl is-enabled asperaredissentinel')).output.trim()).toBe('enabled');
      // Both write the password into files they rewrite: they run with the private umask.
      const umasks = await rig.sh(node, 'for u in asperaredisd asperaredissentinel; do grep Umask /proc/$(systemctl show -p MainPID --value $u)/status; done');
      expect(umasks.output.trim().split('\n')).toEqual(['Umask:\t0027', 'Umask:\t0027']);
    }
    expect(await sentinelPrimaries(rig, members())).toEqual(members().map(() => members()[0]!.privateIp));
    const replication = (await redisCli(rig, 0, 'INFO replication')).output;
    for (const replica of members().slice(1)) expect(replication).toContain(`ip=${replica.privateIp},port=31415,state=online`);
  });

  it('leaves the plain password only in the two files the specification puts it in (and the snapshots of them)', async () => {
    // The pattern comes from the node's own file through a pipe: never an argument, never a file.
    const search = [
      "pattern() { sed -n 's/^requirepass \"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}$/\\1/p' /opt/aspera/etc/redis/aspera_31415.conf | head -n 1; }",
      '[ "$(pattern | wc -c)" -gt 8 ] || { echo "no password in aspera_31415.conf"; exit 1; }',
      'grep -rlF -D skip -f <(pattern) $(ls -d /* | grep -vx -e /proc -e /sys) | sort',
    ].join('\n');
    const digest = createHash('sha256').update(rig.redisPassword).digest('hex');
    for (const node of members()) {
      // The node's Redis runs with the rig's password: the search looks for the right thing.
      const pattern = await rig.sh(node, `${search.split('\n')[0]}\npattern | tr -d '\\n' | sha256sum | cut -d' ' -f1`);
      expect(pattern.output.trim(), node.name).toBe(digest);
      const found = (await rig.sh(node, search)).output.trim().split('\n');
      const snapshots = /^\/opt\/aspera\/var\/hsts-cluster\/runs\/[^/]+\/(snapshot\.json|redis\.rdb)$/;
      expect(found.filter((f) => !snapshots.test(f)), node.name).toEqual([
        '/opt/aspera/etc/redis/aspera_31415.conf',
        '/opt/aspera/etc/redis/sentinel_41415.conf',
      ]);
      // The snapshots that hold it are root's alone.
      for (const f of found.filter((f) => snapshots.test(f))) {
        expect((await rig.sh(node, `stat -c '%U %a' ${f} $(dirname ${f})`)).output.trim().split('\n')).toEqual(['root 600', 'root 700']);
      }
      // What hsts-cluster recorded of askmscli: root only, salted scrypt hashes.
      const records = await rig.sh(node, "stat -c '%n %U %a' /var/lib/hsts-cluster/askmscli /var/lib/hsts-cluster/askmscli/*");
      expect(records.output.trim().split('\n')).toEqual([
        '/var/lib/hsts-cluster/askmscli root 700',
        '/var/lib/hsts-cluster/askmscli/keystore.asperadaemon.json root 600',
        '/var/lib/hsts-cluster/askmscli/keystore.xfer.json root 600',
        '/var/lib/hsts-cluster/askmscli/redis-password.json root 600',
      ]);
    }
  });

  it('passes the specification\'s replication test', async () => {
    const [n1, n2, n3] = members();
    expect((await rig.sh(n1!, '/opt/aspera/bin/asnodeadmin -au usr2 -p pass2 -x root')).exitCode).toBe(0);
    const listed = await eventually(() => rig.sh(n2!, '/opt/aspera/bin/asnodeadmin -l'), (r) => /usr2\s+root/.test(r.output), 60);
    expect(listed.output).toMatch(/usr2\s+root/);
    expect((await rig.sh(n3!, '/opt/aspera/bin/asnodeadmin -du usr2')).exitCode).toBe(0);
    const after = await eventually(() => rig.sh(n1!, '/opt/aspera/bin/asnodeadmin -l'), (r) => !/usr2/.test(r.output), 60);
    expect(after.exitCode).toBe(0);
    expect(after.output).not.toMatch(/usr2/);
  });

  it('lets cluster nodes reach Redis and Sentinel and refuses a client outside the cluster', async () => {
    const outsider = rig.nodes[3]!;
    const primary = members()[0]!;
    const probe = (port: number) => `timeout 30 bash -c 'exec 3<>/dev/tcp/${primary.privateIp}/${port}' 2>/dev/null && echo open || echo refused`;
    for (const port of [31415, 41415]) {
      expect((await rig.sh(members()[2]!, probe(port))).output.trim()).toBe('open');
      expect((await rig.sh(outsider, probe(port))).output.trim()).toBe('refused');
    }
    expect((await rig.sh(outsider, `timeout 30 bash -c 'exec 3<>/dev/tcp/${primary.privateIp}/22' && echo open`)).output.trim()).toBe('open');
    const persisted = await rig.sh(primary, 'cat /etc/iptables/rules.v4');
    expect(persisted.output).toContain('-A INPUT -p tcp -m multiport --dports 31415,41415 -j HSTS-CLUSTER');
  });

  it('reports 0 changed on a second run, restarts nothing and keeps the firewall rules identical', async () => {
    const pids = await Promise.all(members().map((n) => mainPids(rig, n)));
    const rules = await Promise.all(members().map((n) => rig.sh(n, "iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'")));
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.totals.changed).toBe(0);
    expect(result.nodes.map((n: { status: string }) => n.status)).toEqual(['ok', 'ok', 'ok']);
    expect(await Promise.all(members().map((n) => mainPids(rig, n)))).toEqual(pids);
    expect(await Promise.all(members().map((n) => rig.sh(n, "iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'")))).toEqual(rules);
  });

  it('reaches every node through a jump host with keys from an ssh-agent, and finds nothing to change', async () => {
    const jump = rig.nodes[3]!;
    // Through the jump host the nodes are their private addresses, port 22: known_hosts needs those too.
    const privateKeys = members().map((n) => `${n.privateIp} ${n.hostKey}`);
    writeFileSync(join(rig.dir, 'known_hosts_jump'), `${readFileSync(join(rig.dir, 'known_hosts'), 'utf8')}${privateKeys.join('\n')}\n`);
    const path = rig.writeInventory('inventory-jump.json', {
      ...rig.inventory,
      ssh: { user: 'root', agent: true, knownHosts: 'known_hosts_jump', connectTimeoutMs: 10_000, jumpHost: { host: '127.0.0.1', port: jump.sshPort } },
      nodes: rig.inventory.nodes.map(({ ssh: _direct, ...node }) => node),
    });
    const since = Math.floor(Date.now() / 1000) - 1;
    const agent = startAgent(join(rig.dir, 'id_ed25519'));
    try {
      const r = await runCli(['up', '-i', path, '--json'], { env: agent.env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).totals.changed).toBe(0);
    } finally {
      agent.stop();
    }
    for (const node of members()) {
      const log = await rig.sh(node, `journalctl -u ssh --since @${since} -o cat`);
      expect(log.output).toMatch(new RegExp(`Accepted publickey for root from ${jump.privateIp.replace(/\./g, '\\.')} `));
    }
    const unset = await runCli(['status', '-i', path], { env: { SSH_AUTH_SOCK: '' } });
    expect(unset.exitCode).toBe(2);
    expect(unset.stderr).toContain('ssh.agent: is true but SSH_AUTH_SOCK is not set');
    const empty = startAgent(null);
    try {
      const refused = await runCli(['status', '-i', path], { env: empty.env });
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toMatch(new RegExp(`node1: unreachable \\(node1: 127\\.0\\.0\\.1:${jump.sshPort} \\(jump host\\): authentication as root failed`));
    } finally {
      empty.stop();
    }
  });

  it('keeps the password files private when Sentinel rewrites its own, and stays at 0 changed', async () => {
    await flushSentinelConfigs(rig, members());
    expect(await passwordFileModes()).toEqual(members().map(() => PRIVATE));
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals.changed).toBe(0);
  });

  it('keeps the new primary after a failover, and loses no key', async () => {
    const [n1, n2] = members();
    expect((await redisCli(rig, n2!, 'SENTINEL FAILOVER myprimary', 41415)).output).toContain('OK');
    const moved = await eventually(() => sentinelPrimaries(rig, members()), (ips) => ips.every((ip) => ip === ips[0] && ip !== n1!.privateIp), 120);
    const newPrimary = members().find((n) => n.privateIp === moved[0])!;
    expect(newPrimary).toBeDefined();
    const write = await eventually(() => rig.sh(newPrimary, '/opt/aspera/bin/asnodeadmin -au written-after-failover -p x -x root'), (r) => r.exitCode === 0, 60);
    expect(write.exitCode, write.output).toBe(0);
    // The failover made Sentinel CONFIG REWRITE every Redis's file: still private, before any up.
    const rewritten = await eventually(() => rig.sh(newPrimary, "grep -c '^# Generated by CONFIG REWRITE' /opt/aspera/etc/redis/aspera_31415.conf"), (g) => g.output.trim() === '1', 60);
    expect(rewritten.output.trim()).toBe('1');
    expect(await passwordFileModes()).toEqual(members().map(() => PRIVATE));

    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.primary).toBe(`node${members().indexOf(newPrimary) + 1}`);
    expect(r.stderr).toMatch(/keeping node\d \(.*\) as primary/);
    expect(await sentinelPrimaries(rig, members())).toEqual(members().map(() => newPrimary.privateIp));
    for (const node of members()) {
      const list = await eventually(() => rig.sh(node, '/opt/aspera/bin/asnodeadmin -l'), (l) => l.output.includes('written-after-failover'), 60);
      expect(list.output).toContain('written-after-failover');
    }
    const again = JSON.parse((await runCli(['up', '-i', rig.inventoryPath, '--json'])).stdout);
    expect(again.totals.changed).toBe(0);
  });

  it('writes an audit journal without the password', () => {
    const dir = join(rig.dir, '.hsts-cluster', 'journal');
    const journals = readdirSync(dir);
    expect(journals.length).toBeGreaterThanOrEqual(4);
    for (const file of journals) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).not.toContain(rig.redisPassword);
      for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});
