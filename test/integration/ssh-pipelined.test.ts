import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type Client } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SshTarget } from '../../src/inventory/load.js';
import { NodeConnection, SshError, type ExecResult } from '../../src/ssh/connection.js';
import { ExecRefused, pipelining } from '../../src/ssh/pipelined-exec.js';
import { startDelayProxy } from '../../bench/delay-proxy.js';
import { startRig, type Rig } from '../rig/rig.js';
import { until } from '../support/wait.js';

/** exec's stdout is bytes (a batch frames by byte length): compared as text here. */
const asText = (r: ExecResult) => ({ ...r, stdout: r.stdout.toString() });

/**
 * Commands whose stdin follows the exec request without waiting for its reply, on a channel opened
 * ahead (src/ssh/session-channels.ts), against real sshd: what the bytes and exit codes must be
 * whatever the order, window and concurrency, and how refusals, drops and timeouts end.
 */
let rig: Rig;
let target: SshTarget;
const open: NodeConnection[] = [];

async function connect(): Promise<NodeConnection> {
  const c = new NodeConnection('node1', target);
  await c.connect({ policy: 'strict' });
  open.push(c);
  return c;
}

/** Node 1 as the inventory would give it (a one-node rig is no cluster: its inventory does not load). */
function rigTarget(): SshTarget {
  return {
    host: '127.0.0.1', port: rig.nodes[0]!.sshPort, user: 'root', privateKey: readFileSync(join(rig.dir, 'id_ed25519')),
    knownHostsPath: join(rig.dir, 'known_hosts'), connectTimeoutMs: 30_000,
  };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  rig = await startRig({ nodes: 1, dir: mkdtempSync(join(tmpdir(), 'hsts-pipelined-')) });
  target = rigTarget();
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await rig?.down();
});

