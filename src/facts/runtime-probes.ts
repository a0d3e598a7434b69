/**
 * What is running: the node's Sentinel and Redis asked, read-only, with the passwords they run with.
 */
import type { RuntimeFacts } from '../hsts/node-facts.js';
import { parseInfoFields, parsePrimaryAddr, parseReplication } from '../hsts/redis-info.js';
import type { Probe } from '../remote/probe.js';
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

/** Redis's replication state and key count, or why it did not answer. */
export function redisProbe(redis: RedisTarget): Probe<Pick<RuntimeFacts, 'redis' | 'redisKeys' | 'redisError'>> {
  return {
    command: {
      label: `asredis -h ${redis.ip} -p ${redis.port} INFO replication; DBSIZE`,
      code: `${asredisCode(redis, ['INFO', 'replication'])} && echo "dbsize:$(${asredisCode(redis, ['DBSIZE'])})"`,
      inputs: passwordInput(redis),
    },
    parse(result) {
      const replication = result && result.exitCode === 0 ? parseReplication(result.output) : null;
      if (!replication) return { redisError: firstLine(result?.output) };
      return { redis: replication, redisKeys: Number(parseInfoFields(result!.output).dbsize ?? 0) };
    },
  };
}

export function runtimeProbes(input: RuntimeProbeInput) {
  return {
    sentinel: input.sentinel ? sentinelProbe(input.sentinel) : undefined,
    redis: input.redis ? redisProbe(input.redis) : undefined,
  };
}
