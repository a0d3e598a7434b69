/** add-transfer-user's --shell: what it accepts (exit 2 naming --shell otherwise), and the default with --create. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkShellOption, createUsersOf, loginShell } from '../../src/commands/add-transfer-user/args.js';
import { UsageError } from '../../src/util/errors.js';

describe('add-transfer-user --shell PATH', () => {
  it.each(['/bin/aspshell', '/bin/bash', '/usr/bin/zsh', '/opt/aspera/bin/aspshell', '/usr/local/bin/my_shell-2.0+x', '/bin/.hidden', '/a..b'])('accepts %s', (path) => {
    expect(loginShell(path)).toBe(path);
  });

  it.each([
    ['a relative path', 'bash'],
    ['a path relative to the directory', './bash'],
    ['an empty value', ''],
    ['the root', '/'],
    ['a trailing slash', '/bin/bash/'],
    ['an empty component', '/bin//bash'],
    ['a . component', '/bin/./bash'],
    ['a .. component', '/usr/../bin/bash'],
    ['a final ..', '/bin/..'],
    ['a space', '/bin/my shell'],
    ['a quote', "/bin/it's"],
    ['a semicolon', '/bin/bash;id'],
    ['a variable', '/bin/$SHELL'],
    ['a newline', '/bin/bash\n/bin/sh'],
    ['a colon (the passwd separator)', '/bin/a:b'],
    ['a non-ASCII letter', '/bin/shé'],
  ])('refuses %s', (_name, path) => {
    expect(() => loginShell(path)).toThrow(InvalidArgumentError);
    expect(() => loginShell(path)).toThrow(/must be an absolute path of letters, digits and \. _ \+ - \(like \/bin\/bash\), with no empty, \. or \.\. component/);
  });

  it.each([
    ['--create alone', { create: true }, { shell: '/bin/aspshell' }],
    ['--create --shell /bin/bash', { create: true, shell: '/bin/bash' }, { shell: '/bin/bash' }],
    ['neither', {}, undefined],
  ])('%s: creates users with %j', (_name, options, want) => {
    expect(() => checkShellOption(options)).not.toThrow();
    expect(createUsersOf(options)).toEqual(want);
  });

  it('refuses --shell without --create, naming both', () => {
    const check = () => checkShellOption({ shell: '/bin/bash' });
    expect(check).toThrow(UsageError);
    expect(check).toThrow('--shell: applies only with --create (the login shell of the users it creates) (got "/bin/bash")\n  hint: add --create, or leave --shell out');
  });
});
