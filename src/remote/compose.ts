import type { RemoteCommand } from '../ssh/remote-script.js';

/** Both commands' inputs; one name may appear in both only with the same value (the same password). */
function mergeInputs(a: RemoteCommand, b: RemoteCommand): RemoteCommand['inputs'] {
  const merged = { ...a.inputs };
  for (const [name, value] of Object.entries(b.inputs ?? {})) {
    if (name in merged && merged[name] !== value) throw new Error(`internal: input ${name} differs between "${a.label}" and "${b.label}"`);
    merged[name] = value;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/**
 * `then`, once `first` succeeded (its output dropped; its failure is the command's). Labelled as
 * `then`: `first` is the precondition, e.g. set a setting back once the replicas are online.
 */
export function onceSucceeded(first: RemoteCommand, then: RemoteCommand): RemoteCommand {
  const inputs = mergeInputs(first, then);
  return { label: then.label, code: `{\n${first.code}\n} >/dev/null || exit 1\n${then.code}`, ...(inputs ? { inputs } : {}) };
}
