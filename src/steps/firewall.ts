import {
  CHAIN, desiredFirewall, mergePersistedRules, restoreScript, sameFirewall, type FirewallInput,
} from '../hsts/firewall.js';
import type { Inventory } from '../inventory/load.js';
import { unifiedDiff } from '../util/diff.js';
import { fileChange, fileFact, fileText } from './common.js';
import type { Change, Step } from './types.js';

export const PERSISTED_RULE_FILES = ['/etc/iptables/rules.v4', '/etc/sysconfig/iptables'];

export function firewallInput(inventory: Inventory): FirewallInput {
  return {
    clusterIps: inventory.nodes.map((node) => node.privateIp),
    redisPort: inventory.cluster.redisPort,
    sentinelPort: inventory.cluster.sentinelPort,
  };
}

/** Redis and Sentinel ports open to the cluster's IPs only, in chain HSTS-CLUSTER, persisted. */
export const firewall: Step = {
  id: 'firewall',
  title: 'Firewall: Redis and Sentinel ports for cluster IPs only',
  needs: () => ({ files: PERSISTED_RULE_FILES, units: ['netfilter-persistent', 'iptables'] }),
  plan(ctx) {
    const input = firewallInput(ctx.inventory);
    const desired = desiredFirewall(input);
    const changes: Change[] = [];
    const live = ctx.facts.firewall;
    if (!sameFirewall(live, desired)) {
      const show = (s: typeof live) => [...(s.chain === null ? [] : [`-N ${CHAIN}`, ...s.chain]), ...s.jumps].join('\n');
      changes.push({
        step: this.id,
        summary: `iptables: rebuild chain ${CHAIN} and its INPUT jump`,
        diff: unifiedDiff(live.chain === null && live.jumps.length === 0 ? null : show(live), show(desired), 'iptables -S'),
        commands: [{
          label: `iptables-restore --noflush (chain ${CHAIN}, one transaction)`,
          code: 'iptables-restore -w 5 --noflush < "$IN/rules"',
          inputs: { rules: restoreScript(live, desired) },
        }],
        touches: [{ kind: 'firewall' }],
      });
    }
    const persistence = ctx.facts.persistence;
    if (!persistence) return changes;
    const fact = fileFact(ctx, persistence.path);
    const persisted = fileChange(this.id, fact, {
      path: persistence.path,
      content: mergePersistedRules(fileText(fact), input),
      owner: fact.content === null ? 'root' : fact.owner,
      group: fact.content === null ? 'root' : fact.group,
      mode: fact.mode || '640',
    }, { summary: `persist the rules in ${persistence.path} (${persistence.kind})` });
    if (persisted) {
      persisted.commands.unshift({ label: `mkdir -p ${persistence.path.slice(0, persistence.path.lastIndexOf('/'))}`, code: `mkdir -p ${persistence.path.slice(0, persistence.path.lastIndexOf('/'))}` });
      changes.push(persisted);
    }
    const unit = ctx.facts.units.get(persistence.unit);
    if (unit && unit.enabled !== 'enabled') {
      changes.push({
        step: this.id,
        summary: `systemctl enable ${persistence.unit} (loads the rules at boot)`,
        commands: [{ label: `systemctl enable ${persistence.unit}`, code: `systemctl enable ${persistence.unit} 2>&1` }],
        touches: [{ kind: 'unit', name: persistence.unit }],
      });
    }
    return changes;
  },
};
