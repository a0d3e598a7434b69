import { Secret } from '../util/secret.js';
import { shq } from './shell.js';

/**
 * One remote command of a step. `code` is bash; it reads its inputs (file contents, passwords)
 * from files "$IN/<name>" that the batch writes from stdin, so no secret is ever in argv, in the
 * script text or in a label. `label` is what people read (--verbose, plan, journal).
 */
export interface RemoteCommand {
  label: string;
  code: string;
  inputs?: Record<string, Buffer | string | Secret>;
}

export interface CommandResult {
  label: string;
  exitCode: number;
  output: string;
  /** Time the command took on the node. */
  durationMs: number;
}

/** stop-on-error: in order, none after a failure. run-all: in order, every one. parallel: every one
 *  at once (read-only probes), results still reported in order; its `inOrderFirst` commands run
 *  before the others start (a lock to take, strays to stop: nothing may be read before they end). */
export type BatchMode = 'stop-on-error' | 'run-all' | 'parallel';

export interface RenderedBatch {
  script: string;
  stdin: Buffer;
  /** The inputs stdin carries, in order (batchStdin(inputs) is stdin). */
  inputs: Buffer[];
}

function inputBytes(value: Buffer | string | Secret): Buffer {
  if (value instanceof Secret) return Buffer.from(value.reveal(), 'utf8');
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * Bash function definitions that many commands carry in their code (safe-files' `__open`,
 * `__write`, ...). renderBatch takes each out of every command's code and defines it once, before
 * the commands: the script is one argv string and one SSH packet (ssh2's server, the benchmark's
 * farm, takes at most 35000 bytes), and a dozen reads each defining `__open` were a third of the
 * facts batch. A definition has no effect but defining its function, so where it runs is the same.
 */
const sharedFunctions: string[] = [];

/** Registers a function definition for renderBatch to define once per batch; returns it unchanged. */
export function sharedFunction(definition: string): string {
  if (!/^__\w+\(\) \{[^]*\n\}$/.test(definition)) throw new Error(`internal: not one bash function definition: ${definition.slice(0, 60)}`);
  if (!sharedFunctions.includes(definition)) sharedFunctions.push(definition);
  return definition;
}

/**
 * The code with each shared definition kept where it first appears and taken out where it comes
 * again: renderBatch defines each once whatever the count, so the batch is the same, and a command
 * made of several that each carry the same functions (a snapshot's three copies) is held the
 * smaller while its node works (37 KB a node to 17).
 */
export function definedOnce(code: string): string {
  let out = code;
  for (const definition of sharedFunctions) {
    const first = out.indexOf(definition);
    if (first < 0) continue;
    const end = first + definition.length;
    const rest = out.slice(end);
    if (rest.includes(definition)) out = out.slice(0, end) + rest.split(definition).join('');
  }
  return out;
}

/** The codes with every shared definition taken out, and the definitions taken, in first-seen order. */
function hoistSharedFunctions(codes: string[]): { codes: string[]; definitions: string[] } {
  const definitions: string[] = [];
  const out = codes.map((code) => {
    let rest = code;
    for (const definition of sharedFunctions) {
      if (!rest.includes(definition)) continue;
      rest = rest.split(definition).join('');
      if (!definitions.includes(definition)) definitions.push(definition);
    }
    return rest;
  });
  return { codes: out, definitions };
}

const INPUT_NAME = /^[A-Za-z0-9_.-]+$/;
const RECORD = '\x1e';
/** First line of our stdin. A sudo password line may come before it when sudo did not need it. */
const STDIN_MARKER = 'hsts-cluster-inputs';

/**
 * Many commands in one round trip: a bash script (passed as argv: it holds no secret) whose stdin
 * carries every input, one base64 line each, read with bash's own `read` so nothing reads ahead.
 * Each command's exit code and combined output come back as one framed line on stdout.
 */
/** The PATH every batch runs with: root's own directories. */
export const BATCH_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export function renderBatch(commands: RemoteCommand[], mode: BatchMode, inOrderFirst = 0): RenderedBatch {
  const inputs: Buffer[] = [];
  const reads: string[] = [];
  commands.forEach((command, i) => {
    for (const [name, value] of Object.entries(command.inputs ?? {})) {
      if (!INPUT_NAME.test(name)) throw new Error(`bad input name ${name}`);
      reads.push(`__in "$T/c${i}/${name}"`);
      inputs.push(inputBytes(value));
    }
  });
  const lines = [
    'set -u',
    'umask 077',
    // Root's programs from root's directories only, whatever PATH the login gave: a PATH holding `.`
    // or a directory another account can write would let that account choose what `ss` or `stat` is.
    `PATH=${BATCH_PATH}; export PATH`,
    'T=$(mktemp -d /tmp/hsts-cluster.XXXXXX) || { echo "hsts-cluster: mktemp failed" >&2; exit 90; }',
    "trap 'rm -rf \"$T\"' EXIT",
    // No inputs, no stdin: the command need not wait for sshd's channel window (granted only after
    // the exec reply) and costs one round trip. sudo -S still reads its password line; a line sudo
    // left unread (NOPASSWD) must reach no command, hence /dev/null.
    ...(inputs.length === 0 ? ['exec </dev/null'] : [
      // Skip the sudo password line if sudo left it unread (NOPASSWD), then expect the marker.
      `IFS= read -r l || exit 92; [ "$l" = ${STDIN_MARKER} ] || { IFS= read -r l || exit 92; }; ` +
        `[ "$l" = ${STDIN_MARKER} ] || exit 92; l=`,
      // A here-string, not `printf | base64`: one process per input instead of two.
      '__in() { local line; IFS= read -r line || { echo "hsts-cluster: missing input $1" >&2; exit 91; }; ' +
        'base64 -d <<< "$line" > "$1" || exit 91; }',
    ]),
    // The wrapper's own cost is forks: under load each costs milliseconds. So a command costs one (the
    // subshell that captures its output); its result is framed by bash builtins only: a header with
    // the output's length in bytes (LC_ALL=C makes ${#out} count bytes), then the output as it is.
    // EPOCHREALTIME (bash 5) times each command without a fork: microseconds, shown as ms. Older
    // bash (RHEL 7 and 8 ship 4.2 and 4.4) has none: the time is then reported as 0.
    `__run() { local out rc ms=0 t0=\${EPOCHREALTIME:-} t1; out=$(IN="$T/c$1"; cd /; "c$1" 2>&1); rc=$?; t1=\${EPOCHREALTIME:-}; ` +
      `[ -n "$t0" ] && ms=$(( (10#\${t1//[.,]/} - 10#\${t0//[.,]/}) / 1000 )); local LC_ALL=C; ` +
      `printf '${'\\036'}%s %s %s %s\\n%s\\n' "$1" "$rc" "$ms" "\${#out}" "$out"; return $rc; }`,
  ];
  lines.push(`mkdir ${commands.map((_, i) => `"$T/c${i}"`).join(' ')}`, ...reads);
  const { codes, definitions } = hoistSharedFunctions(commands.map((c) => c.code));
  lines.push(...definitions);
  codes.forEach((code, i) => lines.push(`c${i}() {`, code, '}'));
  const calls = commands.map((_, i) => `__run ${i}`);
  if (mode === 'parallel') {
    lines.push(
      ...commands.map((_, i) => `__run ${i} > "$T/r${i}"${i < inOrderFirst ? ';' : ' &'}`),
      'wait',
      `cat ${commands.map((_, i) => `"$T/r${i}"`).join(' ')}`,
    );
  } else {
    lines.push(mode === 'stop-on-error' ? `${calls.join(' && ')} || true` : calls.join('; '));
  }
  lines.push('exit 0');
  return { script: lines.join('\n'), stdin: batchStdin(inputs), inputs };
}

/** A batch's stdin: the marker line, then each input as one base64 line, in the script's order; none without inputs. */
export function batchStdin(inputs: Buffer[]): Buffer {
  if (inputs.length === 0) return Buffer.alloc(0);
  // Written into one Buffer of its size: no joined copy as a string (a phase's stdins are all out at once).
  const size = inputs.reduce((n, b) => n + 4 * Math.ceil(b.length / 3) + 1, STDIN_MARKER.length + 1);
  const out = Buffer.allocUnsafeSlow(size);
  let at = out.write(`${STDIN_MARKER}\n`, 0, 'latin1');
  for (const input of inputs) {
    at += out.write(input.toString('base64'), at, 'latin1');
    out[at++] = 10;
  }
  if (at !== size) throw new Error(`internal: stdin of ${size} bytes filled to ${at}`);
  return out;
}

/** One command's result as __run frames it: a header line, then `length` bytes of output, then a newline. */
export function frameResult(index: number, exitCode: number, ms: number, output: Buffer | string): Buffer {
  const bytes = typeof output === 'string' ? Buffer.from(output, 'utf8') : output;
  return Buffer.concat([Buffer.from(`${RECORD}${index} ${exitCode} ${Math.round(ms)} ${bytes.length}\n`), bytes, Buffer.from('\n')]);
}

export interface Frame { index: number; exitCode: number; durationMs: number; output: string }

/**
 * The frames in a batch's stdout, in the order they came. A frame cut short (the batch was killed
 * while printing it) is left out, as is anything between frames that is not one.
 */
export function parseFrames(stdout: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = stdout.indexOf(RECORD);
  while (at >= 0) {
    const headerEnd = stdout.indexOf(10, at);
    if (headerEnd < 0) break;
    const header = /^(\d+) (-?\d+) (-?\d+) (\d+)$/.exec(stdout.toString('latin1', at + 1, headerEnd));
    if (!header) { at = stdout.indexOf(RECORD, at + 1); continue; }
    const start = headerEnd + 1;
    const end = start + Number(header[4]);
    if (end > stdout.length) break;
    frames.push({ index: Number(header[1]), exitCode: Number(header[2]), durationMs: Number(header[3]) || 0, output: stdout.toString('utf8', start, end) });
    at = stdout.indexOf(RECORD, end);
  }
  return frames;
}

/** The framed results, in order; commands after a failure (stop-on-error) have none. */
export function parseBatchOutput(commands: RemoteCommand[], stdout: Buffer): CommandResult[] {
  const results: CommandResult[] = [];
  for (const frame of parseFrames(stdout)) {
    const command = commands[frame.index];
    if (!command) continue;
    results.push({ label: command.label, exitCode: frame.exitCode, output: frame.output, durationMs: frame.durationMs });
  }
  return results;
}

/**
 * How the remote command line runs the script: directly as root, else through sudo. `tag` becomes
 * the script's $0, so the processes of a run can be found (and stopped) on the node by it.
 */
export function wrapForPrivilege(script: string, user: string, sudoPassword: Secret | undefined, tag = 'hsts-cluster'): {
  command: string;
  stdinPrefix: Buffer;
} {
  const bash = `bash -c ${shq(script)} ${shq(tag)}`;
  if (user === 'root') return { command: bash, stdinPrefix: Buffer.alloc(0) };
  if (!sudoPassword) return { command: `sudo -n -- ${bash}`, stdinPrefix: Buffer.alloc(0) };
  // sudo -S reads the password as the first line of stdin; the rest stays for the script.
  return { command: `sudo -S -p '' -- ${bash}`, stdinPrefix: Buffer.from(`${sudoPassword.reveal()}\n`) };
}
