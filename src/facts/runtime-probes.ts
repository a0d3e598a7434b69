/**
 * What is running: the node's Sentinel and Redis asked, read-only, with the passwords they run with.
 */
import type { Dataset } from '../hsts/cold-start.js';
import { HSTS } from '../hsts/paths.js';
import type { RuntimeFacts } from '../hsts/node-facts.js';
import { parseRdbAux } from '../hsts/rdb-header.js';
import { parseInfoFields, parsePrimaryAddr, parseReplication } from '../hsts/redis-info.js';
import { parseRedisVersion } from '../hsts/redis-version.js';
import type { Probe } from '../remote/probe.js';
import { CONFIG_MAX_BYTES, OPEN_FUNCTION } from '../remote/safe-files.js';
import { shq } from '../ssh/shell.js';
import { RDB_PATH } from '../hsts/redis-conf.js';
import { asredisCode, passwordInput, type RedisTarget } from '../remote/redis-cli.js';

export interface RuntimeProbeInput {
  sentinel?: RedisTarget & { primarySet: string };
  redis?: RedisTarget;
}

const firstLine = (text: string | undefined) => text?.trim().split('\n')[0] || 'no answer';

/** The primary the Sentinel names (null: it knows none), or why it did not answer. */
export function sentinelProbe(sentinel: RedisTarget & { primarySet: string }): Probe<Pick<RuntimeFacts, 'sentinelPrimary' | 'sentinelError'>> {
  const args = ['SENTINEL', 'get-master-addr-by-name', sentinel.primarySet];
  return {
    command: {
      label: `asredis -h ${sentinel.ip} -p ${sentinel.port} ${args.join(' ')}`,
      code: asredisCode(sentinel, args),
      inputs: passwordInput(sentinel),
    },
    parse(result) {
      const text = result?.output ?? '';
      if (result && result.exitCode === 0 && !/^(ERR|NOAUTH|WRONGPASS|Could not connect)/m.test(text)) {
        return { sentinelPrimary: parsePrimaryAddr(text) };
      }
      return { sentinelError: firstLine(text) };
    },
  };
}

/** db0's key count in INFO's keyspace section (`db0:keys=N,...`; no line: none), as DBSIZE counts it. */
export function keysOfDb0(info: string): number {
  // At most 15 digits: a longer count (only a fake Redis prints one) is no count, not Infinity.
  const keys = /^keys=(\d{1,15})(,|$)/.exec(parseInfoFields(info).db0 ?? '')?.[1];
  return keys === undefined ? 0 : Number(keys);
}

/**
 * Redis's replication state, key count and version, or why it did not answer: one INFO (its
 * default sections hold replication, server and keyspace, in Redis 6.0 as in 7), so one guarded
 * call where three would each start the guard, timeout, asredis and redis-cli again.
 */
export function redisProbe(redis: RedisTarget): Probe<Pick<RuntimeFacts, 'redis' | 'redisKeys' | 'redisVersion' | 'redisError'>> {
  return {
    command: {
      label: `asredis -h ${redis.ip} -p ${redis.port} INFO`,
      code: asredisCode(redis, ['INFO']),
      inputs: passwordInput(redis),
    },
    parse(result) {
      const replication = result && result.exitCode === 0 ? parseReplication(result.output) : null;
      if (!replication) return { redisError: firstLine(result?.output) };
      const version = parseRedisVersion(/^redis_version:.*$/m.exec(result!.output)?.[0] ?? '');
      return { redis: replication, redisKeys: keysOfDb0(result!.output), ...(version ? { redisVersion: version } : {}) };
    },
  };
}

/**
 * The head of the RDB file the node's Redis configuration names (its `dir` and `dbfilename`; Redis
 * runs from /): when it was written and its replication position. Undefined when there is none.
 * Both the configuration and the RDB are the noded user's to name: each is opened as __open does
 * (safe-files.ts: nothing opened through a name another account can swap, a regular file checked on
 * its descriptor), the configuration read bounded, the RDB read only in a directory the noded user
 * owns and only when it owns the file, and a head leaves the node only when it is an RDB's
 * ("REDIS").
 */
