import type { ClusterNode } from '../../inventory/load.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { Run } from './run.js';

/** One remote command on one node of the run: did it exit 0, and what it printed (or why it could not run). */
export async function runOne(run: Run, node: ClusterNode, command: RemoteCommand, timeoutMs?: number): Promise<{ ok: boolean; output: string }> {
  const r = await run.session(node.name).run([command], 'run-all', timeoutMs).catch((e: Error) => ({ results: [], failure: { output: e.message } }));
  const result = r.results[0];
  return { ok: result?.exitCode === 0, output: result?.output ?? r.failure?.output ?? '' };
}
