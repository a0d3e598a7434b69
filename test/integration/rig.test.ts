import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import { NodeSession } from '../../src/ssh/session.js';
import { SUDO_USER, startRig, type Rig } from '../rig/rig.js';
import { startTransfer } from '../support/transfer.js';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-rig-')) });
});
afterAll(async () => {
  await rig?.down();
});

const sh = (i: number, command: string) => rig.sh(i, command);

describe('the rig', () => {
  it('boots three nodes with systemd running and the HSTS services up', async () => {
    for (const i of [0, 1, 2]) {
      expect((await sh(i, 'systemctl is-system-running')).output.trim()).toBe('running');
      expect((await sh(i, 'systemctl is-active asperaredisd asperanoded asperarund ssh')).output.trim().split('\n'))
        .toEqual(['active', 'active', 'active', 'active']);
      expect((await sh(i, 'systemctl is-enabled redis-server redis-sentinel; true')).output.trim().split('\n')).toEqual(['masked', 'masked']);
    }
  });

  it('gives every node its own host keys, Node API certificate and Redis password, made at first boot', async () => {
    const keys = await Promise.all([0, 1, 2].map((i) => sh(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
    expect(new Set(keys.map((k) => k.output)).size).toBe(3);
    const certs = await Promise.all([0, 1, 2].map((i) => sh(i, 'cat /opt/aspera/etc/aspera_server_cert.pem')));
    expect(new Set(certs.map((c) => c.output)).size).toBe(3);
    expect(certs[0]!.output).toContain('BEGIN CERTIFICATE');
    // The key is readable by the daemon's group, not by everyone.
    expect((await sh(0, 'stat -c %a:%U:%G /opt/aspera/etc/aspera_server_key.pem')).output.trim()).toBe('640:root:aspadmins');
    const passwords = await Promise.all([0, 1, 2].map((i) => sh(i, "grep '^requirepass' /opt/aspera/etc/redis/aspera_31415.conf")));
    expect(new Set(passwords.map((p) => p.output)).size).toBe(3);
    expect(passwords[0]!.output).not.toContain('@FIRSTBOOT');
  });

  it('answers SSH with the injected key, as root and as the sudo user, host keys checked strictly', async () => {
    const inventory = loadInventory(rig.inventoryPath);
    const root = await NodeSession.open(inventory.nodes[0]!, { policy: 'strict' });
    const asUser = await NodeSession.open({ ...inventory.nodes[1]!, ssh: { ...inventory.nodes[1]!.ssh, user: SUDO_USER } }, { policy: 'strict' });
    try {
      expect((await root.run([{ label: 'id', code: 'id -un' }], 'run-all')).results[0]?.output).toBe('root');
      const viaSudo = await asUser.run([{ label: 'id', code: 'echo "$SUDO_USER $(id -un)"' }], 'run-all');
      expect(viaSudo.results[0]?.output).toBe(`${SUDO_USER} root`);
    } finally {
      root.close();
      asUser.close();
    }
  });

  it('refuses a node whose host key is not the recorded one, and one that is not recorded', async () => {
    const inventory = loadInventory(rig.inventoryPath);
    const [a, b] = inventory.nodes;
    const swapped = join(rig.dir, 'known_hosts_swapped');
    const other = (await sh(1, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).output.trim().split(' ');
    writeFileSync(swapped, `[127.0.0.1]:${rig.nodes[0]!.sshPort} ${other[0]} ${other[1]}\n`);
    await expect(NodeSession.open({ ...a!, ssh: { ...a!.ssh, knownHostsPath: swapped } }, { policy: 'accept-new' }))
      .rejects.toThrow(/HOST KEY CHANGED/);
    await expect(NodeSession.open({ ...b!, ssh: { ...b!.ssh, knownHostsPath: join(rig.dir, 'empty_known_hosts') } }, { policy: 'strict' }))
      .rejects.toThrow(/unknown host key/);
  });
});

/** Prints the password the node's Redis runs with (from its file): a pipe, never an argument. */
const REQUIREPASS = "sed -n 's/^requirepass \"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}$/\\1/p' /opt/aspera/etc/redis/aspera_31415.conf | head -n 1 | tr -d '\\n'";

describe('the HSTS simulator', () => {
  it('asconfigurator edits <server> and rejects bad syntax', async () => {
    const ok = await sh(0, `/opt/aspera/bin/asconfigurator -x 'set_server_data;db_port,"41415,41415,41415"' && grep -c '<db_port>41415,41415,41415</db_port>' /opt/aspera/etc/aspera.conf`);
    expect(ok.exitCode).toBe(0);
    expect(ok.output).toContain('success');
    for (const bad of ['set_server_data;db_port', 'set_sever_data;a,b', 'set_server_data;Bad Key,1']) {
      const r = await sh(0, `/opt/aspera/bin/asconfigurator -x '${bad}'`);
      expect(r.exitCode).not.toBe(0);
      expect(r.output).toMatch(/asconfigurator: ERROR/);
    }
  });

  it('askmscli stores the password from stdin encrypted in SQLite, root only, and copies it into a user\'s keystore', async () => {
    const secretNames = (db: string) => `python3 -c "import sqlite3; print(sqlite3.connect('file:${db}?mode=ro', uri=True).execute('select name from secrets').fetchall())"`;
    const r = await sh(1, [
      "printf 'pw-from-stdin' | /opt/aspera/bin/askmscli -s redis-password",
      "stat -c '%U %a' /opt/aspera/etc/rootkeystore.db /opt/aspera/etc/kms/machine.key",
      secretNames('/opt/aspera/etc/rootkeystore.db'),
    ].join(' && '));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("root 600\nroot 600\n[('redis-password',)]");
    expect((await sh(1, 'su -s /bin/sh xfer -c "cat /opt/aspera/etc/rootkeystore.db"')).exitCode).not.toBe(0);
    const ks = await sh(1, `/opt/aspera/bin/askmscli -i -u xfer && stat -c '%U %a' /home/xfer/localkeystore.db && ${secretNames('/home/xfer/localkeystore.db')}`);
    expect(ks.output).toContain("xfer 600\n[('redis-password',)]");
    // Encrypted: the password is in no file askmscli wrote.
    expect((await sh(1, 'grep -rlF pw-from-stdin /opt/aspera/etc /home /opt/aspera/var; true')).output.trim()).toBe('');
    // Redis runs with another password: xfer's programs say whose keystore is stale and what to run.
    const stale = await sh(1, "su -s /bin/sh xfer -c '/opt/aspera/bin/ascp --simulate-seconds 0'");
    expect(stale.exitCode).not.toBe(0);
    expect(stale.output).toMatch(/Redis at 127\.0\.0\.1:31415 refused the password from the keystore of xfer \(\/home\/xfer\/localkeystore\.db\): WRONGPASS.*the keystore is stale \(run: askmscli -i -u xfer\)/);
    const fixed = await sh(1, `${REQUIREPASS} | /opt/aspera/bin/askmscli -s redis-password && /opt/aspera/bin/askmscli -i -u xfer && su -s /bin/sh xfer -c '/opt/aspera/bin/ascp --simulate-seconds 0'`);
    expect(fixed.exitCode, fixed.output).toBe(0);
    const missing = await sh(1, '/opt/aspera/bin/askmscli -i -u nobody-here');
    expect(missing.exitCode).not.toBe(0);
    expect(missing.output).toMatch(/user 'nobody-here' does not exist/);
    expect((await sh(1, ': | /opt/aspera/bin/askmscli -s redis-password')).exitCode).not.toBe(0);
    expect((await sh(1, 'rm /home/xfer/localkeystore.db; su -s /bin/sh xfer -c "/opt/aspera/bin/ascp --simulate-seconds 0"')).output)
      .toMatch(/keystore of xfer unusable: \/home\/xfer\/localkeystore\.db does not exist \(run: askmscli -i -u xfer\)/);
  });

  it('asnodeadmin keeps Node API users in the standalone Redis', async () => {
    const r = await sh(2, '/opt/aspera/bin/asnodeadmin -au usr2 -p pass2 -x root && /opt/aspera/bin/asnodeadmin -l');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/usr2\s+root/);
    expect((await sh(2, '/opt/aspera/bin/asnodeadmin -du usr2 && /opt/aspera/bin/asnodeadmin -l')).output).not.toMatch(/usr2\s+root/);
    expect((await sh(2, '/opt/aspera/bin/asnodeadmin -du usr2')).exitCode).not.toBe(0);
    expect((await sh(2, '/opt/aspera/bin/asnodeadmin -au u -p p -x no-such-user')).exitCode).not.toBe(0);
  });

  it('fails loudly, never falling back to the local Redis, when no Sentinel answers (ha_redis)', async () => {
    const r = await sh(2, [
      "cp /opt/aspera/etc/aspera.conf /tmp/aspera.conf.bak",
      "/opt/aspera/bin/asconfigurator -x 'set_server_data;db_type,ha_redis' >/dev/null",
      "/opt/aspera/bin/asconfigurator -x 'set_server_data;db_host,\"127.0.0.1\"' >/dev/null",
      "/opt/aspera/bin/asconfigurator -x 'set_server_data;db_port,\"41415\"' >/dev/null",
      '/opt/aspera/bin/asnodeadmin -au ghost -p p -x root; echo "rc=$?"',
      'curl -sSk --max-time 5 -o /dev/null -D - https://127.0.0.1:9092/ping | head -n 1',
      'cp /tmp/aspera.conf.bak /opt/aspera/etc/aspera.conf',
      `echo "ghost-stored=$(REDISCLI_AUTH=$(${REQUIREPASS}) /opt/aspera/bin/asredis -p 31415 SISMEMBER aspera:node_users ghost)"`,
    ].join('\n'));
    expect(r.output).toMatch(/no Sentinel named a primary for 'myprimary'/);
    expect(r.output).toContain('rc=1');
    expect(r.output).toMatch(/HTTP\/1\.1 503/);
    // A marker, not the last line: docker exec interleaves stderr and stdout in no fixed order.
    expect(r.output).toMatch(/^ghost-stored=0$/m);
  });

  it('fails when the stored password is wrong', async () => {
    const r = await sh(0, "cp -p /opt/aspera/etc/rootkeystore.db /tmp/ks.bak; printf wrong | /opt/aspera/bin/askmscli -s redis-password; /opt/aspera/bin/asnodeadmin -l; echo rc=$?; cp -p /tmp/ks.bak /opt/aspera/etc/rootkeystore.db");
    expect(r.output).toMatch(/refused the password from the keystore of root \(\/opt\/aspera\/etc\/rootkeystore\.db\): WRONGPASS.*the keystore is stale \(run: askmscli -s redis-password\)/);
    expect(r.output).toContain('rc=1');
  });

  it('asredis is redis-cli; asperanoded is healthy on 9092 standalone; ascp holds a transfer open', async () => {
    expect((await sh(0, '/opt/aspera/bin/asredis --version')).output).toMatch(/^redis-cli 7/);
    // HTTPS with the node's own self-signed certificate (IBM's installer makes one, CN the host name),
    // checked here; an empty 200 body.
    const ping = await sh(0, 'h=$(uname -n); curl -sS --max-time 5 --cacert /opt/aspera/etc/aspera_server_cert.pem --resolve "$h:9092:127.0.0.1" -D - "https://$h:9092/ping"; echo "rc=$?"');
    expect(ping.output).toMatch(/^HTTP\/1\.1 200 OK\r?$/m);
    expect(ping.output).toMatch(/^Content-Length: 0\r?$/m);
    expect(ping.output).toContain('rc=0');
    const transfer = await startTransfer(rig, 0);
    expect((await sh(0, 'pgrep -a -x ascp')).output).toContain(transfer.commandLine);
    await transfer.end();
    expect((await sh(0, 'pgrep -x ascp')).exitCode).toBe(1);
  });
});
