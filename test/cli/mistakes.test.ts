import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../rig/image.js';
import { runCli } from '../support/cli.js';
import { decoyInventory, startDecoy, type Decoy } from '../support/decoy.js';
import { MISTAKES, README_BEGIN, README_END, mistakesMarkdown, type InventoryJson, type Mistake } from './mistakes.js';
import { generateUsableKeyPair } from '../support/keys.js';

/**
 * Every mistake of the table against the built CLI: its exit code, its answer on stderr, and no
 * connection to the nodes, which point at a local listener that counts connections.
 */
let decoy: Decoy;
let port = 0;
const root = mkdtempSync(join(tmpdir(), 'hsts-mistakes-'));
const keys = generateUsableKeyPair();

beforeAll(async () => {
  decoy = await startDecoy();
  port = decoy.port;
});
afterAll(() => decoy.close());

const valid = (): InventoryJson => decoyInventory(port);

let caseNumber = 0;
/** A folder with a key, its .pub, a password file, a known_hosts that knows the nodes, and the case's inventory. */
function prepare(m: Mistake): { dir: string; inv: string; fill: (s: string) => string } {
  const dir = join(root, `case${++caseNumber}`);
  const inv = join(dir, m.fileName ?? 'inventory.json');
  const fill = (s: string) => s.replace(/\{inv\}/g, inv).replace(/\{dir\}/g, dir).replace(/\{port\}/g, String(port));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'id_ed25519'), keys.private, { mode: 0o600 });
  writeFileSync(join(dir, 'id_ed25519.pub'), `${keys.public}\n`);
  writeFileSync(join(dir, 'redis-password'), 'secret-password\n', { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
  let content: string | Buffer;
  if (typeof m.inventory === 'string' || Buffer.isBuffer(m.inventory)) content = m.inventory;
  else {
    const json = valid();
    const text = m.inventory?.(json);
    content = typeof text === 'string' ? text : JSON.stringify(json, null, 2);
  }
  writeFileSync(inv, content);
  for (const [name, text] of Object.entries(m.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, inv, fill };
}

describe('common mistakes: one clear answer each, exit 2, nothing touched', () => {
  it('the table holds at least 40 mistakes, each named once', () => {
    expect(MISTAKES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(MISTAKES.map((m) => m.mistake)).size).toBe(MISTAKES.length);
  });

  it.each(MISTAKES.map((m) => [m.mistake, m] as const))('%s', async (_name, m) => {
    const { dir, fill } = prepare(m);
    const env: NodeJS.ProcessEnv = { HSTS_CLUSTER_INVENTORY: '' };
    for (const [k, v] of Object.entries(m.env ?? {})) env[k] = fill(v);
    const before = decoy.connections();
    const r = await runCli((m.args ?? ['up', '-i', '{inv}']).map(fill), { env, timeoutMs: 30_000, ...(m.inDir ? { cwd: dir } : {}) });
    expect(r.stderr).toContain(fill(m.shows));
    for (const re of m.also ?? []) expect(r.stderr).toMatch(re);
    for (const re of m.not ?? []) expect(r.stderr).not.toMatch(re);
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace
    expect(r.stderr).not.toContain('secret-password');
    expect(r.exitCode).toBe(m.exit ?? 2);
    expect(decoy.connections()).toBe(before);
  });

  it('--json prints one object on stdout for a refused inventory: exitCode and every error with file, line, column, field', async () => {
    const m: Mistake = { mistake: 'json', shows: '', inventory: (i) => { i.nodes[1].privateIp = 'node2.example.com'; i.ssh.identityFile = 'x'; } };
    const { inv } = prepare(m);
    const r = await runCli(['up', '-i', inv, '--json'], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout) as { exitCode: number; errors: Record<string, unknown>[] };
    expect(out.exitCode).toBe(2);
    expect(out.errors).toEqual([
      expect.objectContaining({ file: inv, line: 12, column: 5, field: 'ssh.identityFile', message: 'unknown field "identityFile"', hint: 'did you mean "privateKey"?' }),
      expect.objectContaining({ file: inv, line: 22, column: 20, field: 'nodes[1].privateIp', value: 'node2.example.com' }),
    ]);
  });

  it('--json prints one object on stdout for a refused command line too', async () => {
    for (const args of [['up', '--forks', '0', '--json'], ['--json', 'up', '--check'], ['--json', 'deploy']]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      expect(r.exitCode).toBe(2);
      const out = JSON.parse(r.stdout) as { exitCode: number; errors: { message: string }[] };
      expect(out.exitCode).toBe(2);
      expect(out.errors.length).toBeGreaterThan(0);
    }
  });

  it('--help lists the exit codes', async () => {
    for (const args of [['--help'], ['up', '--help']]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 +bad input or usage: nothing was touched.*\n {2}3 /);
    }
  });

  it('docs/common-mistakes.md is the table\'s (npm run readme:mistakes)', () => {
    const readme = readFileSync(resolve(repoRoot(), 'docs', 'common-mistakes.md'), 'utf8');
    expect(readme).toContain(`${README_BEGIN}\n${mistakesMarkdown()}\n${README_END}`);
  });
});