describe('pipelined execs on one connection', () => {
  it('many in a row, with and without stdin, give each its own output and exit code', async () => {
    const c = await connect();
    expect(c.pipelined).toBe(true);
    for (let i = 0; i < 40; i++) {
      if (i % 2 === 0) {
        const input = `line ${i}\n`.repeat(i + 1);
        const r = await c.exec(`cat; exit ${i % 7}`, Buffer.from(input), 30_000);
        expect(asText(r)).toEqual({ exitCode: i % 7, stdout: input, stderr: '' });
      } else {
        const r = await c.exec(`echo out${i}; echo err${i} >&2`, Buffer.alloc(0), 30_000);
        expect(asText(r)).toEqual({ exitCode: 0, stdout: `out${i}\n`, stderr: `err${i}\n` });
      }
    }
  });

  it('stdin larger than the channel window (5 MB) arrives whole, and so does as much stdout', async () => {
    const c = await connect();
    const input = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 11)) & 0xff;
    const r = await c.exec('sha256sum', input, 120_000);
    expect(asText(r)).toEqual({ exitCode: 0, stdout: `${sha(input)}  -\n`, stderr: '' });
    const big = await c.exec('head -c 3000000 /dev/zero | tr "\\0" a', Buffer.from('unread stdin\n'), 120_000);
    expect(big.stdout.toString()).toBe('a'.repeat(3_000_000));
  });

  it('concurrent execs on one connection each get their own stdin and output', async () => {
    const c = await connect();
    const inputs = Array.from({ length: 8 }, (_, i) => Buffer.from(`${i}:`.repeat(1000 * (i + 1))));
    const results = await Promise.all(inputs.map((input, i) => c.exec(`sleep 0.$((${i} % 3)); sha256sum`, input, 60_000)));
    results.forEach((r, i) => expect(asText(r)).toEqual({ exitCode: 0, stdout: `${sha(inputs[i]!)}  -\n`, stderr: '' }));
  });

  it('a command that does not exist fails with its shell\'s exit code; the connection goes on', async () => {
    const c = await connect();
    const r = await c.exec('/nonexistent/command', Buffer.from('some stdin\n'), 30_000);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/No such file or directory/);
    expect((await c.exec('echo ok', Buffer.alloc(0), 30_000)).stdout.toString()).toBe('ok\n');
  });

  it('a timeout rejects as a timeout, and the connection goes on', async () => {
    const c = await connect();
    const error = await c.exec('sleep 60', Buffer.from('x\n'), 1_000).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as SshError).kind).toBe('timeout');
    expect((await c.exec('cat', Buffer.from('after\n'), 30_000)).stdout.toString()).toBe('after\n');
  });

  it('a timeout while the channel is still opening rejects, and the command is never started', async () => {
    // 2 s of round trip: the spare opened after connect cannot be there within the 300 ms timeout.
    const proxy = await startDelayProxy({ host: target.host, port: target.port }, 2_000);
    try {
      const c = new NodeConnection('node1', { ...target, port: proxy.port, knownHostsPath: join(mkdtempSync(join(tmpdir(), 'hsts-pipelined-kh-')), 'known_hosts') });
      await c.connect({ policy: 'accept-new' });
      open.push(c);
      const error = await c.exec('touch /tmp/started-after-timeout', Buffer.from('x\n'), 300).then(() => null, (e: unknown) => e);
      expect((error as SshError).kind).toBe('timeout');
      // Sent behind the late channel's arrival: had the timed-out command been started then, it ran by now.
      expect(asText(await c.exec('cat', Buffer.from('later\n'), 60_000))).toEqual({ exitCode: 0, stdout: 'later\n', stderr: '' });
      expect((await rig.sh(0, 'test -e /tmp/started-after-timeout')).exitCode).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('a connection dropped mid-command rejects that command and the next as lost', async () => {
    const c = await connect();
    const running = c.exec('echo started; sleep 60', Buffer.from('x\n'), 120_000).then(() => null, (e: unknown) => e);
    await until(async () => (await rig.sh(0, 'pgrep -f "^sleep 60$"')).exitCode === 0, 60, 'the command to run on the node');
    // Kill this connection's sshd processes (not the listener): the TCP connection drops.
    await rig.sh(0, 'pkill -KILL -f "^sshd: root"');
    const error = await running;
    expect(error).toBeInstanceOf(SshError);
    expect((error as SshError).kind).toBe('lost');
    await until(() => c.lost !== null, 60, 'the connection to be known lost');
    const next = await c.exec('true', Buffer.alloc(0), 30_000).then(() => null, (e: unknown) => e);
    expect((next as SshError).kind).toBe('lost');
  });
});

/** Reloads sshd with `setup` run first; sshd re-executes itself, so wait until it takes connections. */
/** The inode of sshd's listening socket: a reload (SIGHUP, re-exec) opens a new one. */
const LISTENER = "ss -Htlne 'sport = :22' | grep -o 'ino:[0-9]*' | sort | head -n 1";

async function reloadSshd(setup: string): Promise<void> {
  const before = (await rig.sh(0, LISTENER)).output.trim();
  const r = await rig.sh(0, `${setup} && systemctl reload ssh`);
  expect(r.exitCode, r.output).toBe(0);
  // systemctl returns once the signal is sent: until sshd listens anew, a connection may still reach
  // the old one, and the next be reset while it re-executes.
  await until(async () => {
    const now = (await rig.sh(0, LISTENER)).output.trim();
    return now !== '' && now !== before;
  }, 60, 'sshd to listen anew after a reload');
  await until(async () => {
    const c = new NodeConnection('node1', target);
    try {
      await c.connect({ policy: 'strict' });
      return true;
    } catch {
      return false;
    } finally {
      c.close();
    }
  }, 60, 'sshd to take connections after a reload');
}

describe('when sshd allows few sessions (MaxSessions)', () => {
  afterEach(async () => {
    await reloadSshd('rm -f /etc/ssh/sshd_config.d/00-max-sessions.conf');
  });

  it.each([1, 2])('MaxSessions %i: the spare channel never takes a session a command needs', async (max) => {
    await reloadSshd(`echo "MaxSessions ${max}" > /etc/ssh/sshd_config.d/00-max-sessions.conf`);
    const c = await connect();
    for (let i = 0; i < 6; i++) expect((await c.exec('cat', Buffer.from(`${i}\n`), 30_000)).stdout.toString()).toBe(`${i}\n`);
    // As many at once as sshd allows: each must run.
    const together = await Promise.all(Array.from({ length: max }, (_, i) => c.exec(`sleep 0.5; echo ${i}`, Buffer.from('x\n'), 30_000)));
    expect(together.map((r) => r.stdout.toString())).toEqual(Array.from({ length: max }, (_, i) => `${i}\n`));
    expect((await c.exec('echo last', Buffer.alloc(0), 30_000)).stdout.toString()).toBe('last\n');
  });
});

describe('the exec request refused by sshd', () => {
  let client: Client;
  afterEach(() => client?.end());

  it('rejects with ExecRefused (the data sent behind it is dropped), and the connection goes on', async () => {
    client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({ host: target.host, port: target.port, username: 'root', privateKey: readFileSync(join(rig.dir, 'id_ed25519')), hostVerifier: () => true });
    });
    const pipe = pipelining(client);
    expect(pipe).not.toBeNull();
    const channel = await pipe!.openSession();
    // Listened for before any await: under load the channel can close while the test awaits a reply.
    const channelClosed = new Promise((r) => channel.once('close', r));
    const out: Buffer[] = [];
    channel.on('data', (d: Buffer) => out.push(d));
    const first = pipe!.startExec(channel, 'cat');
    // sshd answers an exec on a channel that already runs a command with a failure.
    const second = pipe!.startExec(channel, 'echo never');
    channel.end(Buffer.from('to cat\n'));
    await first;
    await expect(second).rejects.toBeInstanceOf(ExecRefused);
    await channelClosed;
    expect(Buffer.concat(out).toString()).toBe('to cat\n');
    const again = await pipe!.openSession();
    const againClosed = new Promise((r) => again.once('close', r));
    const started = pipe!.startExec(again, 'echo again');
    const got: Buffer[] = [];
    again.on('data', (d: Buffer) => got.push(d));
    again.end();
    await started;
    await againClosed;
    expect(Buffer.concat(got).toString()).toBe('again\n');
  });
});

describe('a closed connection', () => {
  it('keeps nothing alive: a process that connects, runs commands and closes exits by itself', async () => {
    const script = [
      `import { NodeConnection } from ${JSON.stringify(join(process.cwd(), 'dist/src/ssh/connection.js'))};`,
      "import { readFileSync } from 'node:fs';",
      `const target = ${JSON.stringify({ ...target, privateKey: undefined })};`,
      `target.privateKey = readFileSync(${JSON.stringify(join(rig.dir, 'id_ed25519'))});`,
      "const c = new NodeConnection('node1', target);",
      "await c.connect({ policy: 'strict' });",
      "const r = await c.exec('cat', Buffer.from('hi\\n'), 30000);",
      "if (r.stdout.toString() !== 'hi\\n') process.exit(3);",
      'c.close();',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });
    let exit: number | null | undefined;
    child.on('exit', (code) => { exit = code; });
    try {
      await until(() => exit !== undefined, 60, 'the process to exit by itself after close()');
    } finally {
      child.kill('SIGKILL');
    }
    expect(exit).toBe(0);
  });
});
