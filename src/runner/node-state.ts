import { HSTS } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { runDir, serializeSnapshot, type Snapshot } from './snapshot.js';

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

export function describeHolder(json: string): string {
  try {
    const h = JSON.parse(json) as LockHolder;
    return `run ${h.run} (${h.command}) by ${h.user}@${h.host} pid ${h.pid} since ${h.since}`;
  } catch {
    return json || 'an unknown holder (the lock names no run: one died while taking it; --break-lock if none is running)';
  }
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
    code: [
      `install -d -m 0700 ${HSTS.stateDir} ${HSTS.stateDir}/runs`,
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
      `echo "held by: $(cat ${LOCK}/holder.json 2>/dev/null)"; exit 1`,
    ].join('\n'),
    inputs: { holder: json },
  };
}

/** Releases the lock only if this run holds it. */
export function releaseLockCommand(run: string): RemoteCommand {
  return {
    label: `release the run lock ${LOCK}`,
    code: `grep -qF ${shq(`"run":"${run}"`)} ${LOCK}/holder.json 2>/dev/null && rm -rf ${LOCK}; true`,
  };
}

export function saveSnapshotCommand(snapshot: Snapshot): RemoteCommand {
  const dir = runDir(snapshot.run);
  return {
    label: `save the snapshot in ${dir}`,
    code: `install -d -m 0700 ${shq(dir)} && install -m 0600 "$IN/snapshot" ${shq(`${dir}/snapshot.json`)} && echo applying > ${shq(`${dir}/state`)}`,
    inputs: { snapshot: serializeSnapshot(snapshot) },
  };
}

export type RunState = 'applying' | 'done' | 'rolled-back' | 'rollback-failed';

export function setRunStateCommand(run: string, state: RunState): RemoteCommand {
  const file = `${runDir(run)}/state`;
  return { label: `mark run ${run} ${state}`, code: `[ -d ${shq(runDir(run))} ] && echo ${state} > ${shq(file)}; true` };
}

/** Runs on this node, newest first: "RUN STATE" lines. */
export function listRunsCommand(): RemoteCommand {
  return {
    label: `list runs in ${HSTS.stateDir}/runs`,
    code: `for d in $(ls -1 ${HSTS.stateDir}/runs 2>/dev/null | sort -r); do echo "$d $(cat ${HSTS.stateDir}/runs/$d/state 2>/dev/null || echo unknown)"; done`,
  };
}

export function readSnapshotCommand(run: string): RemoteCommand {
  return { label: `read the snapshot of run ${run}`, code: `cat ${shq(`${runDir(run)}/snapshot.json`)}` };
}

/** The tag of a run's remote processes while it applies changes. */
export function applyTag(run: string): string {
  return `hsts-cluster:${run}:apply`;
}

/**
 * Stops what a run left running on a node (a command whose SSH connection was cut, say), with its
 * whole process group, and waits until every process of those groups is gone, the untagged
 * children too: one of them may still be finishing a write, which must not land after the restore.
 */
export function stopStrayCommand(run: string): RemoteCommand {
  // "appl[y]" matches the run's processes but not this script, whose own text holds the pattern.
  const tag = applyTag(run).replace(/y$/, '[y]');
  return {
    label: `stop processes left by run ${run}`,
    code: [
      `pids=$(pgrep -f -- ${shq(tag)} || true)`,
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
