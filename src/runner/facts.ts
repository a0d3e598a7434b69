import { directiveArgs } from '../hsts/conf-lines.js';
import { HSTS } from '../hsts/paths.js';
import { redisKeyOf } from '../hsts/redis-conf.js';
import { sentinelKeyOf } from '../hsts/sentinel-conf.js';
import type { ClusterNode, Inventory } from '../inventory/load.js';
import type { NodeSession } from '../ssh/session.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import type { NeedsList } from '../facts/needs.js';
import { nodeFacts, nodeProbes, type CopyFacts } from '../facts/node-probes.js';
import { datasetOf, rdbHeadProbe, runtimeProbes, type RuntimeProbeInput } from '../facts/runtime-probes.js';
import type { NodeFacts } from '../hsts/node-facts.js';
import { parseProbes, probeCommands } from '../remote/probe.js';
import { onlyIfProgramsTrusted } from '../remote/trusted-programs.js';
import { redisOf, redisOwner, sentinelOf, sentinelOwner, type RedisTarget } from '../remote/redis-cli.js';
import type { PlanOptions, Step } from '../steps/types.js';
import { markSecret, type Secret } from '../util/secret.js';

export class FactsError extends Error {}

/**
 * What a playbook's steps read on a node, planning with `options` (the two Redis files always: they
 * say how to ask Redis).
 */
export function factNeeds(steps: Step[], inventory: Inventory, node: ClusterNode, options: PlanOptions): NeedsList {
  const files = new Set<string>([HSTS.redisConf, HSTS.sentinelConf]);
  const units = new Set<string>();
  const users = new Set<string>();
  const shells = new Set<string>();
  let firewalld: NeedsList['firewalld'];
  let directories: NeedsList['directories'];
  for (const step of steps) {
    const needs = step.needs(inventory, node, options);
    needs.files?.forEach((f) => files.add(f));
    needs.units?.forEach((u) => units.add(u));
    needs.users?.forEach((u) => users.add(u));
    needs.shells?.forEach((s) => shells.add(s));
    firewalld ??= needs.firewalld;
    directories ??= needs.directories;
  }
  return {
    files: [...files], units: [...units], users: [...users],
    ...(firewalld ? { firewalld } : {}), ...(directories ? { directories } : {}), ...(shells.size > 0 ? { shells: [...shells] } : {}),
  };
}

export type Target = RedisTarget;
const reveal = (p: Secret | string) => (typeof p === 'string' ? p : p.reveal());

/** Whether what the files say a service runs with is what the first round trip asked (or it is not running). */
function sameTarget(actual: Target | undefined, guessed: Target | undefined): boolean {
  if (!actual) return true;
  return guessed !== undefined && actual.ip === guessed.ip && actual.port === guessed.port && reveal(actual.password) === reveal(guessed.password);
}

/** The password a running Redis or Sentinel was configured with, from its current file. */
function runningPassword(text: string | null, keyOf: (a: string[]) => string | null): string | undefined {
  const value = directiveArgs(text, keyOf, 'requirepass')[0]?.[1];
  if (value) markSecret(value);
  return value;
}

function firstBind(text: string | null): string | undefined {
  return directiveArgs(text, redisKeyOf, 'bind')[0]?.[1];
}

/**
 * Where and with which password the node's Redis answers, as the aspera_31415.conf it started from
 * says; null when asperaredisd does not run.
 */
export function runningRedis(facts: Pick<NodeFacts, 'units' | 'files'>, cluster: Inventory['cluster']): Target | null {
  if (facts.units.get('asperaredisd')?.active !== 'active') return null;
  const redisText = facts.files.get(HSTS.redisConf)?.content?.toString('utf8') ?? null;
  const portArg = directiveArgs(redisText, redisKeyOf, 'port')[0]?.[1];
  return {
    ip: firstBind(redisText) ?? '127.0.0.1',
    port: portArg ? Number(portArg) : cluster.redisPort,
    password: runningPassword(redisText, redisKeyOf) ?? cluster.redisPassword,
    owner: redisOwner(cluster.nodedUser),
  };
}

