/**
 * Leaving nodes ("state": "absent"): reached over SSH with their usual settings, the primary moved
 * off them by the planned switchover, then every HSTS unit stopped and disabled, before `up`
 * converges the present nodes without them (their db_host, firewall and Sentinel state, as for a
 * node deleted from the inventory). Their files stay; with every unit disabled nothing starts
 * their Redis again, on a reboot neither.
 */
import { STOP_ORDER } from '../../hsts/paths.js';
import { parsePrimaryAddr, parseReplication } from '../../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { asredis, redisOf, sentinelOf } from '../../remote/redis-cli.js';
import { parseUnitShow, showUnits, systemctl } from '../../remote/systemctl.js';
import { describeFailure } from '../engine/failure.js';
import { lockEveryNode } from '../engine/lock.js';
import { runOne } from '../engine/run-one.js';
import type { Run } from '../engine/run.js';
import { describeLeaving, planLeaving, type LeavingChange, type LeavingFacts } from './leave-plan.js';
import { newRecap } from '../result.js';
import type { RunOptions } from '../run.js';
import { openSessions, programsRefusal } from '../sessions.js';
import { Switchover } from '../switchover/procedure.js';

/** What the leaving phase left for the rest of `up`: false stops the run. */
export interface LeavingOutcome {
  proceed: boolean;
  /** Plan mode with the primary leaving: the present nodes' roles are known only after the switchover. */
  primaryPending: boolean;
}

/** Connects the leaving nodes, decides, and (apply) switches over and stops them; no-op without any. */
export async function leaveFirst(run: Run, options: RunOptions, tag: string): Promise<LeavingOutcome> {
  const leaving = run.inventory.leaving ?? [];
  if (leaving.length === 0) return { proceed: true, primaryPending: false };
  // The present nodes' programs are checked in their facts, which come after this phase asks their
  // Sentinels (asredis, as root): check them first here.
  const refused = (await Promise.all(run.inventory.nodes.map(async (node) => {
    const why = await programsRefusal(run.session(node.name));
    return why ? `${node.name}: ${why}` : null;
  }))).filter((r): r is string => r !== null);
  if (refused.length > 0) {
    run.errors.push(...refused, 'pre-flight failed; nothing was changed');
    run.emit({ event: 'preflight-failed', problems: refused });
    return { proceed: false, primaryPending: false };
  }
  for (const node of leaving) run.recaps.set(node.name, newRecap(node.name));
  const { sessions, failures } = await openSessions({ ...run.inventory, nodes: leaving }, {
    policy: options.hostKeys, forks: options.forks, onNewHostKey: (message) => { run.warnings.push(message); run.io.log(message); },
  });
  for (const [name, session] of sessions) {
    session.tag = tag;
    run.sessions.set(name, session);
  }
  const reached = leaving.filter((n) => sessions.has(n.name));
  const whole = wholeCluster(run, { ...run.inventory, nodes: [...run.inventory.nodes, ...reached] });
  if (options.mode === 'apply' && !await lockEveryNode(whole, options.breakLock)) return { proceed: false, primaryPending: false };

  const facts = await Promise.all(leaving.map((node) => leavingFacts(run, node, sessions.has(node.name))));
  const takeover = run.inventory.nodes.find((n) => n.role === 'primary')!;
  const plan = planLeaving(facts, await currentPrimaryIp(run, leaving.filter((n) => sessions.has(n.name))), takeover.name);
  if (plan.refusal) {
    run.errors.push(`membership: ${plan.refusal}`, 'pre-flight failed; nothing was changed');
    run.emit({ event: 'preflight-failed', problems: [plan.refusal] });
    return { proceed: false, primaryPending: false };
  }
  for (const [name, message] of failures) run.warnings.push(`${name} is absent and could not be reached over SSH (${message}); it is detached over the Redis protocol only`);
  const lines = plan.changes.filter((c) => c.kind !== 'absent').map(describeLeaving);
  if (lines.length > 0) run.membership = lines;
  for (const c of plan.changes) {
    if (c.kind === 'absent' || c.kind === 'unreachable') run.nodeOk(c.node);
    if (c.kind === 'absent') run.io.log(describeLeaving(c));
  }
  const primaryPending = plan.changes.some((c) => c.kind === 'switchover');
  if (options.mode === 'plan') {
    if (primaryPending) run.warnings.push(`the changes to the present nodes are planned once the primary has left: after up's switchover to ${takeover.name}, plan shows them`);
    return { proceed: !primaryPending, primaryPending };
  }
  for (const change of plan.changes) {
    if (options.abort.aborted) {
      run.errors.push(`interrupted (Ctrl-C) before ${describeLeaving(change)}: the leaving nodes done so far are detached, the rest untouched; run up again to finish`);
      return { proceed: false, primaryPending: false };
    }
    if (!await apply(run, whole, options, change)) return { proceed: false, primaryPending: false };
  }
  return { proceed: true, primaryPending: false };
}

