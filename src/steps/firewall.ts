import {
  CHAIN, desiredFirewall, mergePersistedRules, iptablesRestoreScript, sameFirewall, type FirewallInput,
} from '../hsts/firewall.js';
import { desiredRichRules, editTowards, isEmptyEdit, isOurRule, type FirewalldState } from '../hsts/firewalld.js';
import type { Inventory } from '../inventory/load.js';
import { firewallCmds, iptablesRestore } from '../remote/firewall-tools.js';
import { makeDirectory } from '../remote/files.js';
import { systemctl } from '../remote/systemctl.js';
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

/**
 * With firewalld active: rich rules in the zone serving the private IP, permanent first (what the
 * next boot or reload loads), then runtime. Only our rules are removed or added.
 */
function firewalldChanges(step: string, zone: FirewalldState, input: FirewallInput): Change[] {
  const desired = desiredRichRules(input);
  const permanent = editTowards(zone.permanent, desired);
  const runtime = editTowards(zone.runtime, desired);
  if (isEmptyEdit(permanent) && isEmptyEdit(runtime)) return [];
  const ours = (rules: string[]) => rules.filter(isOurRule).sort().join('\n') || null;
  const show = (rules: string[], edit: { remove: string[]; add: string[] }) =>
    [...rules.filter((r) => isOurRule(r) && !edit.remove.includes(r)), ...edit.add].sort().join('\n');
  const diff = [
    isEmptyEdit(permanent) ? '' : unifiedDiff(ours(zone.permanent), show(zone.permanent, permanent), `firewall-cmd --permanent --zone=${zone.zone} --list-rich-rules`),
    isEmptyEdit(runtime) ? '' : unifiedDiff(ours(zone.runtime), show(zone.runtime, runtime), `firewall-cmd --zone=${zone.zone} --list-rich-rules`),
  ].join('');
  return [{
    step,
    summary: `firewalld zone ${zone.zone}: rich rules for the Redis and Sentinel ports (${[
      isEmptyEdit(permanent) ? '' : 'permanent', isEmptyEdit(runtime) ? '' : 'runtime'].filter(Boolean).join(' and ')})`,
    diff,
    commands: [...firewallCmds(zone.zone, true, permanent), ...firewallCmds(zone.zone, false, runtime)],
    touches: [{ kind: 'firewalld' }],
  }];
}

/**
 * Redis and Sentinel ports open to the cluster's IPs only: firewalld rich rules where firewalld is
 * active, else chain HSTS-CLUSTER in iptables, persisted the way the node does.
 */
export const firewall: Step = {
  id: 'firewall',
  title: 'Firewall: Redis and Sentinel ports for cluster IPs only',
  needs: (_inventory, node) => ({
    files: PERSISTED_RULE_FILES,
    units: ['netfilter-persistent', 'iptables'],
    firewalld: { privateIp: node.privateIp },
  }),
  plan(ctx) {
    const input = firewallInput(ctx.inventory);
    if (ctx.facts.firewalld) return firewalldChanges(this.id, ctx.facts.firewalld, input);
    const desired = desiredFirewall(input);
    const changes: Change[] = [];
    const live = ctx.facts.firewall;
    if (!sameFirewall(live, desired)) {
      const show = (s: typeof live) => [...(s.chain === null ? [] : [`-N ${CHAIN}`, ...s.chain]), ...s.jumps].join('\n');
      changes.push({
        step: this.id,
        summary: `iptables: rebuild chain ${CHAIN} and its INPUT jump`,
        diff: unifiedDiff(live.chain === null && live.jumps.length === 0 ? null : show(live), show(desired), 'iptables -S'),
        commands: [iptablesRestore(iptablesRestoreScript(live, desired), `chain ${CHAIN}, one transaction`)],
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
      persisted.commands.unshift(makeDirectory(persistence.path.slice(0, persistence.path.lastIndexOf('/'))));
      changes.push(persisted);
    }
    const unit = ctx.facts.units.get(persistence.unit);
    if (unit && unit.enabled !== 'enabled') {
      changes.push({
        step: this.id,
        summary: `systemctl enable ${persistence.unit} (loads the rules at boot)`,
        commands: [systemctl('enable', persistence.unit)],
        touches: [{ kind: 'unit', name: persistence.unit }],
      });
    }
    return changes;
  },
};
