import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { SshTarget } from '../inventory/load.js';
import { redact } from '../util/secret.js';
import { BoundedOutput, MAX_NODE_OUTPUT_BYTES, outputTooLarge } from './bounded-output.js';
import { changedHostKeyAdvice, refusedLoginAdvice, unknownHostKeyAdvice, unreachableAdvice } from './advice.js';
import { fingerprint, KnownHosts, keyTypeOf } from './known-hosts.js';
import { ExecRefused } from './pipelined-exec.js';
import { SessionChannels } from './session-channels.js';

export type HostKeyPolicy = 'strict' | 'accept-new';

export class SshError extends Error {
  constructor(message: string, readonly kind: 'connect' | 'host-key' | 'auth' | 'timeout' | 'lost') {
    super(message);
    this.name = 'SshError';
  }
}

/** stdout stays bytes: a batch's frames give their lengths in bytes (remote-script.ts). */
export interface ExecResult { exitCode: number; stdout: Buffer; stderr: string }

export interface ConnectOptions {
  policy: HostKeyPolicy;
  /** Called when accept-new records a key, for the run's log. */
  onNewHostKey?: (message: string) => void;
}

// ssh2's names for host key algorithms, by the key type in known_hosts.
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The authentication methods to offer, in order. Named explicitly because ssh2 otherwise starts
 * with "none", which no server here accepts: one round trip more per connection, for nothing.
 */
export function authMethods(auth: { privateKey?: unknown; agent?: unknown }): ('publickey' | 'agent')[] {
  return [...(auth.privateKey ? ['publickey' as const] : []), ...(auth.agent ? ['agent' as const] : [])];
}

/** One SSH connection to one node, reused by every step of a run. */
export class NodeConnection {
  private client: Client | null = null;
  private jump: Client | null = null;
  private lostReason: string | null = null;
  /** Running commands' channels, destroyed when the connection closes. */
  private readonly channels = new Set<ClientChannel>();
  private sessions: SessionChannels | null = null;

  constructor(readonly nodeName: string, readonly target: SshTarget) {}

  get lost(): string | null {
    return this.lostReason;
  }

  /** Whether commands go out pipelined on a spare channel (false: ssh2's public exec; see session-channels). */
  get pipelined(): boolean {
    return this.sessions?.pipelined ?? false;
  }