export function rdbHeadProbe(nodedUser: string): Probe<Dataset | undefined> {
  const conf = HSTS.redisConf;
  return {
    command: {
      label: `read the head of the RDB file ${conf} names`,
      code: [
        OPEN_FUNCTION,
        `[ -e ${shq(conf)} ] && [ ! -L ${shq(conf)} ] && __open ${shq(conf)} ${CONFIG_MAX_BYTES} || exit 0`,
        `rdb=$(head -c ${CONFIG_MAX_BYTES} <&3 | awk '{ k = tolower($1); gsub(/^"|"$/, "", $2) } k == "dir" { d = $2 } k == "dbfilename" { f = $2 } END { if (d == "") d = "/"; if (f == "") f = "dump.rdb"; if (substr(f, 1, 1) == "/") print f; else print d "/" f }')`,
        'exec 3<&-',
        `re=${shq(RDB_PATH.source.replaceAll('\\/', '/'))}; [[ $rdb =~ $re ]] || exit 0`,
        // Only in a directory of the noded user's, entered once: a `dir` leading (through a link of
        // its own, say) to another account's directory, /tmp or a root-only one (/proc, tracefs) is
        // not read, nor a private link made there.
        `cd -P -- "\${rdb%/*}/" 2>/dev/null && [ "$(stat -c %U .)" = ${shq(nodedUser)} ] || exit 0`,
        '[ -e "./${rdb##*/}" ] && [ ! -L "./${rdb##*/}" ] && __open "./${rdb##*/}" "" || exit 0',
        // Redis, run as the noded user, writes its RDB as that user: a file of anyone else's (root's
        // /proc/kmsg, whose read takes the kernel's log away) is not read.
        `set -- $m; [ "$1" = ${shq(nodedUser)} ] || exit 0`,
        // RDB files start with "REDIS" (base64 UkVESVM).
        'h=$(head -c 1024 <&3 | base64 -w0); [[ $h == UkVESVM* ]] || exit 0',
        'echo "mtime:$(stat -L -c %Y /dev/fd/3)"',
        'echo "head:$h"',
      ].join('\n'),
    },
    parse(result) {
      const fields = Object.fromEntries((result?.output ?? '').split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
      if (!fields.head) return undefined;
      const aux = parseRdbAux(Buffer.from(fields.head, 'base64'));
      if (!aux) return undefined;
      const dataset: Dataset = { source: 'RDB file' };
      if (aux['repl-id']) dataset.replid = aux['repl-id'];
      if (aux['repl-offset'] !== undefined && /^-?\d+$/.test(aux['repl-offset'])) dataset.offset = Number(aux['repl-offset']);
      const ctime = aux.ctime ?? fields.mtime;
      if (ctime && /^\d+$/.test(ctime)) dataset.savedAt = Number(ctime);
      return dataset;
    },
  };
}

/**
 * A node's dataset position: the running Redis's (its offset grows past the RDB's as it writes), or
 * the RDB file's when Redis is stopped or has not yet loaded its position from the file.
 */
export function datasetOf(redis: RuntimeFacts['redis'], rdb: Dataset | undefined): Dataset | undefined {
  if (!redis || redis.offset <= (rdb?.offset ?? 0)) return rdb;
  return { offset: redis.offset, ...(redis.replid ? { replid: redis.replid } : {}), ...(rdb?.savedAt !== undefined ? { savedAt: rdb.savedAt } : {}), source: 'running Redis' };
}

export function runtimeProbes(input: RuntimeProbeInput) {
  return {
    sentinel: input.sentinel ? sentinelProbe(input.sentinel) : undefined,
    redis: input.redis ? redisProbe(input.redis) : undefined,
  };
}
