import { nodeImage } from './rig/image.js';
import { sweepRigs, TEST_RIG_PREFIX } from './rig/rig.js';

const isTestRig = (name: string) => name.startsWith(TEST_RIG_PREFIX);

/**
 * Builds the node image once (reused when unchanged); sweeps test rigs left behind, before and after:
 * those whose process is gone, so that a second test run on the machine keeps its own.
 */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  if (process.env.HSTS_SKIP_RIG === '1') return () => Promise.resolve();
  process.env.HSTS_NODE_IMAGE_TAG = nodeImage();
  await sweepRigs(isTestRig, true);
  return async () => {
    await sweepRigs(isTestRig, true).catch(() => 0);
  };
}
