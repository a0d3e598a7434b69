import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * `completion bash` from the built CLI, loaded into a real bash: `complete -p` shows it registered,
 * and its function answers COMP_WORDS the way bash calls it while a person presses Tab.
 */
describe('hsts-cluster completion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-completion-'));
  const script = join(dir, 'hsts-cluster.bash');

  beforeAll(async () => {
    const r = await runCli(['completion', 'bash'], { timeoutMs: 30_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    writeFileSync(script, r.stdout);
    mkdirSync(join(dir, 'work', 'inventories'), { recursive: true });
    writeFileSync(join(dir, 'work', 'inventory.yaml'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The words bash offers for the command line `line` with the cursor at its end. */
  function offered(line: string): string[] {
    const words = line.split(' ');
    const program = [
      `source ${JSON.stringify(script)}`,
      'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))',
      '_hsts_cluster',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const out = execFileSync('bash', ['-c', program, 'bash', ...words], { cwd: join(dir, 'work'), encoding: 'utf8' });
    return out.split('\n').filter(Boolean).sort();
  }

  it('registers itself with bash for hsts-cluster', () => {
    const out = execFileSync('bash', ['-c', `source ${JSON.stringify(script)}; complete -p hsts-cluster`], { encoding: 'utf8' });
    expect(out.trim()).toBe('complete -F _hsts_cluster hsts-cluster');
  });

  it('offers every command --help lists', async () => {
    const help = (await runCli(['--help'], { timeoutMs: 30_000 })).stdout;
    const listed = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(listed.length).toBeGreaterThanOrEqual(8);
    expect(offered('hsts-cluster ')).toEqual([...listed].sort());
  });

  it.each([
    ['hsts-cluster st', ['status']],
    ['hsts-cluster -i inv.yaml sw', ['switchover']],
    ['hsts-cluster status --fo', ['--forks', '--format']],
    ['hsts-cluster status --format ', ['prometheus', 'text']],
    ['hsts-cluster status --format p', ['prometheus']],
    ['hsts-cluster up --dr', ['--dry-run']],
    ['hsts-cluster inventory ', ['check', 'convert']],
    ['hsts-cluster inventory check ', []],
    ['hsts-cluster completion ', ['bash', 'zsh']],
    ['hsts-cluster plan -i inv', ['inventories', 'inventory.yaml']],
    ['hsts-cluster --inventory inventory.yaml pl', ['plan']],
    ['hsts-cluster status --watch ', []],
  ])('%j offers %j', (line, expected) => {
    expect(offered(line)).toEqual(expected);
  });

  it('zsh gets the same function through bashcompinit', async () => {
    const r = await runCli(['completion', 'zsh'], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('autoload -U +X bashcompinit && bashcompinit');
    expect(r.stdout).toContain('complete -F _hsts_cluster hsts-cluster');
  });
});
