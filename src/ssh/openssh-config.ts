/**
 * What OpenSSH's client configuration says about one host: the few settings hsts-cluster honours
 * (HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile, ConnectTimeout). The
 * `ssh-config` package parses and computes (Host patterns, Match host/user/..., first value wins);
 * Include is expanded here, as the package leaves it as a line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';

export interface OpenSshHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFile?: string;
  connectTimeoutSeconds?: number;
}

export class OpenSshConfigError extends Error {}

export const expandHome = (path: string) => (path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);

/** The files an Include pattern names: `*` and `?` in the last component only, sorted, as glob(3). */
function includedFiles(pattern: string, configDir: string): string[] {
  const full = expandHome(pattern);
  const path = isAbsolute(full) ? full : join(configDir, full);
  const name = basename(path);
  if (!/[*?]/.test(name)) return existsSync(path) ? [path] : [];
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** The config text with every Include line replaced by the files it names (relative paths: ~/.ssh). */
function expandIncludes(path: string, depth = 0): string {
  if (depth > 16) throw new OpenSshConfigError(`${path}: Include nested more than 16 deep`);
  const userDir = join(homedir(), '.ssh');
  return readFileSync(path, 'utf8').split(/\r?\n/).map((line) => {
    const m = /^\s*Include\s+(.+)$/i.exec(line);
    if (!m) return line;
    const patterns = m[1]!.trim().split(/\s+/).map((p) => p.replace(/^"(.*)"$/, '$1'));
    return patterns.flatMap((p) => includedFiles(p, userDir)).map((f) => expandIncludes(f, depth + 1)).join('\n');
  }).join('\n');
}

/** The parsed config file, or undefined when `path` is the default and does not exist. */
export function readOpenSshConfig(path: string): SSHConfig {
  try {
    return SSHConfig.parse(expandIncludes(path));
  } catch (e) {
    if (e instanceof OpenSshConfigError) throw e;
    throw new OpenSshConfigError(`${path}: ${(e as Error).message}`);
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The settings for `alias` (`ssh alias` would use), `%h`/`%p`/`%r`/`~` not expanded beyond ~. */
export function openSshHost(config: SSHConfig, alias: string): OpenSshHost {
  // matchExec false: a config's `Match exec` would run a program; hsts-cluster runs none of the user's.
  const c = config.compute(alias, { ignoreCase: true, matchExec: false }) as Record<string, string | string[] | undefined>;
  const identity = c.identityfile;
  const out: OpenSshHost = { identityFiles: (Array.isArray(identity) ? identity : identity ? [identity] : []).map(expandHome) };
  const hostName = first(c.hostname);
  if (hostName) out.hostName = hostName.replace(/%h/g, alias);
  const user = first(c.user);
  if (user) out.user = user;
  const port = first(c.port);
  if (port && /^\d+$/.test(port)) out.port = Number(port);
  const jump = first(c.proxyjump);
  if (jump && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const knownHosts = first(c.userknownhostsfile);
  if (knownHosts && knownHosts.toLowerCase() !== 'none') out.userKnownHostsFile = expandHome(knownHosts);
  const timeout = first(c.connecttimeout);
  if (timeout && /^\d+$/.test(timeout)) out.connectTimeoutSeconds = Number(timeout);
  return out;
}

/** "[user@]host[:port]" of a ProxyJump hop; a list of hops is refused (one jump host is supported). */
export function parseJump(spec: string): { user?: string; host: string; port?: number } {
  if (spec.includes(',')) throw new OpenSshConfigError(`ProxyJump ${spec}: more than one hop; hsts-cluster supports one jump host`);
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new OpenSshConfigError(`ProxyJump ${spec}: not [user@]host[:port]`);
  const out: { user?: string; host: string; port?: number } = { host: m[2]!.replace(/^\[(.*)\]$/, '$1') };
  if (m[1]) out.user = m[1];
  if (m[3]) out.port = Number(m[3]);
  return out;
}

/** The identity files ssh tries when none is configured, that exist. */
export function defaultIdentityFiles(): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f)).filter((f) => existsSync(f));
}
