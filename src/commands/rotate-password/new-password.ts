import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../util/errors.js';
import { Secret } from '../../util/secret.js';
import type { OptionsOf } from '../../cli/command.js';
import type { rotatePassword as rotatePasswordCommand } from './cli.js';

export type RotateCliOptions = OptionsOf<typeof rotatePasswordCommand>;

export type NewPassword = { secret: Secret } & ({ env: string } | { file: string });

/** The new password and where it came from; UsageError (exit 2, nothing touched) naming the option otherwise. */
export function newPasswordSource(options: RotateCliOptions): NewPassword {
  const { newPasswordEnv: env, newPasswordFile: file } = options;
  if ((env === undefined) === (file === undefined)) {
    throw new UsageError([{ field: '--new-password-env / --new-password-file', message: 'give exactly one of them', hint: 'hsts-cluster rotate-password --new-password-env NAME (or --new-password-file FILE)' }]);
  }
  let value: string;
  let field: string;
  if (env !== undefined) {
    field = '--new-password-env';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new UsageError([{ field, value: env, message: 'must be an environment variable name' }]);
    const got = process.env[env];
    if (got === undefined || got === '') throw new UsageError([{ field, value: env, message: `environment variable ${env} is not set`, hint: `export ${env}=... first` }]);
    value = got;
  } else {
    field = '--new-password-file';
    try {
      value = readFileSync(resolve(file!), 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError([{ field, value: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
    }
    if (value === '') throw new UsageError([{ field, value: file, message: 'is empty', hint: 'write the password into it (one line)' }]);
  }
  // The same rules as the inventory's redisPassword (Sentinel writes auth-pass back unquoted).
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) throw new UsageError([{ field, message: 'the new password must not contain control characters (newline, tab, ...)' }]);
  if (/[\s"'\\]/.test(value)) {
    throw new UsageError([{ field, message: 'the new password must not contain spaces, quotes or backslashes (Sentinel writes it back unquoted)', hint: 'choose letters, digits and punctuation such as -_.:@!' }]);
  }
  const secret = new Secret(value);
  return env !== undefined ? { secret, env } : { secret, file: resolve(file!) };
}
