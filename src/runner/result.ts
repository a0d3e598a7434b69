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

export function exitCodeFor(nodes: NodeRecap[], errors: string[]): number {
  if (nodes.some((n) => n.status === 'rollback-failed')) return EXIT.rollbackFailed;
  if (errors.length > 0 || nodes.some((n) => ['failed', 'rolled-back', 'unreachable'].includes(n.status))) return EXIT.failed;
  return EXIT.ok;
}
