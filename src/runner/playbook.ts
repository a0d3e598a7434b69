import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { STEPS } from '../steps/registry.js';
import type { Step } from '../steps/types.js';
import { UsageError } from '../util/errors.js';
import { jsonPath } from '../inventory/load.js';
import { BUNDLED_PLAYBOOKS } from './bundled-playbooks.js';

const playbookSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  phases: z.array(z.strictObject({
    step: z.string().refine((id) => id in STEPS, { message: `must be one of: ${Object.keys(STEPS).join(', ')}` }),
    order: z.enum(['parallel', 'primary-first']).default('parallel'),
  })).min(1),
});

export interface Phase {
  step: Step;
  /** "primary-first": the primary alone, then the other nodes in parallel. */
  order: 'parallel' | 'primary-first';
}

export interface Playbook {
  name: string;
  phases: Phase[];
}

/** playbooks/ beside dist/ or src/. */
export function playbookDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(resolve(dir, 'playbooks')); i++) dir = dirname(dir);
  return resolve(dir, 'playbooks');
}

export function loadPlaybook(name: string): Playbook {
  const bundled = Object.hasOwn(BUNDLED_PLAYBOOKS, name) ? BUNDLED_PLAYBOOKS[name] : undefined;
  const path = bundled === undefined ? resolve(playbookDir(), `${name}.json`) : `playbooks/${name}.json`;
  if (bundled === undefined && !existsSync(path)) throw new UsageError([`playbook ${path} does not exist`]);
  let raw: unknown;
  try {
    raw = JSON.parse(bundled ?? readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError([`${path}: not valid JSON: ${(e as Error).message}`]);
  }
  const parsed = playbookSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${path}: ${jsonPath(i.path)}: ${i.message}`));
  return {
    name: parsed.data.name,
    phases: parsed.data.phases.map((p) => ({ step: STEPS[p.step]!, order: p.order })),
  };
}
