import { HSTS } from '../hsts/paths.js';
import { RUN_ID, inStateDir } from '../remote/state-dir.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';
import type { RunList } from './node-state.js';

/** How many runs each node keeps by default (`--keep-runs`). */
export const DEFAULT_KEEP_RUNS = 10;

/** Runs that `rollback` may still need: never pruned, never removed after a rotation. */
const FINISHED = new Set(['done', 'rolled-back']);

/**
 * Which runs to remove from a node (pure): all but the newest `keep`, and of those only finished
 * ones (done, rolled back); a run still applying, whose rollback failed, or whose state is
 * unknown is kept, and so is the current run whatever its place.
 */
export function runsToPrune(runs: RunList, keep: number, current: string): string[] {
  const newestFirst = [...runs.keys()].sort().reverse();
  return newestFirst.slice(keep).filter((run) => run !== current && FINISHED.has(runs.get(run) ?? ''));
}

/**
 * After a successful rotation, the finished runs before it whose snapshot holds a Redis or
 * Sentinel file (with the old password in it). `holding` are the runs whose snapshot names one.
 */
export function runsWithOldPassword(runs: RunList, holding: Set<string>, current: string): string[] {
  return [...runs.keys()].filter((run) => run !== current && run < current && holding.has(run) && FINISHED.has(runs.get(run) ?? ''));
}

/** Removes these runs' directories (run ids only: nothing else is ever removed). */
export function removeRunsCommand(runs: string[]): RemoteCommand {
  for (const run of runs) if (!RUN_ID.test(run)) throw new Error(`internal: bad run id ${run}`);
  const dir = `${HSTS.stateDir}/runs`;
  return inStateDir({ label: `remove ${runs.length} old run(s) from ${dir}`, code: `cd ${shq(dir)} && rm -rf -- ${runs.map(shq).join(' ')}` });
}

/** The runs whose snapshot.json names the Redis or Sentinel file (their content, base64, holds the password). */
export function runsHoldingPasswordsCommand(): RemoteCommand {
  const dir = `${HSTS.stateDir}/runs`;
  const names = [HSTS.redisConf, HSTS.sentinelConf].map((p) => `-e ${shq(`"path":"${p}"`)}`).join(' ');
  return inStateDir({
    label: `list the runs in ${dir} whose snapshot holds a Redis or Sentinel file`,
    code: [
      `cd ${shq(dir)} || exit 1`,
      'for d in *; do',
      `  [[ $d =~ ${RUN_ID.source} ]] && [ -f "$d/snapshot.json" ] && [ ! -L "$d/snapshot.json" ] || continue`,
      `  grep -qF ${names} "$d/snapshot.json" && echo "$d"`,
      'done; true',
    ].join('\n'),
  }, 'read');
}
