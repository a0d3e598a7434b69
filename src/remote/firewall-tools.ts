import { CHAIN } from '../hsts/firewall.js';
import { validZone, type RuleEdit } from '../hsts/firewalld.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** Our chain's rules and the INPUT rules, as `iptables -S` prints them, separated by a `---` line. */
export function listIptables(): RemoteCommand {
  return {
    label: `iptables -S ${CHAIN}; iptables -S INPUT`,
    code: `iptables -w 5 -S ${CHAIN} 2>/dev/null; echo ---; iptables -w 5 -S INPUT`,
  };
}

/** `iptables-restore --noflush` of `rules` (an iptables-restore script, see hsts/firewall.ts): one transaction. */
export function iptablesRestore(rules: string, why: string): RemoteCommand {
  return { label: `iptables-restore --noflush (${why})`, code: 'iptables-restore -w 5 --noflush < "$IN/rules"', inputs: { rules } };
}

/**
 * firewall-cmd invocations for an edit: removals first, then additions, each one call (firewall-cmd
 * takes one kind of action per call, repeated options for several rules).
 */
export function firewallCmds(zone: string, permanent: boolean, edit: RuleEdit): RemoteCommand[] {
  const base = `firewall-cmd${permanent ? ' --permanent' : ''} --zone=${zone}`;
  const out: RemoteCommand[] = [];
  for (const [verb, rules] of [['remove', edit.remove], ['add', edit.add]] as const) {
    if (rules.length === 0) continue;
    out.push({
      label: `${base} --${verb}-rich-rule (${rules.length} rule${rules.length > 1 ? 's' : ''})`,
      code: `firewall-cmd${permanent ? ' --permanent' : ''} --zone=${shq(zone)} ${rules.map((r) => `--${verb}-rich-rule=${shq(r)}`).join(' ')}`,
    });
  }
  return out;
}

/**
 * bash reading firewalld's state for the zone serving `privateIp` (the zone of the interface holding
 * it, else the default zone), or for the zone given (a rollback reads the zone its snapshot names).
 * Read-only; hsts/firewalld.ts's parseFirewalldProbe reads its output.
 */
export function firewalldProbe(privateIp: string, zone?: string): string {
  if (zone !== undefined && !validZone(zone)) throw new Error(`not a firewalld zone name: ${JSON.stringify(zone)}`);
  return [
    'set -o pipefail',
    'if [ "$(systemctl is-active firewalld 2>/dev/null)" != active ]; then echo inactive; exit 0; fi',
    zone === undefined
      ? [
        `iface=$(ip -o -4 addr show | awk -v ip=${privateIp} '{split($4, a, "/"); if (a[1] == ip) {print $2; exit}}')`,
        'zone=""; if [ -n "$iface" ]; then zone=$(firewall-cmd --get-zone-of-interface="$iface" 2>/dev/null) || zone=""; fi',
        '[ -n "$zone" ] || zone=$(firewall-cmd --get-default-zone) || { echo "error=firewall-cmd --get-default-zone failed"; exit 0; }',
      ].join('\n')
      : `zone=${zone}`,
    'case "$zone" in *[!A-Za-z0-9_-]*|"") echo "error=unusable zone name $zone"; exit 0;; esac',
    'echo "zone=$zone"',
    'firewall-cmd --zone="$zone" --list-rich-rules | sed "s/^/runtime:/" || { echo "error=firewall-cmd --zone=$zone --list-rich-rules failed"; exit 0; }',
    'firewall-cmd --permanent --zone="$zone" --list-rich-rules | sed "s/^/permanent:/" || { echo "error=firewall-cmd --permanent --zone=$zone --list-rich-rules failed"; exit 0; }',
    'for f in /etc/firewalld/zones/"$zone".xml /etc/firewalld/zones/"$zone".xml.old; do',
    '  echo "file $f"; if [ -e "$f" ]; then stat -c \'%U %G %a\' "$f" && base64 -w0 "$f" && echo; else echo ABSENT; fi',
    'done',
  ].join('\n');
}

export function readFirewalldZone(privateIp: string, zone?: string): RemoteCommand {
  return {
    label: `firewall-cmd: zone${zone ? ` ${zone}` : ` of ${privateIp}`}, its rich rules and files`,
    code: firewalldProbe(privateIp, zone),
  };
}
