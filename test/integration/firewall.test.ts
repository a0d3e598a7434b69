import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, faultFits, type Fault } from '../rig/faults.js';
import { expectSameFingerprints, fingerprintAll } from '../rig/fingerprint.js';
import { startRig, type FirewallProfile, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';

/**
 * up, its re-run, a fault and its rollback on each firewall stack a node can have: in a cluster
 * mixing the three (one node each, a fault on every node), and in a cluster of firewalld nodes only
 * (firewalld talking to firewalld). Uniform netfilter-persistent clusters are the rig's default in
 * every other file; HSTS_FIREWALL_STACKS=iptables-services,netfilter-persistent adds uniform
 * clusters of those. Reachability is checked from a member and from an outsider on the network.
 */
const ALL_STACKS: { name: string; firewall: FirewallProfile[] }[] = [
  { name: 'firewalld', firewall: ['firewalld', 'firewalld', 'firewalld'] },
  { name: 'iptables-services', firewall: ['iptables-services', 'iptables-services', 'iptables-services'] },
  { name: 'netfilter-persistent', firewall: ['netfilter-persistent', 'netfilter-persistent', 'netfilter-persistent'] },
  { name: 'mixed', firewall: ['firewalld', 'iptables-services', 'netfilter-persistent'] },
];

const firewallFault = (profile: FirewallProfile): Fault => FAULTS.find((f) => f.step === 'firewall' && faultFits(f, profile))!;
const startFault = FAULTS.find((f) => f.step === 'start-services')!;
/** firewall-cmd --list-all of the zone serving the node, without hsts-cluster's rich rules. */
const ZONE_WITHOUT_OURS = "firewall-cmd --list-all --zone=$(firewall-cmd --get-default-zone) | grep -v 'priority=\"-314[01]\"'";

// HSTS_FIREWALL_STACKS=firewalld,mixed,... chooses the clusters (default: mixed and firewalld).
const chosen = process.env.HSTS_FIREWALL_STACKS?.split(',') ?? ['mixed', 'firewalld'];

describe.each(ALL_STACKS.filter((s) => chosen.includes(s.name)))('$name nodes', ({ name, firewall }) => {
  let rig: Rig;
  let pristine: string[];
  const members = () => rig.nodes.slice(0, 3);
  // A uniform cluster gets its faults on a replica; a mixed one on every node, one stack each.
  const faultNodes = name === 'mixed' ? [0, 1, 2] : [1];

  beforeAll(async () => {
    rig = await startRig({ nodes: 3, outsiders: 1, firewall, dir: mkdtempSync(join(tmpdir(), `hsts-fw-${name}-`)) });
    pristine = await fingerprintAll(rig);
  });
  afterAll(async () => {
    await rig?.down();
  });

  async function upWithFault(node: number, fault: Fault) {
    const planted = await rig.sh(node, fault.plant);
    expect(planted.exitCode, planted.output).toBe(0);
    try {
      return await runCli(['up', '-i', rig.inventoryPath, '--json']);
    } finally {
      const removed = await rig.sh(node, fault.remove);
      expect(removed.exitCode, removed.output).toBe(0);
    }
  }

  it.each(faultNodes.map((node) => ({ node, label: `node${node + 1}` })))('a failing firewall step on $label is rolled back everywhere, byte for byte', async ({ node }) => {
    const fault = firewallFault(firewall[node]!);
    const r = await upWithFault(node, fault);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(fault.expect);
    expect(JSON.parse(r.stdout).nodes.map((n: { status: string }) => n.status)).not.toContain('rollback-failed');
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('a failure after the firewall step (starting Sentinel) takes every firewall change back', async () => {
    const r = await upWithFault(0, startFault);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(startFault.expect);
    const changed = JSON.parse(r.stdout).nodes.flatMap((n: { changes: { step: string }[] }) => n.changes.map((c) => c.step));
    expect(changed).toContain('firewall');
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('plan shows each node\'s firewall change in its own stack\'s terms', async () => {
    const r = await runCli(['plan', '-i', rig.inventoryPath]);
    expect(r.exitCode, r.stderr).toBe(0);
    if (firewall.includes('firewalld')) {
      expect(r.stderr).toContain('firewalld zone public: rich rules for the Redis and Sentinel ports (permanent and runtime)');
      expect(r.stderr).toMatch(/\+rule priority="-3141" family="ipv4" source address="[\d.]+" port port="31415" protocol="tcp" accept/);
      expect(r.stderr).toContain('+rule priority="-3140" port port="41415" protocol="tcp" reject');
    }
    if (firewall.some((f) => f !== 'firewalld')) expect(r.stderr).toContain('+-A HSTS-CLUSTER -p tcp -j REJECT --reject-with tcp-reset');
    if (firewall.includes('iptables-services')) expect(r.stderr).toContain('persist the rules in /etc/sysconfig/iptables (iptables-services)');
    expectSameFingerprints(await fingerprintAll(rig), pristine, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });

  it('up opens both ports of every node to the members only, SSH and the other rules untouched', async () => {
    const zonesBefore = await Promise.all(members().map((n, i) => (firewall[i] === 'firewalld' ? rig.sh(n, ZONE_WITHOUT_OURS) : Promise.resolve(null))));
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const outsider = rig.nodes[3]!;
    const probe = (ip: string, port: number) => `timeout 30 bash -c 'exec 3<>/dev/tcp/${ip}/${port}' 2>/dev/null && echo open || echo refused`;
    const configured = await fingerprintAll(rig);
    for (const [i, target] of members().entries()) {
      const member = members()[(i + 1) % 3]!;
      for (const port of [31415, 41415]) {
        expect((await rig.sh(member, probe(target.privateIp, port))).output.trim(), `${member.name} -> ${target.name}:${port}`).toBe('open');
        expect((await rig.sh(outsider, probe(target.privateIp, port))).output.trim(), `outsider -> ${target.name}:${port}`).toBe('refused');
      }
      expect((await rig.sh(outsider, probe(target.privateIp, 22))).output.trim()).toBe('open');
      if (firewall[i] === 'firewalld') {
        // The fingerprint sees firewalld's permanent configuration: the zone file firewalld wrote.
        expect(configured[i]).toMatch(/^firewalld-file \/etc\/firewalld\/zones\/public\.xml root:root \d+ \w+$/m);
        expect(pristine[i]).not.toMatch(/^firewalld-file \/etc\/firewalld\/zones\/public\.xml /m);
        expect((await rig.sh(target, ZONE_WITHOUT_OURS)).output).toBe(zonesBefore[i]!.output);
        const permanent = await rig.sh(target, 'firewall-cmd --permanent --list-rich-rules');
        expect(permanent.output.split('\n').filter((l) => l.includes('priority="-314'))).toHaveLength(8);
      } else {
        const file = firewall[i] === 'iptables-services' ? '/etc/sysconfig/iptables' : '/etc/iptables/rules.v4';
        expect((await rig.sh(target, `cat ${file}`)).output).toContain('-A INPUT -p tcp -m multiport --dports 31415,41415 -j HSTS-CLUSTER');
      }
      if (firewall[i] === 'iptables-services') {
        // RHEL's own rules stay, ours come first.
        const rules = (await rig.sh(target, 'iptables -S INPUT')).output;
        expect(rules).toContain('-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT');
        expect(rules.split('\n').find((l) => l.startsWith('-A INPUT'))).toContain('-j HSTS-CLUSTER');
      }
    }
  });

  it('a second up changes nothing', async () => {
    const before = await fingerprintAll(rig);
    const r = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals.changed).toBe(0);
    expectSameFingerprints(await fingerprintAll(rig), before, (a, e, i) => expect(a, `node${i + 1}`).toBe(e));
  });
});
