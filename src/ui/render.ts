import type { NodeRecap, RunResult } from '../runner/result.js';
import { redact } from '../util/secret.js';

const indent = (text: string, pad: string) => text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n');

/** `plan`: per node, every change with its diff and the commands it would run. */
export function renderPlan(result: RunResult): string {
  const out: string[] = [];
  if (result.membership) {
    out.push(`== membership: ${result.membership.length} change(s), in this order`);
    result.membership.forEach((line, i) => out.push(`  ${i + 1}. ${line}`));
  }
  for (const node of result.nodes) {
    const role = node.name === result.primary ? 'primary' : 'replica';
    out.push(`== ${node.name} (${role}): ${node.changes.length === 0 ? 'ok, nothing to change' : `${node.changes.length} change(s)`}`);
    for (const change of node.changes) {
      out.push(`  ~ [${change.step}] ${change.summary}`);
      if (change.diff) out.push(indent(change.diff, '      '));
      for (const command of change.commands ?? []) out.push(`      $ ${command}`);
    }
  }
  return redact(`${out.join('\n')}\n`);
}

function statusText(node: NodeRecap): string {
  return node.status.toUpperCase().replace('-', ' ');
}

/** Ansible's PLAY RECAP, then what went wrong where. */
export function renderRecap(result: RunResult): string {
  const width = Math.max(...result.nodes.map((n) => n.name.length), 4);
  const lines = ['', `RECAP ${result.command} (run ${result.run}, ${(result.durationMs / 1000).toFixed(1)} s)`];
  for (const node of result.nodes) {
    lines.push(`${node.name.padEnd(width)} : ok=${node.ok} changed=${node.changed} failed=${node.failed}  ${statusText(node)}`);
  }
  for (const node of result.nodes) if (node.error) lines.push(`${node.name}: ${node.error}`);
  for (const error of result.errors) if (!result.nodes.some((n) => n.error && error.startsWith(`${n.name}: `))) lines.push(error);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  if (result.journal) lines.push(`journal: ${result.journal}`);
  return redact(`${lines.join('\n')}\n`);
}

export function renderJson(result: unknown): string {
  return redact(`${JSON.stringify(result, null, 2)}\n`);
}
