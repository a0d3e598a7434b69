import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manPage } from '../../src/cli/man-page.js';
import { runCli } from '../support/cli.js';

/** The flags an `--help` text lists under "Options:" (`-i, --inventory <file>` gives `--inventory`). */
function helpFlags(help: string): string[] {
  const options = help.split(/^Options:$/m)[1]!.split(/^\S/m)[0]!;
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
}

/** An option's entry in the rendered page: its term at the start of an indented line. */
const entry = (flag: string) => new RegExp(`^ {7}(-\\w, )?${flag}(?![\\w-])`, 'm');

/** The commands `hsts-cluster --help` lists. */
function helpCommands(help: string): string[] {
  return [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

/**
 * hsts-cluster(1), rendered by man-db and groff with every warning on, against what the built CLI's
 * `--help` shows: the page is generated from the same command tree, so it cannot drift.
 */
describe('the man page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-man-'));
  const page = join(dir, 'hsts-cluster.1');
  let text = '';

  beforeAll(() => {
    writeFileSync(page, manPage());
    // Wide, so that no flag is hyphenated across lines; not a terminal, so no bold overstrikes.
    text = execFileSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '250', MAN_KEEP_FORMATTING: '' } });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders without a warning from man or groff', () => {
    const man = spawnSync('man', ['--warnings', '-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80' } });
    expect(man.status, man.stderr).toBe(0);
    expect(man.stderr).toBe('');
    const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', page], { encoding: 'utf8' });
    expect(groff.status, groff.stderr).toBe(0);
    expect(groff.stderr).toBe('');
  });

  it('has the sections a man page has, and the exit codes --help ends with', () => {
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) {
      expect(text).toMatch(new RegExp(`^${section}$`, 'm'));
    }
    const status = text.split(/^EXIT STATUS$/m)[1]!.split(/^ENVIRONMENT$/m)[0]!;
    for (const code of ['0', '1', '2', '3']) expect(status).toMatch(new RegExp(`^ {7}${code}\\s`, 'm'));
  });

  it('lists every command and every option --help shows, each under its command or the common options', async () => {
    const help = await runCli(['--help'], { timeoutMs: 30_000 });
    const commands = helpCommands(help.stdout);
    expect(commands.length).toBeGreaterThanOrEqual(10);
    const common = text.split(/^OPTIONS$/m)[1]!.split(/^COMMANDS$/m)[0]!;
    const commonFlags = helpFlags(help.stdout);
    for (const flag of commonFlags) expect(common, flag).toMatch(entry(flag));
    const sections = text.split(/^COMMANDS$/m)[1]!.split(/^EXIT STATUS$/m)[0]!.split(/^ {3}hsts-cluster /m).slice(1);
    expect(sections.map((s) => s.split(' ')[0])).toEqual(commands);
    for (const [i, command] of commands.entries()) {
      const own = await runCli([command, '--help'], { timeoutMs: 30_000 });
      expect(own.exitCode, own.stderr).toBe(0);
      for (const flag of helpFlags(own.stdout)) {
        expect(commonFlags.includes(flag) ? common : sections[i], `${command} ${flag}`).toMatch(entry(flag));
      }
    }
  });

  it('each command\'s --help names its page', async () => {
    for (const command of ['status', 'completion']) {
      const help = await runCli([command, '--help']);
      expect(help.stdout).toMatch(/^Documentation: docs\/day-2\.md#(status|shell-completion) \(in hsts-cluster's source tree and npm package\)$/m);
    }
  });
});
