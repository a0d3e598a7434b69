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

  it('gives every node its own host keys and its own Redis password, made at first boot', async () => {
    const keys = await Promise.all([0, 1, 2].map((i) => sh(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
    expect(new Set(keys.map((k) => k.output)).size).toBe(3);
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

  it('askmscli stores the password from stdin for root and asperadaemon only, and makes keystores', async () => {
    const r = await sh(1, "printf 'pw-from-stdin' | /opt/aspera/bin/askmscli -s redis-password && stat -c '%U %a' /opt/aspera/var/kms/redis-password /opt/aspera/var/kms && cat /opt/aspera/var/kms/redis-password");
    expect(r.output).toContain('asperadaemon 600\nasperadaemon 700\npw-from-stdin');
    expect((await sh(1, 'su -s /bin/sh xfer -c "cat /opt/aspera/var/kms/redis-password"')).exitCode).not.toBe(0);
    const ks = await sh(1, "/opt/aspera/bin/askmscli -i -u xfer && stat -c '%U %a' /opt/aspera/var/keystore/xfer");
    expect(ks.output).toContain('xfer 600');
    const missing = await sh(1, '/opt/aspera/bin/askmscli -i -u nobody-here');
    expect(missing.exitCode).not.toBe(0);
    expect(missing.output).toMatch(/user 'nobody-here' does not exist/);
    expect((await sh(1, ': | /opt/aspera/bin/askmscli -s redis-password')).exitCode).not.toBe(0);
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
      "(exec 3<>/dev/tcp/127.0.0.1/9092; printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3; head -n 1 <&3)",
      'cp /tmp/aspera.conf.bak /opt/aspera/etc/aspera.conf',
      'echo "ghost-stored=$(REDISCLI_AUTH=$(cat /opt/aspera/var/kms/redis-password) /opt/aspera/bin/asredis -p 31415 SISMEMBER aspera:node_users ghost)"',
    ].join('\n'));
    expect(r.output).toMatch(/no Sentinel named a primary for 'myprimary'/);
    expect(r.output).toContain('rc=1');
    expect(r.output).toMatch(/HTTP\/1\.0 503/);
    // A marker, not the last line: docker exec interleaves stderr and stdout in no fixed order.
    expect(r.output).toMatch(/^ghost-stored=0$/m);
  });

  it('fails when the stored password is wrong', async () => {
    const r = await sh(0, "cp -p /opt/aspera/var/kms/redis-password /tmp/pw.bak; printf wrong | /opt/aspera/bin/askmscli -s redis-password; /opt/aspera/bin/asnodeadmin -l; echo rc=$?; cp -p /tmp/pw.bak /opt/aspera/var/kms/redis-password");
    expect(r.output).toMatch(/refused the stored password/);
    expect(r.output).toContain('rc=1');
  });

  it('asredis is redis-cli; asperanoded is healthy on 9092 standalone; ascp holds a transfer open', async () => {
    expect((await sh(0, '/opt/aspera/bin/asredis --version')).output).toMatch(/^redis-cli 7/);
    expect((await sh(0, "(exec 3<>/dev/tcp/127.0.0.1/9092; printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3)")).output)
      .toMatch(/200 OK[\s\S]*"healthy"/);
    const transfer = await startTransfer(rig, 0);
    expect((await sh(0, 'pgrep -a -x ascp')).output).toContain(transfer.commandLine);
    await transfer.end();
    expect((await sh(0, 'pgrep -x ascp')).exitCode).toBe(1);
  });
});
