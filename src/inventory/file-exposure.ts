import { statSync } from 'node:fs';

/**
 * A warning when a file the inventory points at for a secret (a private key, a password file) can
 * be read by its group or by others; undefined when it cannot, or on a platform without modes.
 * OpenSSH refuses such a key ("UNPROTECTED PRIVATE KEY FILE"); hsts-cluster warns only, as issue 23
 * asks: the file is read by the operator's own process, and a refusal would stop runs that work today.
 */
export function exposureWarning(path: string, what: 'private key' | 'password file', mode = statSync(path).mode): string | undefined {
  if (process.platform === 'win32' || (mode & 0o044) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  const heading = what === 'private key' ? 'UNPROTECTED PRIVATE KEY FILE (OpenSSH would refuse it)' : 'UNPROTECTED PASSWORD FILE';
  return `${heading}: ${path} has mode ${octal}, its group or others can read it; chmod 600 ${path}`;
}