  async connect(options: ConnectOptions): Promise<void> {
    const { target } = this;
    let sock: Duplex | undefined;
    if (target.jumpHost) {
      this.jump = await this.open(this.jumpConfig(), options, `${target.jumpHost.host}:${target.jumpHost.port} (jump host)`);
      sock = await new Promise<Duplex>((resolve, reject) => {
        this.jump!.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) =>
          err ? reject(new SshError(`${this.nodeName}: jump host could not reach ${target.host}:${target.port}: ${err.message}`, 'connect')) : resolve(stream));
      }).catch((e: unknown) => { this.closeJump(); throw e; });
    }
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
    };
    if (target.privateKey) config.privateKey = target.privateKey;
    if (target.agent) config.agent = target.agent;
    config.authHandler = authMethods(config);
    if (sock) config.sock = sock;
    try {
      this.client = await this.open(config, options, `${target.host}:${target.port}`);
    } catch (e) {
      this.closeJump();
      throw e;
    }
    // Small request/answer exchanges: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms to some.
    this.client.setNoDelay(true);
    this.sessions = new SessionChannels(this.client);
    this.client.on('close', () => {
      this.lostReason ??= 'connection closed';
      this.sessions?.close();
      for (const channel of this.channels) channel.destroy();
    });
    this.client.on('error', (err) => {
      this.lostReason = err.message;
    });
  }

  private jumpConfig(): ConnectConfig {
    const jump = this.target.jumpHost!;
    const config: ConnectConfig = {
      host: jump.host,
      port: jump.port,
      username: jump.user,
      readyTimeout: this.target.connectTimeoutMs,
    };
    if (jump.privateKey) config.privateKey = jump.privateKey;
    if (this.target.agent) config.agent = this.target.agent;
    config.authHandler = authMethods(config);
    return config;
  }

  /** After a failed hop: the jump host's connection would otherwise keep the process alive. */
  private closeJump(): void {
    this.jump?.end();
    this.jump = null;
  }

  /** The key file a connection uses, for advice: the node's own, or "the jump host's key". */
  private keyPathFor(config: ConnectConfig): string {
    return config.privateKey === this.target.privateKey && this.target.privateKeyPath ? this.target.privateKeyPath : 'KEY';
  }

  private open(config: ConnectConfig, options: ConnectOptions, where: string): Promise<Client> {
    const knownHosts = new KnownHosts(this.target.knownHostsPath);
    const host = config.host!;
    const port = config.port ?? 22;
    const types = knownHosts.keyTypes(host, port);
    let hostKeyProblem: string | null = null;
    if (types.length > 0) {
      config.algorithms = { serverHostKey: types.flatMap((t) => HOST_KEY_ALGORITHMS[t] ?? [t]) as never };
    }
    config.hostVerifier = (key: Buffer) => {
      const verdict = knownHosts.check(host, port, key);
      if (verdict === 'known') return true;
      const print = `${keyTypeOf(key)} ${fingerprint(key)}`;
      if (verdict === 'unknown' && options.policy === 'accept-new') {
        knownHosts.add(host, port, key);
        options.onNewHostKey?.(`${this.nodeName}: recorded new host key ${print} for ${host}:${port} in ${knownHosts.path}`);
        return true;
      }
      hostKeyProblem = verdict === 'unknown'
        ? `unknown host key ${print} for ${host}:${port} (not in ${knownHosts.path}); ${unknownHostKeyAdvice(host, port, knownHosts.path)}`
        : `HOST KEY ${verdict === 'revoked' ? 'REVOKED' : 'CHANGED'} for ${host}:${port}: server offers ${print}, ` +
          `${knownHosts.path} says otherwise. Refusing to connect (possible man-in-the-middle). ` +
          (verdict === 'revoked' ? 'The key is marked @revoked: ask the node\'s administrator for its new host key.' : changedHostKeyAdvice(host, port, knownHosts.path));
      return false;
    };
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      const fail = (err: Error & { level?: string }) => {
        client.end();
        if (hostKeyProblem) return reject(new SshError(`${this.nodeName}: ${hostKeyProblem}`, 'host-key'));
        if (err.level === 'client-authentication') {
          const credentials = { ...(config.privateKey ? { keyPath: this.keyPathFor(config) } : {}), agent: Boolean(config.agent) };
          return reject(new SshError(`${this.nodeName}: ${where}: authentication as ${config.username} failed (key or agent refused); ${refusedLoginAdvice(config.username!, host, port, credentials)}`, 'auth'));
        }
        if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
          return reject(new SshError(`${this.nodeName}: ${where}: no SSH answer within ${config.readyTimeout} ms; ${unreachableAdvice(host, port, undefined)}`, 'timeout'));
        }
        const code = (err as NodeJS.ErrnoException).code;
        const advice = code && /^E[A-Z]+$/.test(code) ? `; ${unreachableAdvice(host, port, code)}` : '';
        reject(new SshError(`${this.nodeName}: ${where}: ${err.message}${advice}`, 'connect'));
      };
      client.once('ready', () => {
        client.off('error', fail);
        resolve(client);
      });
      // `on`, not `once`: a connection reset before the handshake gives two errors (ECONNRESET,
      // then "Connection lost before handshake"); a second with no listener would crash the run.
      client.on('error', fail);
      client.connect(config);
    });
  }

  /**
   * Runs a command line; stdin is written then closed. Rejects on timeout or a lost connection.
   * Pipelined: stdin follows the exec request without waiting for its reply (see session-channels).
   */
  exec(command: string, stdin: Buffer, timeoutMs: number, maxOutputBytes = MAX_NODE_OUTPUT_BYTES): Promise<ExecResult> {
    const sessions = this.sessions;
    if (!sessions || this.lostReason) {
      return Promise.reject(new SshError(`${this.nodeName}: SSH connection lost (${this.lostReason ?? 'not connected'})`, 'lost'));
    }
    // What goes out is let go once handed to ssh2: every closure below lives until the channel closes,
    // and a parameter one of them named would live as long (at hundreds of nodes, a phase's command
    // lines and inputs, tens of KB a node, were all held until the last node answered).
    const outgoing: { command: string; stdin: Buffer | null } = { command, stdin };
    return new Promise((resolve, reject) => {
      let channel: ClientChannel | null = null;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (channel) this.channels.delete(channel);
        outcome();
      };
      const lost = () => new SshError(`${this.nodeName}: SSH connection lost during a remote command (${this.lostReason ?? 'channel closed'})`, 'lost');
      const timer = setTimeout(() => settle(() => {
        if (channel) {
          channel.signal('KILL');
          channel.destroy();
        }
        reject(new SshError(`${this.nodeName}: remote command timed out after ${timeoutMs} ms`, 'timeout'));
      }), timeoutMs);
      const starting = sessions.start(outgoing.command, () => settled);
      outgoing.command = '';
      starting.then(({ channel: started, replied }) => {
        if (settled) return void started.close(); // timed out while ssh2's public exec was waiting
        channel = started;
        this.channels.add(started);
        const out = new BoundedOutput(maxOutputBytes);
        const errOut = new BoundedOutput(maxOutputBytes);
        let exitCode: number | null = null;
        const keep = (into: BoundedOutput) => (d: Buffer) => {
          if (into.push(d)) return;
          settle(() => {
            started.signal('KILL');
            started.destroy();
            reject(new SshError(outputTooLarge(this.nodeName, maxOutputBytes), 'lost'));
          });
        };
        started.on('data', keep(out));
        started.stderr.on('data', keep(errOut));
        started.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? (signal ? 128 : 255);
        });
        started.on('close', () => settle(() => {
          if (exitCode === null) return reject(lost());
          resolve({
            exitCode,
            stdout: out.bytes(),
            stderr: redact(errOut.bytes().toString('utf8')),
          });
        }));
        replied.catch((err: Error) => settle(() => {
          started.close();
          reject(err instanceof ExecRefused ? new SshError(`${this.nodeName}: cannot start a remote command: ${err.message}`, 'lost') : lost());
        }));
        started.end(outgoing.stdin ?? Buffer.alloc(0));
        outgoing.stdin = null;
      }, (err: Error) => settle(() => reject(new SshError(`${this.nodeName}: cannot start a remote command: ${err.message}`, 'lost'))));
    });
  }

  close(): void {
    this.sessions?.close();
    this.sessions = null;
    this.client?.end();
    this.jump?.end();
    this.client = null;
    this.jump = null;
  }
}
