/** What a plan keeps after planning: its own checks, and facts only where a snapshot will read them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRun } from '../../src/runner/engine/plan.js';
import { Run } from '../../src/runner/engine/run.js';
import { loadPlaybook } from '../../src/runner/playbook.js';
import { changeCount } from '../../src/runner/planner.js';
import { Progress } from '../../src/ui/progress.js';
import type { NodeFacts } from '../../src/steps/types.js';
import { allFresh, buildInventory, configuredCluster, rolesWith } from '../support/facts.js';
import { plan } from './plan-helpers.js';

const options = { waitTimeoutMs: 30_000 };

function planned(facts: (inventory: ReturnType<typeof buildInventory>) => Map<string, NodeFacts>) {
  const inventory = buildInventory();
  const gathered = facts(inventory);
  const run = new Run('up', inventory, { journalDir: mkdtempSync(join(tmpdir(), 'hsts-plan-')), progress: new Progress('plain'), log: () => {} });
  const plans = planRun(run, loadPlaybook('up'), rolesWith(inventory), gathered, options, 'apply');
  if (!plans) throw new Error(`planning failed: ${run.errors.join('; ')}`);
  return { plans, gathered };
}

describe('planRun: the plans take the gathered facts over', () => {
  const cases: [string, (inventory: ReturnType<typeof buildInventory>) => Map<string, NodeFacts>, boolean][] = [
    ['a converged cluster: nothing will change, no plan keeps facts', (i) => configuredCluster(i), false],
    ['fresh nodes: every node will change and keeps its facts for its snapshot', allFresh, true],
  ];
  it.each(cases)('%s', (_name, facts, kept) => {
    const { plans, gathered } = planned(facts);
    expect(gathered.size).toBe(0);
    for (const p of plans) {
      expect(changeCount(p) > 0).toBe(kept);
      expect(p.facts !== undefined).toBe(kept);
    }
  });
});

describe('planCluster: the readiness checks are decided with the plan', () => {
  it('every node gets the verify step\'s checks, and no other step has any', () => {
    const inventory = buildInventory();
    for (const p of plan({ inventory, facts: configuredCluster(inventory) })) {
      expect([...p.checks.keys()]).toEqual(['verify']);
      expect(p.checks.get('verify')!.map((c) => c.label).join('\n')).toMatch(/Sentinel/);
    }
  });
});

describe('planRun when applying: the recap takes the diffs over, held deflated', () => {
  it('every diff reads back as planning made it, and no planned change keeps one', () => {
    const run = (mode: 'apply' | 'plan') => {
      // 41 nodes: the firewall's diffs, which list every node, are long enough to be deflated.
      const five = buildInventory({ nodes: 5 });
      const inventory = { ...five, nodes: Array.from({ length: 41 }, (_, i) => ({ ...five.nodes[i % 5]!, name: `node${i + 1}`, privateIp: `192.0.2.${11 + i}`, role: i === 0 ? 'primary' as const : 'replica' as const })) };
      const r = new Run('up', inventory, { journalDir: mkdtempSync(join(tmpdir(), 'hsts-plan-')), progress: new Progress('plain'), log: () => {} });
      const plans = planRun(r, loadPlaybook('up'), rolesWith(inventory), allFresh(inventory), options, mode)!;
      // Fresh Sentinels get random ids: the only difference between two plans of the same facts.
      const json = JSON.stringify([...r.recaps.values()]).replace(/\b[0-9a-f]{40}\b/g, 'ID');
      return { plans, json, recaps: [...r.recaps.values()] };
    };
    const applied = run('apply');
    const shown = run('plan');
    expect(applied.json).toBe(shown.json.replace(/"status":"would-change","ok":\d+,"changed":\d+/g, '"status":"ok","ok":0,"changed":0'));
    const diffs = applied.recaps.flatMap((r) => r.changes.map((c) => c.diff)).filter((d) => d !== undefined);
    expect(diffs.length).toBeGreaterThan(10);
    expect(diffs.some((d) => d.length >= 1024)).toBe(true);
    for (const p of applied.plans) for (const c of [...p.changes.values()].flat()) expect(c.diff).toBeUndefined();
  });
});