/**
 * A node's facts in two read-only round trips: files, units, users, firewall and environment
 * first; then the running Redis and Sentinel, asked with the passwords their files hold.
 * `needs` says what to read (a playbook's steps, or for a rollback what the snapshot holds).
 * `before` runs ahead of the probes in the first round trip, and ends before any probe starts (the
 * run lock; the strays a rollback stops, which could otherwise still write what the probes read).
 */
export async function gatherFacts(
  session: NodeSession,
  inventory: Inventory,
  needs: NeedsList,
  before: RemoteCommand[] = [],
): Promise<{ facts: NodeFacts & CopyFacts; before: { exitCode: number; output: string }[] }> {
  const probes = nodeProbes(needs);
  const { cluster } = inventory;
  // A configured node runs Redis and Sentinel as the inventory says: ask them in the same round trip,
  // and ask again below only if the files show they run with something else (a fresh node, say).
  const guess: RuntimeProbeInput = {
    sentinel: { ...sentinelOf(cluster, session.node), primarySet: cluster.primarySet },
    redis: redisOf(cluster, session.node),
  };
  const guessProbes = runtimeProbes(guess);
  const rdbHead = rdbHeadProbe(cluster.nodedUser);
  // The guesses run asredis beside the reads that hold pre-flight's check of IBM's programs: each
  // runs only once the same check has passed on the node.
  const guarded = probeCommands(guessProbes).map((c) => ({ ...c, code: onlyIfProgramsTrusted(c.code) }));
  const commands = { static: probeCommands(probes), guess: guarded };
  const first = await session.run([...before, ...commands.static, ...commands.guess, rdbHead.command], 'parallel', undefined, before.length);
  if (first.results.length < before.length + commands.static.length + commands.guess.length + 1) {
    throw new FactsError(`${session.node.name}: could not read the node's state: ${first.failure?.output ?? 'no answer'}`);
  }
  const afterBefore = first.results.slice(before.length);
  const staticFacts = nodeFacts(needs, parseProbes(probes, afterBefore.slice(0, commands.static.length)));
  const guessed = parseProbes(guessProbes, afterBefore.slice(commands.static.length, commands.static.length + commands.guess.length));
  const rdb = rdbHead.parse(afterBefore[commands.static.length + commands.guess.length]);
  const input: RuntimeProbeInput = {};
  const sentinelText = staticFacts.files.get(HSTS.sentinelConf)?.content?.toString('utf8') ?? null;
  if (staticFacts.units.get('asperaredissentinel')?.active === 'active') {
    input.sentinel = {
      ip: session.node.privateIp,
      port: cluster.sentinelPort,
      password: runningPassword(sentinelText, sentinelKeyOf) ?? cluster.redisPassword,
      owner: sentinelOwner(cluster.nodedUser),
      primarySet: cluster.primarySet,
    };
  }
  const redis = runningRedis(staticFacts, cluster);
  if (redis) input.redis = redis;
  let runtime = guessed;
  // A node whose programs another account could replace is refused by pre-flight: asredis is not run there.
  if (staticFacts.untrustedPrograms.length === 0 && (!sameTarget(input.sentinel, guess.sentinel) || !sameTarget(input.redis, guess.redis))) {
    const actual = runtimeProbes(input);
    const commands = probeCommands(actual).map((c) => ({ ...c, code: onlyIfProgramsTrusted(c.code) }));
    runtime = parseProbes(actual, (await session.run(commands, 'parallel')).results);
  }
  return {
    // Only what runs is reported: a stopped service's guessed answer says nothing.
    facts: { ...staticFacts, runtime: withDataset({ ...(input.sentinel ? runtime.sentinel : {}), ...(input.redis ? runtime.redis : {}) }, rdb) },
    before: first.results.slice(0, before.length),
  };
}

function withDataset(runtime: NodeFacts['runtime'], rdb: ReturnType<ReturnType<typeof rdbHeadProbe>['parse']>): NodeFacts['runtime'] {
  const dataset = datasetOf(runtime.redis, rdb);
  return dataset ? { ...runtime, dataset } : runtime;
}
