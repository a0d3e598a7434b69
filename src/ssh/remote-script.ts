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

const INPUT_NAME = /^[A-Za-z0-9_.-]+$/;
const RECORD = '\x1e';
/** First line of our stdin. A sudo password line may come before it when sudo did not need it. */
const STDIN_MARKER = 'hsts-cluster-inputs';

/**
 * Many commands in one round trip: a bash script (passed as argv: it holds no secret) whose stdin
 * carries every input, one base64 line each, read with bash's own `read` so nothing reads ahead.
 * Each command's exit code and combined output come back as one framed line on stdout.
 */
export function renderBatch(commands: RemoteCommand[], mode: BatchMode, inOrderFirst = 0): RenderedBatch {
  const lines = [
    'set -u',
    'umask 077',
    'T=$(mktemp -d /tmp/hsts-cluster.XXXXXX) || { echo "hsts-cluster: mktemp failed" >&2; exit 90; }',
    "trap 'rm -rf \"$T\"' EXIT",
    // Skip the sudo password line if sudo left it unread (NOPASSWD), then expect the marker.
    `IFS= read -r l || exit 92; [ "$l" = ${STDIN_MARKER} ] || { IFS= read -r l || exit 92; }; ` +
      `[ "$l" = ${STDIN_MARKER} ] || exit 92; l=`,
    '__in() { local line; IFS= read -r line || { echo "hsts-cluster: missing input $1" >&2; exit 91; }; ' +
      'printf "%s" "$line" | base64 -d > "$1" || exit 91; }',
    // EPOCHREALTIME (bash 5) times each command without a fork: microseconds, shown as ms.
    `__run() { local out rc t0=$EPOCHREALTIME; out=$(IN="$T/c$1"; cd /; "c$1" 2>&1); rc=$?; local t1=$EPOCHREALTIME; ` +
      `printf '${'\\036'}%s %s %s ' "$1" "$rc" "$(( (10#\${t1//[.,]/} - 10#\${t0//[.,]/}) / 1000 ))"; ` +
      `printf '%s' "$out" | base64 -w0; printf '\\n'; return $rc; }`,
  ];
  const inputs: Buffer[] = [];
  commands.forEach((command, i) => {
    lines.push(`mkdir "$T/c${i}"`);
    for (const [name, value] of Object.entries(command.inputs ?? {})) {
      if (!INPUT_NAME.test(name)) throw new Error(`bad input name ${name}`);
      lines.push(`__in "$T/c${i}/${name}"`);
      inputs.push(inputBytes(value));
    }
  });
  commands.forEach((command, i) => lines.push(`c${i}() {`, command.code, '}'));
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

/** A batch's stdin: the marker line, then each input as one base64 line, in the script's order. */
export function batchStdin(inputs: Buffer[]): Buffer {
  return Buffer.from([STDIN_MARKER, ...inputs.map((b) => b.toString('base64'))].join('\n') + '\n');
}

/** The framed results, in order; commands after a failure (stop-on-error) have none. */
export function parseBatchOutput(commands: RemoteCommand[], stdout: string): CommandResult[] {
  const results: CommandResult[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(RECORD)) continue;
    const [index, code, ms, b64 = ''] = line.slice(1).split(' ');
    const command = commands[Number(index)];
    if (!command) continue;
    results.push({ label: command.label, exitCode: Number(code), output: Buffer.from(b64, 'base64').toString('utf8'), durationMs: Number(ms) || 0 });
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
