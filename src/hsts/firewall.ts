/**
 * The cluster's firewall rules. The specification's "iptables -A" adds duplicates on every run;
 * we keep ours in a dedicated chain, rebuilt atomically with iptables-restore --noflush, and one
 * jump from INPUT for the Redis and Sentinel ports. SSH and every other rule stay untouched.
 */
export const CHAIN = 'HSTS-CLUSTER';

export interface FirewallInput {
  clusterIps: string[];
  redisPort: number;
  sentinelPort: number;
}

/** The INPUT rule that sends the cluster ports to our chain, as `iptables -S` prints it. */
export function jumpRule(input: FirewallInput): string {
  return `-A INPUT -p tcp -m multiport --dports ${input.redisPort},${input.sentinelPort} -j ${CHAIN}`;
}

/** Our chain's rules, as `iptables -S` prints them: loopback and cluster IPs in, everyone else refused. */
export function chainRules(input: FirewallInput): string[] {
  return [
    `-A ${CHAIN} -i lo -j ACCEPT`,
    ...input.clusterIps.map((ip) => `-A ${CHAIN} -s ${ip}/32 -j ACCEPT`),
    `-A ${CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
  ];
}

export interface FirewallState {
  /** Rules of our chain as `iptables -S CHAIN` prints them (without "-N CHAIN"); null: no chain. */
  chain: string[] | null;
  /** INPUT rules that jump to our chain, as `iptables -S INPUT` prints them, in order. */
  jumps: string[];
  /** Whether the first INPUT rule is one of those jumps (ours must come before any ACCEPT). */
  jumpFirst: boolean;
}

export function parseFirewallState(chainListing: string, inputListing: string): FirewallState {
  const chainLines = chainListing.split('\n').map((l) => l.trim()).filter(Boolean);
  const exists = chainLines.some((l) => l === `-N ${CHAIN}`);
  const inputRules = inputListing.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-A INPUT'));
  const jumps = inputRules.filter((l) => l.endsWith(`-j ${CHAIN}`));
  return {
    chain: exists ? chainLines.filter((l) => l.startsWith(`-A ${CHAIN} `)) : null,
    jumps,
    jumpFirst: inputRules.length > 0 && inputRules[0]!.endsWith(`-j ${CHAIN}`),
  };
}

export function desiredFirewall(input: FirewallInput): FirewallState {
  return { chain: chainRules(input), jumps: [jumpRule(input)], jumpFirst: true };
}

export function sameFirewall(a: FirewallState, b: FirewallState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An iptables-restore --noflush transaction that takes the live rules from `from` to `to`:
 * the chain is declared (which flushes it) and refilled, the jumps replaced. Applied atomically.
 * When `to.chain` is null the chain is emptied and deleted.
 */
export function iptablesRestoreScript(from: FirewallState, to: FirewallState): string {
  const lines = ['*filter'];
  for (const jump of from.jumps) lines.push(jump.replace(/^-A /, '-D '));
  if (to.chain !== null || from.chain !== null) lines.push(`:${CHAIN} - [0:0]`);
  for (const rule of to.chain ?? []) lines.push(rule);
  for (const jump of [...to.jumps].reverse()) lines.push(jump.replace(/^-A INPUT /, to.jumpFirst ? '-I INPUT 1 ' : '-A INPUT '));
  if (to.chain === null && from.chain !== null) lines.push(`-X ${CHAIN}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * The persisted rules file (iptables-save format: /etc/iptables/rules.v4 on Debian,
 * /etc/sysconfig/iptables on RHEL) with our chain and jump set and every other line kept.
 */
export function mergePersistedRules(current: string | null, input: FirewallInput): string {
  const ours = (line: string) =>
    line === `:${CHAIN} - [0:0]` || line.startsWith(`:${CHAIN} `) || line.startsWith(`-A ${CHAIN} `) ||
    (line.startsWith('-A INPUT ') && line.endsWith(`-j ${CHAIN}`));
  const declaration = `:${CHAIN} - [0:0]`;
  if (current === null || !/^\*filter\s*$/m.test(current)) {
    const base = current === null ? ['# Written by hsts-cluster: the HSTS cluster rules (chain HSTS-CLUSTER).'] : current.replace(/\n$/, '').split('\n');
    return [
      ...base,
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':FORWARD ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      declaration,
      jumpRule(input),
      ...chainRules(input),
      'COMMIT',
      '',
    ].join('\n');
  }
  const lines = current.replace(/\n$/, '').split('\n').filter((line) => !ours(line.trim()));
  const start = lines.findIndex((line) => line.trim() === '*filter');
  let end = lines.findIndex((line, i) => i > start && line.trim() === 'COMMIT');
  if (end < 0) end = lines.length;
  let lastDeclaration = start;
  let firstInput = -1;
  for (let i = start + 1; i < end; i++) {
    if (lines[i]!.startsWith(':')) lastDeclaration = i;
    if (firstInput < 0 && lines[i]!.startsWith('-A INPUT ')) firstInput = i;
  }
  const rules = chainRules(input);
  lines.splice(end, 0, ...rules);
  lines.splice(firstInput >= 0 ? firstInput : lastDeclaration + 1, 0, jumpRule(input));
  lines.splice(lastDeclaration + 1, 0, declaration);
  return `${lines.join('\n')}\n`;
}

/** How a node persists iptables rules, from what is installed there. */
export type Persistence = { kind: 'netfilter-persistent'; path: '/etc/iptables/rules.v4'; unit: 'netfilter-persistent' }
  | { kind: 'iptables-services'; path: '/etc/sysconfig/iptables'; unit: 'iptables' };

export function persistenceFor(has: { netfilterPersistent: boolean; iptablesServices: boolean }): Persistence | null {
  if (has.netfilterPersistent) return { kind: 'netfilter-persistent', path: '/etc/iptables/rules.v4', unit: 'netfilter-persistent' };
  if (has.iptablesServices) return { kind: 'iptables-services', path: '/etc/sysconfig/iptables', unit: 'iptables' };
  return null;
}
