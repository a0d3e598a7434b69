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

export function newRecap(name: string): NodeRecap {
  return { name, status: 'ok', ok: 0, changed: 0, failed: 0, changes: [] };
}

export function totals(nodes: NodeRecap[]): RunResult['totals'] {
  return nodes.reduce((t, n) => ({ ok: t.ok + n.ok, changed: t.changed + n.changed, failed: t.failed + n.failed }), { ok: 0, changed: 0, failed: 0 });
}

/**
 * What a run set out to do: apply a playbook (a node restored after a failure still failed), or
 * restore nodes (the rollback command: a node restored is its success).
 */
export type RunGoal = 'apply' | 'restore';

const FAILED: Record<RunGoal, NodeStatus[]> = {
  apply: ['failed', 'rolled-back', 'unreachable'],
  restore: ['failed', 'unreachable'],
};

/** 3 when a restore failed, 1 when anything else went wrong, else 0. */
export function exitCodeFor(nodes: NodeRecap[], errors: string[], goal: RunGoal): number {
  if (nodes.some((n) => n.status === 'rollback-failed')) return EXIT.rollbackFailed;
  if (errors.length > 0 || nodes.some((n) => FAILED[goal].includes(n.status))) return EXIT.failed;
  return EXIT.ok;
}
