import { createHash } from 'node:crypto';
import { mergeDirectives, type OwnedDirective } from './conf-lines.js';

export interface RedisConfInput {
  port: number;
  bindIp: string;
  password: string;
  /** Primary's address when this node is a replica; null on the primary. */
  replicaOf: { ip: string; port: number } | null;
  save: { seconds: number; changes: number }[];
}

const ALIASES: Record<string, string> = { slaveof: 'replicaof', masterauth: 'masterauth' };

export function redisKeyOf(args: string[]): string {
  const word = args[0]!.toLowerCase();
  return ALIASES[word] ?? word;
}

/** A "user default ..." line that Redis wrote for another password would override requirepass. */
export function isStaleDefaultUser(args: string[], password: string): boolean {
  if (args[0]?.toLowerCase() !== 'user' || args[1] !== 'default') return false;
  const hash = `#${createHash('sha256').update(password).digest('hex')}`;
  return !args.includes(hash) && !args.includes(`>${password}`);
}

/** The directives hsts-cluster owns in aspera_31415.conf, in the specification's order. */
export function redisDirectives(input: RedisConfInput): OwnedDirective[] {
  const own = (key: string, ...lines: string[][]): OwnedDirective => ({ key, lines, mode: 'own' });
  const keep = (key: string, ...args: string[]): OwnedDirective => ({ key, lines: [[key, ...args]], mode: 'default' });
  return [
    own('port', ['port', String(input.port)]),
    keep('dbfilename', `redis.${input.port}.rdb`),
    keep('dir', '/opt/aspera/var'),
    keep('pidfile', `/opt/aspera/var/run/redis.${input.port}.pid`),
    own('requirepass', ['requirepass', input.password]),
    own('masterauth', ['masterauth', input.password]),
    own('save', ['save', ...input.save.flatMap((p) => [String(p.seconds), String(p.changes)])]),
    keep('daemonize', 'no'),
    keep('syslog-enabled', 'yes'),
    keep('syslog-facility', 'local2'),
    own('bind', ['bind', input.bindIp]),
    keep('aof-use-rdb-preamble', 'no'),
    own('replicaof', ...(input.replicaOf ? [['replicaof', input.replicaOf.ip, String(input.replicaOf.port)]] : [])),
  ];
}

export function renderRedisConf(current: string | null, input: RedisConfInput): string {
  return mergeDirectives(current, redisDirectives(input), {
    keyOf: redisKeyOf,
    drop: (args) => isStaleDefaultUser(args, input.password),
    header: [
      `# Redis configuration for HSTS port ${input.port}, ${input.replicaOf ? 'replica' : 'primary'} node.`,
      '# hsts-cluster sets port, bind, requirepass, masterauth, save and replicaof; other lines are yours.',
    ],
  });
}

/**
 * The characters of an RDB path root acts on (its `dir` and `dbfilename` are the noded user's text):
 * none with shell or bash syntax, so a quoted use carries nothing into a command.
 */
export const RDB_PATH = /^\/[A-Za-z0-9._/@+:=,-]*$/;
export const RDB_PATH_PUNCTUATION = '. _ / @ + : = , -';
