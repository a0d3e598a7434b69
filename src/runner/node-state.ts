import { z } from 'zod';
import { HSTS } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { runDir, serializeSnapshot, type Snapshot } from './snapshot.js';
import { RUN_ID, inStateDir } from '../remote/state-dir.js';

/**
 * hsts-cluster's own records on a node, under a root-only directory: the run lock, and per run
 * the snapshot and the run's state (applying, done, rolled-back, rollback-failed).
 */
export const LOCK = HSTS.lockDir;

export interface LockHolder {
  run: string;
  command: string;
  user: string;
  host: string;
  pid: number;
  since: string;
}

const holderSchema = z.object({
  run: z.string().regex(RUN_ID),
  command: z.string().regex(/^[a-z][a-z-]{0,40}$/),
  user: z.string().max(64),
  host: z.string().max(255),
  pid: z.number().int().nonnegative(),
  since: z.string().max(40),
}).strict();

/** A lock's holder.json as read back from a node: a LockHolder, or null when it is not one. */
export function parseHolder(json: string): LockHolder | null {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Bounded and printable: what a node says is shown, never trusted. */
const shown = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);

export function describeHolder(json: string): string {
  if (!json.trim()) return 'an unknown holder (the lock names no run: one died while taking it; --break-lock if none is running)';
  const h = parseHolder(json);
  if (!h) return `an unknown holder (its holder.json is not one hsts-cluster wrote: ${shown(json.trim())}; --break-lock if none is running)`;
  return `run ${h.run} (${h.command}) by ${h.user}@${h.host} pid ${h.pid} since ${h.since}`;
}

/**
 * mkdir is atomic: exactly one of two concurrent runs creates the lock directory. The winner then
 * names itself (holder.json, renamed into place whole); a loser that comes in between waits for
 * that name, bounded, so that it can say who holds the lock.
 */
export function acquireLockCommand(holder: LockHolder, breakLock: boolean): RemoteCommand {
  const json = JSON.stringify(holder);
  return {
    label: `take the run lock ${LOCK}${breakLock ? ' (breaking a stale one)' : ''}`,
    code: inStateDir({ label: '', code: [
      breakLock ? `rm -rf ${LOCK}` : ':',
      // Twice: a lock that went away while we waited for its holder's name was a run that ended.
      'for _attempt in 1 2; do',
      `  if mkdir -m 0700 ${LOCK} 2>/dev/null; then`,
      `    cat "$IN/holder" > ${LOCK}/holder.json.tmp && mv -f ${LOCK}/holder.json.tmp ${LOCK}/holder.json && echo acquired && exit 0`,
      `    rm -rf ${LOCK}; echo "could not write ${LOCK}/holder.json"; exit 1`,
      '  fi',
      `  for _ in $(seq 1 100); do [ -s ${LOCK}/holder.json ] || [ ! -d ${LOCK} ] && break; sleep 0.1; done`,
      `  [ -s ${LOCK}/holder.json ] && break`,
      'done',
      `echo "held by: $(head -c 4096 ${LOCK}/holder.json 2>/dev/null)"; exit 1`,
    ].join('\n') }).code,
    inputs: { holder: json },
  };
}

/** Releases the lock only if this run holds it. */
export function releaseLockCommand(run: string): RemoteCommand {
  return {
    label: `release the run lock ${LOCK}`,
    code: inStateDir({ label: '', code: `grep -qF ${shq(`"run":"${run}"`)} ${LOCK}/holder.json 2>/dev/null && rm -rf ${LOCK}; true` }, 'read').code,
  };
}

/** The run's directory, made (root only) if missing: the snapshot batch's first command. */
export function makeRunDirCommand(run: string): RemoteCommand {
  const dir = runDir(run);
  return inStateDir({ label: `mkdir -p ${dir}`, code: `[ -d ${shq(dir)} ] && [ ! -L ${shq(dir)} ] || mkdir -m 0700 -- ${shq(dir)}` });
}

export function saveSnapshotCommand(snapshot: Snapshot): RemoteCommand {
  const dir = runDir(snapshot.run);
  return inStateDir({
    label: `save the snapshot in ${dir}`,
    code: `{ [ -d ${shq(dir)} ] && [ ! -L ${shq(dir)} ] || mkdir -m 0700 -- ${shq(dir)}; } && install -m 0600 "$IN/snapshot" ${shq(`${dir}/snapshot.json`)} && echo applying > ${shq(`${dir}/state`)}`,
    inputs: { snapshot: serializeSnapshot(snapshot) },
  });
}

