import { describe, expect, it } from 'vitest';
import {
  desiredRichRules, editExactly, editTowards, isOurRule, parseFirewalldProbe, sameRules,
} from '../../src/hsts/firewalld.js';
import { firewallCmds, firewalldProbe } from '../../src/remote/firewall-tools.js';
import { firewall } from '../../src/steps/firewall.js';
import { buildFacts, buildInventory, contextFor, firewallInputOf } from '../support/facts.js';

const input = { clusterIps: ['172.20.0.2', '172.20.0.3', '172.20.0.4'], redisPort: 31415, sentinelPort: 41415 };
const accept = (ip: string, port: number) => `rule priority="-3141" family="ipv4" source address="${ip}" port port="${port}" protocol="tcp" accept`;
const reject = (port: number) => `rule priority="-3140" port port="${port}" protocol="tcp" reject`;
const SSH_RULE = 'rule family="ipv4" source address="192.0.2.9" service name="ssh" accept';

describe('firewalld rich rules', () => {
  it('accept each cluster IP on both ports, then reject everyone else on those ports only', () => {
    expect(desiredRichRules(input)).toEqual([
      accept('172.20.0.2', 31415), accept('172.20.0.3', 31415), accept('172.20.0.4', 31415), reject(31415),
      accept('172.20.0.2', 41415), accept('172.20.0.3', 41415), accept('172.20.0.4', 41415), reject(41415),
    ]);
    expect(desiredRichRules(input).every(isOurRule)).toBe(true);
    expect(isOurRule(SSH_RULE)).toBe(false);
  });

  const cases: { name: string; current: string[]; add: string[]; remove: string[] }[] = [
    { name: 'a fresh zone gets every rule', current: [], add: desiredRichRules(input), remove: [] },
    { name: 'a configured zone needs nothing', current: [SSH_RULE, ...desiredRichRules(input)], add: [], remove: [] },
    {
      name: 'a node that left the cluster loses its rules, the zone\'s own rules stay',
      current: [SSH_RULE, ...desiredRichRules({ ...input, clusterIps: [...input.clusterIps, '172.20.0.9'] })],
      add: [],
      remove: [accept('172.20.0.9', 31415), accept('172.20.0.9', 41415)],
    },
    {
      name: 'a new Redis port replaces the old port\'s rules',
      current: desiredRichRules({ ...input, redisPort: 6379 }),
      add: desiredRichRules(input).filter((r) => r.includes('"31415"')),
      remove: desiredRichRules({ ...input, redisPort: 6379 }).filter((r) => r.includes('"6379"')),
    },
  ];
  it.each(cases)('$name', ({ current, add, remove }) => {
    const edit = editTowards(current, desiredRichRules(input));
    expect(edit.add.sort()).toEqual([...add].sort());
    expect(edit.remove.sort()).toEqual([...remove].sort());
  });

  it('puts a zone back exactly, every rule included, whatever the order', () => {
    const before = [SSH_RULE];
    const now = [...desiredRichRules(input)];
    expect(editExactly(now, before)).toEqual({ remove: now, add: [SSH_RULE] });
    expect(sameRules([SSH_RULE, accept('172.20.0.2', 31415)], [accept('172.20.0.2', 31415), SSH_RULE])).toBe(true);
  });

  it('edits with one firewall-cmd call per kind, removals first, rules quoted for the shell', () => {
    expect(firewallCmds('public', true, { remove: [accept('172.20.0.9', 31415)], add: [reject(31415), reject(41415)] })).toEqual([
      {
        label: 'firewall-cmd --permanent --zone=public --remove-rich-rule (1 rule)',
        code: `firewall-cmd --permanent --zone='public' --remove-rich-rule='${accept('172.20.0.9', 31415)}'`,
      },
      {
        label: 'firewall-cmd --permanent --zone=public --add-rich-rule (2 rules)',
        code: `firewall-cmd --permanent --zone='public' --add-rich-rule='${reject(31415)}' --add-rich-rule='${reject(41415)}'`,
      },
    ]);
    expect(firewallCmds('public', false, { remove: [], add: [] })).toEqual([]);
  });

  it('parses the probe: zone, runtime and permanent rules, zone files', () => {
    const output = [
      'zone=public',
      `runtime:${accept('172.20.0.2', 31415)}`,
      `permanent:${SSH_RULE}`,
      'file /etc/firewalld/zones/public.xml',
      'root root 644',
      Buffer.from('<zone/>').toString('base64'),
      'file /etc/firewalld/zones/public.xml.old',
      'ABSENT',
    ].join('\n');
    expect(parseFirewalldProbe(output)).toEqual({
      state: {
        zone: 'public',
        runtime: [accept('172.20.0.2', 31415)],
        permanent: [SSH_RULE],
        files: [
          { path: '/etc/firewalld/zones/public.xml', content: Buffer.from('<zone/>').toString('base64'), owner: 'root', group: 'root', mode: '644' },
          { path: '/etc/firewalld/zones/public.xml.old', content: null, owner: '', group: '', mode: '' },
        ],
      },
    });
    expect(parseFirewalldProbe('inactive\n')).toEqual({ state: null });
    expect(parseFirewalldProbe('error=firewall-cmd --get-default-zone failed\n')).toEqual({ state: null, error: 'firewall-cmd --get-default-zone failed' });
    expect(parseFirewalldProbe('zone=../etc\n').error).toMatch(/no usable zone/);
  });

  it('reads the zone a snapshot names, and refuses a zone name that is not one', () => {
    expect(firewalldProbe('172.20.0.2', 'internal')).toContain('zone=internal\n');
    expect(firewalldProbe('172.20.0.2')).toContain('--get-zone-of-interface');
    expect(() => firewalldProbe('172.20.0.2', 'a b')).toThrow(/not a firewalld zone name/);
  });
});

describe('the firewall step on a firewalld node', () => {
  const inventory = buildInventory();
  const plan = (runtime: string[], permanent: string[]) => firewall.plan(contextFor(inventory, buildFacts(inventory, 'node1', 'fresh HSTS node', {
    firewallStack: 'firewalld', firewalld: { zone: 'internal', runtime, permanent, files: [] },
  }), 'node1'));

  it('adds the rules permanently first, then at run time, in the zone serving the private IP', () => {
    const [change, ...rest] = plan([SSH_RULE], [SSH_RULE]);
    expect(rest).toEqual([]);
    expect(change!.summary).toBe('firewalld zone internal: rich rules for the Redis and Sentinel ports (permanent and runtime)');
    expect(change!.commands.map((c) => c.label)).toEqual([
      'firewall-cmd --permanent --zone=internal --add-rich-rule (8 rules)',
      'firewall-cmd --zone=internal --add-rich-rule (8 rules)',
    ]);
    expect(change!.touches).toEqual([{ kind: 'firewalld' }]);
    expect(change!.diff).toContain(`+${reject(41415)}`);
    expect(change!.diff).not.toContain('service name="ssh"');
  });

  it('repairs only the side that lost a rule, and finds nothing to do when both hold them', () => {
    const all = desiredRichRules(firewallInputOf(inventory));
    const [change] = plan(all.slice(1), all);
    expect(change!.commands.map((c) => c.label)).toEqual(['firewall-cmd --zone=internal --add-rich-rule (1 rule)']);
    expect(plan([SSH_RULE, ...all], [...all, SSH_RULE])).toEqual([]);
  });
});

