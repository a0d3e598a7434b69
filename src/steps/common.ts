import { writeFileCommand, type FileSpec } from '../remote/files.js';
import { unifiedDiff } from '../util/diff.js';
import type { Change, FileFact, PlanContext } from './types.js';

// Remote file commands live in remote/files.ts; re-exported for the callers that import them here.
export { removeFileCommand, writeFileCommand, type FileSpec } from '../remote/files.js';

export function fileFact(ctx: PlanContext, path: string): FileFact {
  const fact = ctx.facts.files.get(path);
  if (!fact) throw new Error(`internal: no fact gathered for ${path}`);
  return fact;
}

/**
 * A pre-flight problem for each file the probes refused to read (remote/safe-files.ts): a run must
 * not plan from a file it could not see, nor replace what an untrusted account put there.
 */
export function refusedFiles(facts: { files: Map<string, FileFact> }): string[] {
  return [...facts.files.values()].filter((f) => f.refused).map((f) =>
    `refused ${f.path}: ${f.refused} (root reads only a regular file with one link there: put the file back as one, or remove it)`);
}

export function fileText(fact: FileFact): string | null {
  return fact.content === null ? null : fact.content.toString('utf8');
}

/**
 * The mode for a file that holds the Redis password: its own, less any access for others. Redis and
 * Sentinel make the files they rewrite 0644 & ~umask; a fresh file gets 640.
 */
export function privateMode(fact: FileFact): string {
  return fact.mode ? (parseInt(fact.mode, 8) & ~0o007).toString(8) : '640';
}

/**
 * The change that makes a file hold `desired` with this owner and mode, or null when it does.
 * `mask` hides secrets in the diff; sensitive files get no diff at all.
 */
export function fileChange(
  step: string,
  fact: FileFact,
  spec: FileSpec,
  options: { summary: string; mask?: (text: string) => string; sensitive?: boolean; restarts?: Change['restarts'] },
): Change | null {
  const desired = typeof spec.content === 'string' ? Buffer.from(spec.content) : spec.content;
  const sameContent = fact.content !== null && fact.content.equals(desired);
  const sameMeta = fact.owner === spec.owner && fact.group === spec.group && fact.mode === spec.mode;
  if (sameContent && sameMeta) return null;
  const mask = options.mask ?? ((t: string) => t);
  const notes: string[] = [];
  if (fact.content !== null && !sameMeta) {
    notes.push(`# ${spec.path}: ${fact.owner}:${fact.group} ${fact.mode} -> ${spec.owner}:${spec.group} ${spec.mode}\n`);
  }
  let diff = '';
  if (!sameContent) {
    diff = options.sensitive
      ? `# ${spec.path}: ${fact.content === null ? 'created' : 'replaced'} (secret content not shown)\n`
      : unifiedDiff(fact.content === null ? null : mask(fact.content.toString('utf8')), mask(desired.toString('utf8')), spec.path);
  }
  const change: Change = {
    step,
    summary: sameContent ? `${options.summary} (owner and mode only)` : options.summary,
    diff: notes.join('') + diff,
    commands: [writeFileCommand(spec)],
    touches: [{ kind: 'file', path: spec.path }],
  };
  // A daemon keeps what it read at start: a new owner or mode alone needs no restart.
  if (options.restarts && !sameContent) change.restarts = options.restarts;
  return change;
}
