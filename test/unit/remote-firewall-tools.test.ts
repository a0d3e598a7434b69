import { describe, expect, it } from 'vitest';
import { firewallCmds, iptablesRestore, listIptables, readFirewalldZone } from '../../src/remote/firewall-tools.js';

describe('remote/firewall-tools', () => {
  it('lists our chain, then INPUT, separated by ---; waits for the xtables lock at most 5 s', () => {
    expect(listIptables()).toEqual({
      label: 'iptables -S HSTS-CLUSTER; iptables -S INPUT',
      code: 'iptables -w 5 -S HSTS-CLUSTER 2>/dev/null; echo ---; iptables -w 5 -S INPUT',
    });
  });

  it('restores rules in one transaction, the rules on stdin as an input', () => {
    const rules = '*filter\n-N HSTS-CLUSTER\nCOMMIT\n';
    expect(iptablesRestore(rules, 'chain HSTS-CLUSTER, one transaction')).toEqual({
      label: 'iptables-restore --noflush (chain HSTS-CLUSTER, one transaction)',
      code: 'iptables-restore -w 5 --noflush < "$IN/rules"',
      inputs: { rules },
    });
  });

  it.each([
    ['172.20.0.2', undefined, 'firewall-cmd: zone of 172.20.0.2, its rich rules and files', '--get-zone-of-interface'],
    ['172.20.0.2', 'internal', 'firewall-cmd: zone internal, its rich rules and files', 'zone=internal\n'],
  ])('reads firewalld for %s (zone %s)', (ip, zone, label, inCode) => {
    const command = readFirewalldZone(ip, zone);
    expect(command.label).toBe(label);
    expect(command.code).toContain(inCode);
    expect(command.code).toContain('firewall-cmd --permanent --zone="$zone" --list-rich-rules');
  });

  it.each([
    [true, 'firewall-cmd --permanent --zone=public', "firewall-cmd --permanent --zone='public'"],
    [false, 'firewall-cmd --zone=public', "firewall-cmd --zone='public'"],
  ])('firewall-cmd rich rules, permanent %s', (permanent, base, code) => {
    const rule = 'rule priority="-3140" port port="31415" protocol="tcp" reject';
    expect(firewallCmds('public', permanent, { remove: [], add: [rule] })).toEqual([
      { label: `${base} --add-rich-rule (1 rule)`, code: `${code} --add-rich-rule='${rule}'` },
    ]);
  });

  it('quotes the zone name for the shell (a snapshot names it)', () => {
    expect(firewallCmds('a;b', true, { remove: [], add: ['r'] })[0]!.code).toBe("firewall-cmd --permanent --zone='a;b' --add-rich-rule='r'");
  });
});
