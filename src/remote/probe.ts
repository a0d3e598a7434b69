import type { CommandResult, RemoteCommand } from '../ssh/remote-script.js';

/**
 * A read-only question to a node with the parser of its answer beside it (pyinfra's facts:
 * `command()` and `process(output)` together). `parse` gets undefined when the batch ended before
 * the probe answered.
 */
export interface Probe<T> {
  command: RemoteCommand;
  parse(result: CommandResult | undefined): T;
}

/** Probes by name (an absent one is not asked); their answers come back under the same names. */
export type ProbeSet = Record<string, Probe<unknown> | undefined>;
type AnswerOf<X> = X extends Probe<infer T> ? T : undefined;
export type Answers<P extends ProbeSet> = { [K in keyof P]: AnswerOf<P[K]> };

const asked = (probes: ProbeSet) => Object.entries(probes).filter((entry): entry is [string, Probe<unknown>] => entry[1] !== undefined);

/** A probe that reads only the output (the exit code says nothing more). */
export function outputProbe<T>(command: RemoteCommand, parse: (output: string) => T): Probe<T> {
  return { command, parse: (result) => parse(result?.output ?? '') };
}

/** The commands of a set, in its order (the order `parseProbes` expects the results in). */
export function probeCommands(probes: ProbeSet): RemoteCommand[] {
  return asked(probes).map(([, probe]) => probe.command);
}

/** Each probe's answer under its name, from the results of `probeCommands(probes)`. */
export function parseProbes<P extends ProbeSet>(probes: P, results: CommandResult[]): Answers<P> {
  return Object.fromEntries(asked(probes).map(([name, probe], i) => [name, probe.parse(results[i])])) as Answers<P>;
}
