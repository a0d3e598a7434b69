import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig, type RigNode } from '../rig/rig.js';
import { runCli } from '../support/cli.js';

/**
 * A hostile noded user (asperadaemon owns /opt/aspera/etc/redis and /opt/aspera/var) and transfer
 * user (xfer owns its home) plant what root would once have followed; each plant is followed by the
 * command that would act on it, which must refuse naming the path and why, and leave every
 * root-owned file as it was.
 */
let rig: Rig;
const REDIS_DIR = '/opt/aspera/etc/redis';
const UNIT = `${REDIS_DIR}/asperaredissentinel.service`;
const REDIS_CONF = `${REDIS_DIR}/aspera_31415.conf`;
const SENTINEL_CONF = `${REDIS_DIR}/sentinel_41415.conf`;
const DAEMON_STORE = '/opt/aspera/var/localkeystore.db';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
async function as(user: string, node: RigNode, command: string): Promise<string> {
  const r = await rig.sh(node, `su -s /bin/sh ${user} -c ${q(command)}`);
  if (r.exitCode !== 0) throw new Error(`${user} on ${node.name}: ${command}: ${r.output}`);
  return r.output;
}
const daemon = (node: RigNode, command: string) => as('asperadaemon', node, command);
const PROGRAMS_REFUSAL = 'hsts-cluster runs asconfigurator, askmscli, asnodeadmin, asredis as root, and another account could replace them';
/** A shell command writing a stand-in for asredis at PATH: it notes the uid it ran as, then runs IBM's. */
const spyAsredis = (path: string, real: string) =>
  `printf '#!/bin/sh\\ntouch /tmp/asredis-ran-as-$(id -u)\\nexec ${real} "$@"\\n' > ${path} && chmod 755 ${path}`;

/** What root owns and a hostile run would aim at: their bytes, modes and owners, as one line. */
async function rootOwned(node: RigNode): Promise<string> {
  const r = await rig.sh(node, 'cd / && { find etc/shadow etc/sudoers.d lib/systemd/system root -xdev \\( -type f -o -type l \\) ' +
    "-printf '%p %y %m %u %s\\n' | sort; sha256sum etc/shadow etc/sudoers.d/*; ls -A root; } | sha256sum");
  return r.output.trim();
}
const allRootOwned = () => Promise.all(rig.nodes.map(rootOwned));

async function up(): Promise<{ exitCode: number; stderr: string }> {
  return runCli(['up', '-i', rig.inventoryPath], { timeoutMs: 300_000 });
}

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-hostile-')) });
});
afterAll(async () => {
  await rig?.down();
});

