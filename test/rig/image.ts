import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from here (test/rig/ in TS, dist/test/rig/ when compiled). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!dir.endsWith('/test/rig')) dir = dirname(dir);
  const root = resolve(dir, '..', '..');
  return root.endsWith('/dist') ? dirname(root) : root;
}

/** Builds the node image when absent (docker/build-image.sh) and returns its tag. */
export function nodeImage(): string {
  if (process.env.HSTS_NODE_IMAGE_TAG) return process.env.HSTS_NODE_IMAGE_TAG;
  const tag = execFileSync(resolve(repoRoot(), 'docker', 'build-image.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env.HSTS_NODE_IMAGE_TAG = tag;
  return tag;
}
