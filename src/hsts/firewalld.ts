/**
 * The cluster's firewall on a node where firewalld is active: rich rules in the zone that serves the
 * private interface, permanent and runtime, added and removed one by one (never a reload, which
 * would drop everyone else's runtime-only rules). SSH and every other rule of the zone stay untouched.
 *
 * Rich rules with a negative priority are evaluated before the zone's ports, services and the
 * priority-0 rich rules: the cluster's sources are accepted first, then everyone else is rejected on
 * the two ports, even in a zone whose target accepts or that opens those ports some other way.
 * Our rules are told apart from the zone's other rich rules by these two priorities.
 */
import type { FirewallInput } from './firewall.js';

export const ACCEPT_PRIORITY = -3141;
export const REJECT_PRIORITY = -3140;

export interface ZoneFile {
  path: string;
  /** base64 of the content; null when the file is absent. */
  content: string | null;
  owner: string;
  group: string;
  mode: string;
}

/** What firewalld holds for the zone that serves the cluster's traffic. */
export interface FirewalldState {
  zone: string;
  /** Rich rules as `firewall-cmd --zone=Z --list-rich-rules` prints them (runtime). */
  runtime: string[];
  /** The same with --permanent. */
  permanent: string[];
  /** The zone's files under /etc/firewalld/zones (the permanent configuration, and firewalld's backup). */
  files: ZoneFile[];
}

/** A zone name as firewalld allows it (letters, digits, "_", "-", "/" is not one): safe in a path. */
export function validZone(zone: string): boolean {
  return /^[A-Za-z0-9_-]{1,17}$/.test(zone);
}

/** The rich rules the cluster needs, in the form firewall-cmd lists them. */
export function desiredRichRules(input: FirewallInput): string[] {
  return [input.redisPort, input.sentinelPort].flatMap((port) => [
    ...input.clusterIps.map((ip) =>
      `rule priority="${ACCEPT_PRIORITY}" family="ipv4" source address="${ip}" port port="${port}" protocol="tcp" accept`),
    `rule priority="${REJECT_PRIORITY}" port port="${port}" protocol="tcp" reject`,
  ]);
}

export function isOurRule(rule: string): boolean {
  return rule.startsWith(`rule priority="${ACCEPT_PRIORITY}" `) || rule.startsWith(`rule priority="${REJECT_PRIORITY}" `);
}

export interface RuleEdit {
  remove: string[];
  add: string[];
}

/** Ours that should go and the desired ones missing; every rule that is not ours stays. */
export function editTowards(current: string[], desired: string[]): RuleEdit {
  return {
    remove: current.filter((r) => isOurRule(r) && !desired.includes(r)),
    add: desired.filter((r) => !current.includes(r)),
  };
}

/** Every rule to remove and add to make `current` exactly `target` (a rollback: all rules, not only ours). */
export function editExactly(current: string[], target: string[]): RuleEdit {
  return {
    remove: current.filter((r) => !target.includes(r)),
    add: target.filter((r) => !current.includes(r)),
  };
}

export function isEmptyEdit(edit: RuleEdit): boolean {
  return edit.remove.length === 0 && edit.add.length === 0;
}

export function sameRules(a: string[], b: string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/**
 * Reads the probe's output: `zone=Z`, then `runtime:` and `permanent:` lines, then each zone file as
 * `file PATH` followed by `ABSENT` or `OWNER GROUP MODE` and base64. `inactive` alone: firewalld
 * is not running. A problem reading the zone comes back as `error=...`.
 */
export function parseFirewalldProbe(output: string): { state: FirewalldState | null; error?: string } {
  const lines = output.split('\n');
  if (lines.some((l) => l.trim() === 'inactive')) return { state: null };
  const error = lines.find((l) => l.startsWith('error='));
  if (error) return { state: null, error: error.slice('error='.length) };
  const zone = lines.find((l) => l.startsWith('zone='))?.slice('zone='.length).trim() ?? '';
  if (!validZone(zone)) return { state: null, error: `firewalld named no usable zone (${JSON.stringify(zone)})` };
  const rules = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim()).filter((l) => l.startsWith('rule '));
  const files: ZoneFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('file ')) continue;
    const path = lines[i]!.slice('file '.length).trim();
    if (lines[i + 1]?.trim() === 'ABSENT') {
      files.push({ path, content: null, owner: '', group: '', mode: '' });
      continue;
    }
    const [owner = '', group = '', mode = ''] = (lines[i + 1] ?? '').trim().split(' ');
    files.push({ path, content: (lines[i + 2] ?? '').trim(), owner, group, mode });
  }
  return { state: { zone, runtime: rules('runtime:'), permanent: rules('permanent:'), files } };
}

