/**
 * The farm's view of a batch (src/ssh/remote-script.ts renderBatch): the command line is
 * `timeout -k 5 S [sudo ...] bash -c 'SCRIPT' TAG`; the script defines one function per command,
 * `cN() {`, its code, `}`, then runs them in one of three modes. The farm needs the code of each
 * command (to look its answer up) and the mode (to stop after a failure or not), and answers with
 * the same framed lines the script would print.
 */
import { frameResult, parseFrames as parseBatchFrames } from '../../src/ssh/remote-script.js';

export type Mode = 'stop-on-error' | 'run-all' | 'parallel';
export interface ParsedBatch { codes: string[]; mode: Mode }

/** Undoes shq(): a single-quoted word in which ' is written '\''. */
function unquoteFirst(text: string): { value: string; rest: string } | null {
  if (!text.startsWith("'")) return null;
  let value = '';
  let i = 1;
  for (;;) {
    const end = text.indexOf("'", i);
    if (end < 0) return null;
    value += text.slice(i, end);
    if (text.startsWith("\\''", end + 1)) { value += "'"; i = end + 4; continue; }
    return { value, rest: text.slice(end + 1) };
  }
}

export function parseBatchCommand(commandLine: string): ParsedBatch | null {
  const at = commandLine.indexOf('bash -c ');
  if (at < 0) return null;
  const script = unquoteFirst(commandLine.slice(at + 'bash -c '.length));
  if (!script) return null;
  const lines = script.value.split('\n');
  const codes: string[] = [];
  const runAt = lines.findIndex((l) => l.startsWith('__run 0'));
  if (runAt < 0) return null;
  for (let i = 0; ; i++) {
    const start = lines.indexOf(`c${i}() {`);
    if (start < 0 || start > runAt) break;
    const next = lines.indexOf(`c${i + 1}() {`, start + 1);
    const stop = next >= 0 && next < runAt ? next : runAt;
    // The body ends at the last "}" before the next header (the code itself may hold "}" lines).
    let close = stop - 1;
    while (close > start && lines[close] !== '}') close--;
    codes.push(lines.slice(start + 1, close).join('\n'));
  }
  const runLine = lines[runAt]!;
  const mode: Mode = lines.includes('wait') ? 'parallel' : runLine.includes(' && ') || runLine.endsWith('|| true') ? 'stop-on-error' : 'run-all';
  return { codes, mode };
}

export interface Answer { exitCode: number; output: string; ms: number }

/** One framed result, as the script's __run prints it. */
export function frame(index: number, answer: Answer): Buffer {
  return frameResult(index, answer.exitCode, answer.ms, answer.output);
}

/** The framed results of a batch's stdout, by command index (the recorder's side). */
export function parseFrames(stdout: Buffer): Map<number, Answer> {
  return new Map(parseBatchFrames(stdout).map((f) => [f.index, { exitCode: f.exitCode, ms: f.durationMs, output: f.output }]));
}