/**
 * The run seen with every node, the leaving ones too, for the switchover and the lock: the same
 * sessions, recaps, errors, journal and locks (a shallow copy shares them), another node list.
 */
function wholeCluster(run: Run, inventory: Inventory): Run {
  return Object.assign(Object.create(Object.getPrototypeOf(run) as object) as Run, run, { inventory });
}

async function leavingFacts(run: Run, node: ClusterNode, reachable: boolean): Promise<LeavingFacts> {
  if (!reachable) return { name: node.name, ip: node.privateIp, reachable, units: new Map() };
  const shown = await runOne(run, node, showUnits(STOP_ORDER));
  if (!shown.ok) throw new Error(`${node.name}: systemctl show: ${shown.output.trim()}`);
  return { name: node.name, ip: node.privateIp, reachable, units: parseUnitShow(shown.output) };
}

/**
 * The primary the present nodes' Sentinels name (the first that answers). When none answers, a
 * reachable leaving node whose Redis runs as a primary with replicas is the primary: stopping it
 * without a switchover would take the cluster's data away. null on a fresh cluster.
 */
async function currentPrimaryIp(run: Run, reachableLeaving: ClusterNode[]): Promise<string | null> {
  const { cluster } = run.inventory;
  for (const node of run.inventory.nodes) {
    const r = await runOne(run, node, asredis(sentinelOf(cluster, node), ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', cluster.primarySet]));
    const addr = r.ok ? parsePrimaryAddr(r.output) : null;
    if (addr) return addr.ip;
  }
  for (const node of reachableLeaving) {
    const info = parseReplication((await runOne(run, node, asredis(redisOf(cluster, node), ['INFO', 'replication']))).output);
    if (info?.role === 'master' && info.replicas.length > 0) return node.privateIp;
  }
  return null;
}

async function apply(run: Run, whole: Run, options: RunOptions, change: LeavingChange): Promise<boolean> {
  if (change.kind === 'switchover') {
    const errorsBefore = run.errors.length;
    const switchover = new Switchover(whole, { ...options, mode: 'apply', to: change.to });
    await switchover.execute();
    if (whole.primary !== change.to || run.errors.length > errorsBefore) {
      run.errors.push(`the switchover from ${change.node} to ${change.to} did not complete; ${change.node} stays primary and nothing was removed`);
      return false;
    }
    run.io.log(`switchover: ${change.to} is the primary (write pause ${switchover.report.windowMs ?? '?'} ms)`);
    return true;
  }
  if (change.kind !== 'stop-disable') return true;
  const outcomes = await run.phase(`Leave the cluster (${change.node})`, [{
    node: change.node,
    run: async () => {
      const commands = [...change.stop.map((u) => systemctl('stop', u)), ...change.disable.map((u) => systemctl('disable', u))];
      const result = await run.session(change.node).run(commands, 'stop-on-error', options.commandTimeoutMs);
      if (result.failure) throw new Error(`leave: ${describeFailure(result.failure)}`);
      return { status: 'changed', detail: describeLeaving(change) };
    },
  }]);
  if (run.failNodes(outcomes, 'step')) return false;
  run.nodeChanged(change.node, 'one-more');
  run.recap(change.node).changes.push({ step: 'leave', summary: describeLeaving(change) });
  return true;
}
