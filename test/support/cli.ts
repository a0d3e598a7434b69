import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../rig/image.js';
import { jsonOutputProblem } from './json-output.js';

export interface CliResult { exitCode: number; stdout: string; stderr: string }

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The CLI is killed (SIGKILL) after this long: a bound for a hung run, not a test of speed. */
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** False once the CLI has exited. */
  running(): boolean;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the CLI has exited (137 after SIGKILL). */
  done: Promise<CliResult>;
  /**
   * Waits (bounded) until stderr matches, while the CLI runs; throws with the output so far when the
   * CLI exits first or the bound passes.
   */
  waitForStderr(pattern: RegExp, seconds?: number): Promise<void>;
}

export const CLI = resolve(repoRoot(), 'dist', 'cli', 'hsts-cluster.mjs');

/** Starts the built CLI (npm test builds it first) in the background and collects its output. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      // Killed by a signal, the CLI may have printed half a document: only an exit is judged.
      const problem = code === null ? undefined : jsonOutputProblem(args, stdout);
      if (problem) reject(new Error(`${problem}\n(hsts-cluster ${args.join(' ')})`));
      else resolvePromise({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr });
    });
  });
  const waitForStderr = async (pattern: RegExp, seconds = 120) => {
    const deadline = Date.now() + seconds * 1000;
    while (!pattern.test(stderr)) {
      if (exited) throw new Error(`the CLI exited before its stderr matched ${pattern}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} within ${seconds} s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, running: () => !exited, stdout: () => stdout, stderr: () => stderr, done, waitForStderr };
}

/** Runs the built CLI to its end and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}