describe('a hostile daemon user on a three-node rig', () => {
  it('a shipped Sentinel unit of its own (ExecStartPre=+ as root) is refused by up, naming the file, its owner and the fix', async () => {
    const node = rig.nodes[1]!;
    await daemon(node, `mv ${UNIT} ${UNIT}.ibm && printf '[Service]\\nExecStartPre=+/bin/touch /root/pwned\\nExecStart=/bin/true\\n' > ${UNIT}`);
    try {
      const before = await allRootOwned();
      const r = await up();
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`node2: ${UNIT} is not installed as root from a file others can change: owned by asperadaemon:aspadmins`);
      expect(r.stderr).toContain(`chown root:root ${UNIT}; chmod 644 ${UNIT}`);
      expect(r.stderr).toContain('nothing was changed');
      expect(await allRootOwned()).toEqual(before);
    } finally {
      await daemon(node, `mv -f ${UNIT}.ibm ${UNIT}`);
    }
  });

  // The hard link is the noded user's own second name for its own file: the rig's kernel has
  // fs.protected_hardlinks=1 (it could link nothing it may not read and write), so the file is read
  // as any other; a second name for a root-only file is refused where the kernel allows one
  // (safe-files unit tests).
  it('a symlink to /etc/shadow as the Redis file, a FIFO as the Sentinel file: refused by pre-flight, nothing read or written; a second name of its own file is no refusal', async () => {
    const [n1, n2, n3] = rig.nodes as [RigNode, RigNode, RigNode];
    await daemon(n1, `mv ${REDIS_CONF} ${REDIS_CONF}.mine && ln -s /etc/shadow ${REDIS_CONF}`);
    await daemon(n2, `rm -f ${SENTINEL_CONF} && mkfifo ${SENTINEL_CONF}`);
    await daemon(n3, `ln ${REDIS_CONF} /opt/aspera/var/second-name`);
    try {
      const before = await allRootOwned();
      const started = Date.now();
      const r = await up();
      expect(r.exitCode).toBe(1);
      expect(Date.now() - started).toBeLessThan(240_000);
      expect(r.stderr).toContain(`node1: refused ${REDIS_CONF}: a symlink`);
      expect(r.stderr).toContain(`node2: refused ${SENTINEL_CONF}: not a regular file (fifo)`);
      expect(r.stderr).not.toContain(`node3: refused`);
      expect(r.stderr).not.toMatch(/^[-+ ]?root:[^:\n]*:\d+:/m); // no line of /etc/shadow in a diff
      expect(await allRootOwned()).toEqual(before);
    } finally {
      await daemon(n1, `rm -f ${REDIS_CONF} && mv ${REDIS_CONF}.mine ${REDIS_CONF}`);
      await daemon(n2, `rm -f ${SENTINEL_CONF}`);
      await daemon(n3, 'rm -f /opt/aspera/var/second-name');
    }
  });

  it('a keystore that is a link to /dev/zero, or a FIFO: the snapshot refuses to copy it, by name, and the run changes nothing for good', async () => {
    const [, n2, n3] = rig.nodes as [RigNode, RigNode, RigNode];
    await daemon(n2, `rm -f ${DAEMON_STORE} && ln -s /dev/zero ${DAEMON_STORE}`);
    await as('xfer', n3, 'rm -f ~/localkeystore.db && mkfifo ~/localkeystore.db');
    try {
      const before = await Promise.all([rootOwned(n2), rootOwned(n3)]);
      const started = Date.now();
      const r = await up();
      expect(r.exitCode).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(300_000);
      expect(r.stderr).toContain(`refused ${DAEMON_STORE}: a symlink`);
      expect(r.stderr).toContain('refused /home/xfer/localkeystore.db: not a regular file (fifo)');
      expect(await Promise.all([rootOwned(n2), rootOwned(n3)])).toEqual(before);
      // Under a few GB: nothing was copied from /dev/zero into the run directory.
      expect((await rig.sh(n2, 'du -s /opt/aspera/var | cut -f1')).output.trim().length).toBeLessThan(7);
    } finally {
      await daemon(n2, `rm -f ${DAEMON_STORE}`);
      await as('xfer', n3, 'rm -f ~/localkeystore.db');
    }
  });

  it('a dbfilename that leads out of Redis\'s directory: the snapshot refuses to copy that file, before the node changes', async () => {
    const [, n2] = rig.nodes as [RigNode, RigNode];
    await daemon(n2, `cp -p ${REDIS_CONF} /tmp/redis-conf.mine && sed -i 's|^dbfilename .*|dbfilename ../../../etc/shadow|' ${REDIS_CONF}`);
    try {
      const before = await rootOwned(n2);
      const r = await up();
      expect(r.exitCode, r.stderr).toBe(1);
      // A normal absolute path passes the snapshot's own check; the node refuses a place the noded user does not own.
      expect(r.stderr).toMatch(/node2: keep Redis's dataset: [^\n]*exit 1\n\s+Redis's dataset \/etc\/shadow: its directory is not asperadaemon's; refused/);
      expect(await rootOwned(n2)).toEqual(before);
      expect((await rig.sh(n2, `ls /var/lib/hsts-cluster/runs/*/ 2>/dev/null | grep -c rdb || true`)).output.trim()).toBe('0');
    } finally {
      await daemon(n2, `cat /tmp/redis-conf.mine > ${REDIS_CONF} && rm -f /tmp/redis-conf.mine`);
    }
  });

  it('with every plant gone, up configures the cluster: the honest node (a root-owned unit in the daemon\'s directory) passes', async () => {
    const r = await up();
    expect(r.stderr).not.toContain('refused');
    expect(r.exitCode, r.stderr).toBe(0);
    const owners = await rig.sh(rig.nodes[0]!, `stat -c '%U:%G %a %h' /lib/systemd/system/asperaredissentinel.service ${UNIT}`);
    expect(owners.output.trim().split('\n')).toEqual(['root:root 644 1', 'root:root 644 1']);
  });

  // node3's Redis: every service of node3 stopped, `nobody` listens on 31415 in Redis's place. node1's
  // Sentinel: the first node's, whose port asnodeadmin -l (status's check for verify's leftovers)
  // sends the password to, as aspera.conf's first db_host; node1's Redis keeps running. The other
  // nodes' Sentinels still come to a Redis port (with the password: Redis's own behaviour, not
  // hsts-cluster's), and so would the node's asperanoded and asperarund, which read from their local
  // Redis (IBM's behaviour: asperarund every 10 s); with them stopped, a connection from the node
  // itself could only be hsts-cluster's (asredis, asnodeadmin), and it must not come.
  const squatted = [
    { name: 'the Redis port while Redis is down', node: 2, port: 31415, unit: 'asperaredisd', stop: 'asperanoded asperarund asperaredissentinel asperaredisd' },
    { name: 'the first node\'s Sentinel port while Sentinel is down (asnodeadmin asks it)', node: 0, port: 41415, unit: 'asperaredissentinel', stop: 'asperanoded asperarund asperaredissentinel' },
  ];
  it.each(squatted)('another account holds $name: status names it and sends that listener no password', async ({ node: index, port, unit, stop }) => {
    const node = rig.nodes[index]!;
    const caught = `/tmp/caught-${port}`;
    const listener = [
      'import socket, threading',
      `s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", ${port})); s.listen(16)`,
      'def take(c, a):',
      '    c.settimeout(5)',
      '    try:',
      '        data = c.recv(65536)',
      '    except OSError:',
      '        data = b""',
      `    with open("${caught}", "ab") as f: f.write(a[0].encode() + b" " + data.hex().encode() + b"\\n")`,
      '    c.close()',
      'while True:',
      '    c, a = s.accept(); threading.Thread(target=take, args=(c, a), daemon=True).start()',
    ].join('\n');
    const nobody = (await rig.sh(node, 'id -u nobody')).output.trim();
    try {
      const setup = await rig.sh(node, `systemctl stop ${stop}; rm -f ${caught} && printf '%s\\n' ${q(listener)} > /tmp/listen.py && chmod 644 /tmp/listen.py`);
      expect(setup.exitCode, setup.output).toBe(0);
      await rig.sh(node, 'setsid -f su -s /bin/sh nobody -c "exec timeout 300 python3 /tmp/listen.py" >/dev/null 2>&1 < /dev/null');
      // nobody's socket, not a service that failed to stop (ss -e names the socket's uid).
      let listening = false;
      for (let i = 0; i < 50 && !listening; i++) {
        listening = (await rig.sh(node, `ss -Htlne 'sport = :${port}'`)).output.includes(` uid:${nobody} `);
        if (!listening) await new Promise((r) => setTimeout(r, 200));
      }
      expect(listening, `nobody's listener on ${port}`).toBe(true);
      const status = await runCli(['status', '-i', rig.inventoryPath, '--json']);
      const own = (await rig.sh(node, "hostname -I; echo 127.0.0.1")).output.split(/\s+/).filter(Boolean);
      const lines = (await rig.sh(node, `cat ${caught} 2>/dev/null || true`)).output.split('\n').filter(Boolean);
      const password = Buffer.from(rig.redisPassword).toString('hex');
      const fromNode = lines.filter((line) => own.includes(line.split(' ')[0]!));
      expect(fromNode.filter((line) => line.includes(password))).toEqual([]);
      expect(status.exitCode).toBe(1);
      expect(status.stdout + status.stderr).toMatch(new RegExp(`port ${port} is held by pid \\S+ \\(\\S*\\) as user nobody, not by ${unit}: password not sent`));
    } finally {
      // The port free again before the services start (bounded), then all of them back.
      await rig.sh(node, `pkill -KILL -u nobody -f /tmp/listen.py; for i in $(seq 50); do ss -Htln 'sport = :${port}' | grep -q . || break; sleep 0.2; done; rm -f /tmp/listen.py ${caught}`);
      const back = await rig.sh(node, `systemctl start ${stop.split(' ').reverse().join(' ')} && systemctl is-active ${stop}`);
      expect(back.exitCode, back.output).toBe(0);
    }
  });

  it('IBM\'s programs in a directory the daemon user owns: up, status and verify refuse the node, and its replacement never runs as root', async () => {
    // The cluster was configured two tests ago (and node3's Redis is back): the day-2 commands have one to ask.
    const node = rig.nodes[1]!;
    const bin = '/opt/aspera/bin';
    await rig.sh(node, `rm -f /tmp/asredis-ran-as-*; chown asperadaemon ${bin}`);
    await daemon(node, `cd ${bin} && mv asredis asredis.ibm && ${spyAsredis('asredis', `${bin}/asredis.ibm`)}`);
    try {
      const upRun = await up();
      expect(upRun.exitCode).toBe(1);
      expect(upRun.stderr).toContain(PROGRAMS_REFUSAL);
      expect(upRun.stderr).toContain(`${bin} (directory: owned by uid`);
      expect(upRun.stderr).toContain('nothing was changed');
      const status = await runCli(['status', '-i', rig.inventoryPath, '--json']);
      const health = JSON.parse(status.stdout) as { nodes: { name: string; reachable: boolean; error?: string }[] };
      expect(health.nodes.map((n) => n.reachable)).toEqual([true, false, true]);
      expect(health.nodes[1]!.error).toContain(PROGRAMS_REFUSAL);
      const verify = await runCli(['verify', '--replication', '-i', rig.inventoryPath]);
      expect(verify.exitCode).not.toBe(0);
      expect(verify.stderr).toContain(PROGRAMS_REFUSAL);
      expect((await rig.sh(node, 'ls /tmp/asredis-ran-as-0 2>&1')).output).toMatch(/No such file/);
      // With every program taken away, the directory is still judged: one could be put back after the check.
      await daemon(node, `cd ${bin} && for p in asconfigurator askmscli asnodeadmin; do mv $p $p.away; done && mv asredis asredis.planted`);
      try {
        const emptied = await runCli(['status', '-i', rig.inventoryPath, '--json']);
        const nodes = (JSON.parse(emptied.stdout) as { nodes: { reachable: boolean; error?: string }[] }).nodes;
        expect(nodes[1]!.reachable).toBe(false);
        expect(nodes[1]!.error).toContain(`${bin} (directory: owned by uid`);
      } finally {
        await daemon(node, `cd ${bin} && for p in asconfigurator askmscli asnodeadmin; do mv $p.away $p; done && mv asredis.planted asredis`);
      }
    } finally {
      await daemon(node, `cd ${bin} && mv -f asredis.ibm asredis`);
      await rig.sh(node, `chown root ${bin}; rm -f /tmp/asredis-ran-as-*`);
    }
  });

  it('a link on the way to asredis that sits in a directory the daemon user owns: refused, and the link it re-points never runs as root', async () => {
    // Root's own layout, honest at every end: /opt/aspera/bin/asredis -> /opt/aspera/var/hop/asredis
    // (a root-owned link) -> /opt/aspera/bin/asredis.ibm. Only the middle hop's directory is the daemon's.
    const node = rig.nodes[2]!;
    const bin = '/opt/aspera/bin';
    const hop = '/opt/aspera/var/hop';
    await rig.sh(node, `rm -f /tmp/asredis-ran-as-*; mv ${bin}/asredis ${bin}/asredis.ibm && mkdir -p ${hop} && ln -s ${bin}/asredis.ibm ${hop}/asredis && ` +
      `chown asperadaemon ${hop} && chown -h root ${hop}/asredis && ln -s ${hop}/asredis ${bin}/asredis`);
    try {
      const upRun = await up();
      expect(upRun.exitCode).toBe(1);
      expect(upRun.stderr).toContain(PROGRAMS_REFUSAL);
      expect(upRun.stderr).toContain(`${hop} (directory: owned by uid`);
      // The daemon user re-points the middle link to a program of its own: no command runs it as root.
      await daemon(node, `${spyAsredis(`${hop}/mine`, `${bin}/asredis.ibm`)} && ln -sfn ${hop}/mine ${hop}/asredis`);
      const status = await runCli(['status', '-i', rig.inventoryPath, '--json']);
      const nodes = (JSON.parse(status.stdout) as { nodes: { reachable: boolean; error?: string }[] }).nodes;
      expect(nodes.map((n) => n.reachable)).toEqual([true, true, false]);
      expect(nodes[2]!.error).toContain(PROGRAMS_REFUSAL);
      expect((await rig.sh(node, 'ls /tmp/asredis-ran-as-0 2>&1')).output).toMatch(/No such file/);
    } finally {
      await rig.sh(node, `rm -f ${bin}/asredis && mv ${bin}/asredis.ibm ${bin}/asredis && rm -rf ${hop} /tmp/asredis-ran-as-*`);
    }
  });
});
