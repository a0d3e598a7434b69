import { randomBytes } from 'node:crypto';
import { directiveArgs, mergeDirectives, type OwnedDirective } from './conf-lines.js';
import { isStaleDefaultUser } from './redis-conf.js';

export interface SentinelConfInput {
  port: number;
  bindIp: string;
  password: string;
  primarySet: string;
  primary: { ip: string; port: number };
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** This Sentinel's id, and the other Sentinels' addresses and ids (see sentinelIdOf). */
  myid: string;
  peers: { ip: string; port: number; id: string }[];
  /** Every node's Redis: a monitor of another name at one of them is this cluster under a former name. */
  clusterRedis: { ip: string; port: number }[];
}

const PER_PRIMARY = new Set([
  'monitor', 'down-after-milliseconds', 'failover-timeout', 'auth-pass', 'auth-user', 'parallel-syncs',
  'known-replica', 'known-slave', 'known-sentinel', 'config-epoch', 'leader-epoch', 'notification-script',
  'client-reconfig-script', 'master-reboot-down-after-period',
]);
/** Sentinel's own record of a primary's history; stale once the primary it describes changes. */
const RUNTIME_STATE = new Set(['known-replica', 'known-slave', 'known-sentinel', 'config-epoch', 'leader-epoch']);

export function sentinelKeyOf(args: string[]): string {
  const word = args[0]!.toLowerCase();
  if (word !== 'sentinel' || args.length < 2) return word;
  const sub = args[1]!.toLowerCase();
  return PER_PRIMARY.has(sub) && args[2] !== undefined ? `sentinel ${sub} ${args[2]}` : `sentinel ${sub}`;
}

/** The id a Sentinel keeps in its file ("sentinel myid"), if it has one. */
export function sentinelIdOf(text: string | null): string | null {
  const id = directiveArgs(text, sentinelKeyOf, 'sentinel myid')[0]?.[2];
  return id && /^[0-9a-f]{40}$/.test(id) ? id : null;
}

/** A new Sentinel id, the way Sentinel makes its own: 40 random hex digits. */
export function newSentinelId(): string {
  return randomBytes(20).toString('hex');
}

/** The "sentinel monitor NAME IP PORT QUORUM" line of a file, if any. */
export function monitoredPrimary(text: string | null, primarySet: string): { ip: string; port: number } | null {
  for (const line of (text ?? '').split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0]?.toLowerCase() === 'sentinel' && words[1]?.toLowerCase() === 'monitor' && words[2] === primarySet) {
      return { ip: words[3]!.replace(/"/g, ''), port: Number(words[4]?.replace(/"/g, '')) };
    }
  }
  return null;
}

export function sentinelDirectives(input: SentinelConfInput): OwnedDirective[] {
  const own = (...args: string[]): OwnedDirective => {
    const keyWords = args[0] === 'sentinel' ? 3 : 1;
    return { key: args.slice(0, keyWords).join(' '), lines: [args], mode: 'own' };
  };
  const name = input.primarySet;
  return [
    own('pidfile', `/opt/aspera/var/run/redis_sentinel_${input.port}.pid`),
    own('daemonize', 'no'),
    own('dir', '/tmp'),
    own('port', String(input.port)),
    own('bind', input.bindIp),
    own('sentinel', 'monitor', name, input.primary.ip, String(input.primary.port), String(input.quorum)),
    own('sentinel', 'down-after-milliseconds', name, String(input.downAfterMs)),
    own('sentinel', 'failover-timeout', name, String(input.failoverTimeoutMs)),
    own('sentinel', 'auth-pass', name, input.password),
    own('requirepass', input.password),
    own('syslog-ident', 'sentinel'),
    own('syslog-enabled', 'yes'),
    own('syslog-facility', 'local2'),
    // Sentinels find each other through the primary within seconds; telling each the others' ids from
    // the start lets the cluster reach its failover quorum as soon as they are up. Only when absent:
    // after that these lines are Sentinel's own.
    { key: 'sentinel myid', lines: [['sentinel', 'myid', input.myid]], mode: 'default' },
    {
      key: `sentinel known-sentinel ${name}`,
      lines: input.peers.map((p) => ['sentinel', 'known-sentinel', name, p.ip, String(p.port), p.id]),
      mode: 'default',
    },
  ];
}

/**
 * Names the file monitors at one of the cluster's Redis addresses other than the current primary
 * set: left in place, a Sentinel would watch (and fail over) the same Redis under two names.
 */
function formerNames(current: string | null, input: SentinelConfInput): Set<string> {
  const names = new Set<string>();
  const subcommand = (args: string[]) => `${args[0]!.toLowerCase()} ${args[1]?.toLowerCase() ?? ''}`;
  for (const args of directiveArgs(current, subcommand, 'sentinel monitor')) {
    if (args[2] === input.primarySet) continue;
    if (input.clusterRedis.some((r) => r.ip === args[3] && String(r.port) === args[4])) names.add(args[2]!);
  }
  return names;
}

/**
 * Sentinel rewrites its file at run time (myid, epochs, known replicas and Sentinels, and the
 * monitor address after a failover). We set our directives and keep its lines, except its
 * history of this primary set when we point the monitor at another primary than the file has, and
 * every line of a former name of this cluster's primary set.
 */
export function renderSentinelConf(current: string | null, input: SentinelConfInput): string {
  const before = monitoredPrimary(current, input.primarySet);
  const primaryMoved = before !== null && (before.ip !== input.primary.ip || before.port !== input.primary.port);
  const former = formerNames(current, input);
  return mergeDirectives(current, sentinelDirectives(input), {
    keyOf: sentinelKeyOf,
    drop: (args) =>
      isStaleDefaultUser(args, input.password) ||
      (args[0]?.toLowerCase() === 'sentinel' && PER_PRIMARY.has(args[1]?.toLowerCase() ?? '') && former.has(args[2] ?? '')) ||
      (primaryMoved && args[0]?.toLowerCase() === 'sentinel' && RUNTIME_STATE.has(args[1]?.toLowerCase() ?? '') &&
        args[2] === input.primarySet),
    header: [
      '# Redis Sentinel configuration for HSTS (hsts-cluster sets the directives below;',
      '# Sentinel appends its own state at run time).',
    ],
  });
}
