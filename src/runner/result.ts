import { defineRead, packedText } from '../util/packed.js';
import { EXIT } from '../util/errors.js';

export type NodeStatus =
  | 'ok' | 'changed' | 'would-change' | 'failed' | 'rolled-back' | 'rollback-failed' | 'unreachable' | 'not-started';

export interface NodeRecap {
  name: string;
  status: NodeStatus;
  /** Steps with nothing to do, steps that changed something, steps that failed. */
  ok: number;
  changed: number;
  failed: number;
  /** Why it failed, or what is left after a failed rollback. */
  error?: string;
  changes: { step: string; summary: string; diff?: string; commands?: string[] }[];
}

export interface RunResult {
  run: string;
  command: string;
  exitCode: number;
  primary?: string;
  /** A membership change's ordered steps (grow, shrink, replace), when the run makes one. */
  membership?: string[];
  nodes: NodeRecap[];
  totals: { ok: number; changed: number; failed: number };
  warnings: string[];
  errors: string[];
  journal?: string;
  durationMs: number;
}

/** A change as the recap reports it. */
export type RecapChange = NodeRecap['changes'][number];

/**
 * Sets a change's diff, held deflated when long (util/packed.ts). up keeps every change's diff from
 * the plan to the end of the run for `--json` and `--diff`, and at hundreds of nodes every file lists
 * every node: 47 MB of diffs at 501 simulated nodes, where deflated they are about 20x smaller.
 * `diff` reads as a plain string property (JSON.stringify, renderPlan, tests).
 */
export function setDiff(change: RecapChange, diff: string): void {
  defineRead(change, 'diff', packedText(diff));
}

export function newRecap(name: string): NodeRecap {
  return { name, status: 'ok', ok: 0, changed: 0, failed: 0, changes: [] };
}

export function totals(nodes: NodeRecap[]): RunResult['totals'] {
  return nodes.reduce((t, n) => ({ ok: t.ok + n.ok, changed: t.changed + n.changed, failed: t.failed + n.failed }), { ok: 0, changed: 0, failed: 0 });
}

/**
 * What a run set out to do: apply a playbook (a node rolled back after a failure still failed), or
 * roll nodes back (the rollback command: a node rolled back is its success).
 */
export type RunGoal = 'apply' | 'rollback';

const FAILED: Record<RunGoal, NodeStatus[]> = {
  apply: ['failed', 'rolled-back', 'unreachable'],
  rollback: ['failed', 'unreachable'],
};

/** 3 when a rollback failed, 1 when anything else went wrong, else 0. */
export function exitCodeFor(nodes: NodeRecap[], errors: string[], goal: RunGoal): number {
  if (nodes.some((n) => n.status === 'rollback-failed')) return EXIT.rollbackFailed;
  if (errors.length > 0 || nodes.some((n) => FAILED[goal].includes(n.status))) return EXIT.failed;
  return EXIT.ok;
}