export const RUN_STATES = ['applying', 'done', 'rolled-back', 'rollback-failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

export function setRunStateCommand(run: string, state: RunState): RemoteCommand {
  const file = `${runDir(run)}/state`;
  return inStateDir({ label: `mark run ${run} ${state}`, code: `[ -d ${shq(runDir(run))} ] && [ ! -L ${shq(runDir(run))} ] && echo ${state} > ${shq(file)}; true` });
}

/**
 * Runs on this node: "RUN STATE" lines, in no particular order (parseRunList sorts them). A name
 * that is not a run id, or a run directory that is a symlink, is left out; a state that is not
 * one of RUN_STATES reads as "unknown".
 */
export function listRunsCommand(): RemoteCommand {
  const runs = `${HSTS.stateDir}/runs`;
  return inStateDir({
    label: `list runs in ${runs}`,
    code: [
      `cd ${shq(runs)} || exit 1`,
      'for d in *; do',
      `  [[ $d =~ ${RUN_ID.source} ]] && [ -d "$d" ] && [ ! -L "$d" ] || continue`,
      '  s=unknown; [ -f "$d/state" ] && [ ! -L "$d/state" ] && read -r -n 32 s < "$d/state"',
      '  echo "$d ${s:-unknown}"',
      'done',
    ].join('\n'),
  });
}

export type RunList = Map<string, RunState | 'unknown'>;

/** listRunsCommand's answer, checked: run ids and states only, newest first. */
export function parseRunList(output: string): RunList {
  const runs: [string, RunState | 'unknown'][] = [];
  for (const line of output.split('\n')) {
    const [run = '', state = '', ...rest] = line.trim().split(' ');
    if (!RUN_ID.test(run) || rest.length > 0) continue;
    runs.push([run, (RUN_STATES as readonly string[]).includes(state) ? state as RunState : 'unknown']);
  }
  return new Map(runs.sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)));
}

/** The largest snapshot.json read back (a snapshot holds a few small files inline). */
export const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

/** Only the check of the state directory (a rollback's first batch: it reads the run's copies there). */
export function stateCheckCommand(): RemoteCommand {
  return inStateDir({ label: `check ${HSTS.stateDir}`, code: ':' }, 'read');
}

/** The lock's holder.json, if there is one (bounded: it is data from the node). */
export function readHolderCommand(): RemoteCommand {
  const file = `${LOCK}/holder.json`;
  return inStateDir({ label: `read ${file}`, code: `[ -f ${file} ] && [ ! -L ${file} ] && head -c 4096 ${file}; true` }, 'read');
}

export function readSnapshotCommand(run: string): RemoteCommand {
  if (!RUN_ID.test(run)) throw new Error(`internal: bad run id ${run}`);
  const file = shq(`${runDir(run)}/snapshot.json`);
  return inStateDir({
    label: `read the snapshot of run ${run}`,
    code: [
      `[ -f ${file} ] && [ ! -L ${file} ] || { echo "no snapshot.json for run ${run}"; exit 1; }`,
      `[ "$(stat -c %s ${file})" -le ${MAX_SNAPSHOT_BYTES} ] || { echo "snapshot.json of run ${run} is larger than ${MAX_SNAPSHOT_BYTES} bytes"; exit 1; }`,
      `cat ${file}`,
    ].join('\n'),
  });
}

/** The tag of a run's remote processes while it applies changes. */
export function applyTag(run: string): string {
  return `hsts-cluster:${run}:apply`;
}

/**
 * Stops what a run left running on a node (a command whose SSH connection was cut, say), with its
 * whole process group, and waits until every process of those groups is gone, the untagged
 * children too: one of them may still be finishing a write, which must not land after the rollback.
 */
export function stopStrayCommand(run: string): RemoteCommand {
  // "appl[y]" matches the run's processes but not this script, whose own text holds the pattern.
  const tag = applyTag(run).replace(/y$/, '[y]');
  return {
    label: `stop processes left by run ${run}`,
    code: [
      // Root's processes only: any account can put the tag in its own command line.
      `pids=$(pgrep -u 0 -f -- ${shq(tag)} || true)`,
      '[ -z "$pids" ] && exit 0',
      'groups=$(for p in $pids; do ps -o pgid= -p "$p"; done | tr -d " " | sort -u | paste -sd, -)',
      '[ -z "$groups" ] && exit 0',
      'signal() { for g in ${groups//,/ }; do kill "-$1" -- "-$g" 2>/dev/null; done; }',
      'gone() { for i in $(seq 1 "$1"); do pgrep -g "$groups" >/dev/null || return 0; sleep 0.1; done; return 1; }',
      'signal TERM; gone 50 && exit 0',
      'signal KILL; gone 20 && exit 0',
      'echo "still running: $(pgrep -a -g "$groups")"; exit 1',
    ].join('\n'),
  };
}
