import { mixedVersionWarning, replicaVersionProblems } from '../../hsts/redis-version.js';
import { RolesError, resolveRoles } from '../../hsts/roles.js';
import type { NodeFacts, PlanOptions, Roles } from '../../steps/types.js';
import { changeCount, planCluster, type NodePlan } from '../planner.js';
import type { Playbook } from '../playbook.js';
import { setDiff, type RecapChange } from '../result.js';
import type { Run } from './run.js';

/** Roles: which node is the primary. Null when the facts allow no answer: the run stops, nothing changed. */
export function decideRoles(run: Run, facts: Map<string, NodeFacts>): Roles | null {
  let roles: Roles;
  try {
    roles = resolveRoles(run.inventory, facts);
  } catch (e) {
    if (!(e instanceof RolesError)) throw e;
    run.errors.push(`pre-flight failed: ${e.message}; nothing was changed`);
    return null;
  }
  const versions = replicaVersionProblems(
    { name: roles.primary.name, version: facts.get(roles.primary.name)?.runtime.redisVersion },
    run.inventory.nodes.filter((n) => n !== roles.primary).map((n) => ({ name: n.name, version: facts.get(n.name)?.runtime.redisVersion })),
  );
  if (versions.length > 0) {
    for (const problem of versions) run.errors.push(`pre-flight failed: ${problem}`);
    run.errors.push('pre-flight failed; nothing was changed');
    run.emit({ event: 'preflight-failed', problems: versions });
    return null;
  }
  const mixed = mixedVersionWarning(run.inventory.nodes.map((n) => ({ name: n.name, version: facts.get(n.name)?.runtime.redisVersion })));
  if (mixed) roles.warnings.push(mixed);
  run.primary = roles.primary.name;
  run.warnings.push(...roles.warnings);
  for (const w of roles.warnings) run.io.log(`warning: ${w}`);
  run.emit({ event: 'roles', primary: roles.primary.name, reason: roles.reason });
  return roles;
}

/**
 * Plan: every step's checks and changes on every node, recorded in the recaps. A check's problem
 * on any node stops the run before any change anywhere (null).
 *
 * The plans take the gathered facts over: `facts` is emptied and only a node that will change keeps
 * its own (its snapshot reads them). Every node's files list every node, so at hundreds of nodes the
 * facts are the run's largest data: held to the end, they were most of a no-op's peak memory.
 */
export function planRun(
  run: Run, playbook: Playbook, roles: Roles, facts: Map<string, NodeFacts>, options: PlanOptions, mode: 'apply' | 'plan',
): NodePlan[] | null {
  const plans = planCluster(run.inventory, playbook.phases, roles, facts, options);
  const problems = plans.flatMap((p) => p.problems.map((problem) => `${p.node.name}: ${problem}`));
  if (problems.length > 0) {
    for (const p of plans) {
      if (p.problems.length > 0) run.nodeFailed(p.node.name, p.problems.join('; '));
    }
    run.errors.push(...problems, 'pre-flight failed; nothing was changed');
    run.emit({ event: 'preflight-failed', problems });
    return null;
  }
  for (const p of plans) {
    recordPlan(run, p, mode === 'plan');
    if (changeCount(p) === 0) p.facts = undefined;
  }
  facts.clear();
  return plans;
}

/**
 * The planned changes in the recap; for `plan`, also the step counts and whether the node would
 * change. When applying, the recap takes each diff over (held deflated, see setDiff): applying
 * reads a change's commands only, and the diffs would otherwise be held twice until their step ran.
 */
function recordPlan(run: Run, plan: NodePlan, asPlan: boolean): void {
  const recap = run.recap(plan.node.name);
  for (const changes of plan.changes.values()) {
    for (const change of changes) {
      const entry: RecapChange = { step: change.step, summary: change.summary, commands: change.commands.map((c) => c.label) };
      if (change.diff && asPlan) entry.diff = change.diff;
      else if (change.diff) {
        setDiff(entry, change.diff);
        change.diff = undefined; // not `delete`: that would make each change a slow dictionary object
      }
      recap.changes.push(entry);
    }
  }
  if (asPlan) {
    const stepsWithChanges = [...plan.changes.values()].filter((c) => c.length > 0).length;
    run.nodePlanned(plan.node.name, { changed: stepsWithChanges, ok: plan.changes.size - stepsWithChanges });
  }
}
