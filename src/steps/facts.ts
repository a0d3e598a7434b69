import { CHAIN, parseFirewallState, persistenceFor } from '../hsts/firewall.js';
import { firewalldProbe, parseFirewalldProbe } from '../hsts/firewalld.js';
import { HSTS } from '../hsts/paths.js';
import { parsePrimaryAddr, parseReplication, parseInfoFields } from '../hsts/redis-info.js';
import { shPath, shq } from '../ssh/shell.js';
import type { CommandResult, RemoteCommand } from '../ssh/remote-script.js';
import type { Secret } from '../util/secret.js';
import { asredis } from './remote-checks.js';
import type { FileFact, NeedsList, NodeFacts, RuntimeFacts, UnitFact } from './types.js';

/** Everything the steps need to know about a node, read in one round trip (each probe read-only). */
export function staticProbes(needs: NeedsList): RemoteCommand[] {
  const probes: RemoteCommand[] = needs.files.map((path) => ({
    label: `read ${path}`,
    code: `f=${shPath(path)}; if [ -e "$f" ]; then stat -c '%U %G %a' "$f" && base64 -w0 "$f"; else echo ABSENT; fi`,
  }));
  probes.push(
    {
      label: `systemctl show ${needs.units.join(' ')}`,
      code: `systemctl show -p Id -p LoadState -p UnitFileState -p ActiveState -p MainPID -p UMask ${needs.units.map(shq).join(' ')}`,
    },
    {
      label: 'which users exist',
      code: `for u in ${needs.users.map(shq).join(' ')}; do if getent passwd "$u" >/dev/null; then echo "$u yes"; else echo "$u no"; fi; done`,
    },
    {
      label: `iptables -S ${CHAIN}; iptables -S INPUT`,
      code: `iptables -w 5 -S ${CHAIN} 2>/dev/null; echo ---; iptables -w 5 -S INPUT`,
    },
    {
      label: 'environment (root, HSTS, firewall tools, transfers, listeners, lock)',
      code: [
        'echo "uid=$(id -u)"',
        `[ -x ${HSTS.asconfigurator} ] && [ -f ${HSTS.asperaConf} ] && echo hsts=yes || echo hsts=no`,
        'command -v netfilter-persistent >/dev/null 2>&1 && echo nfp=yes || echo nfp=no',
        '[ -f /usr/lib/systemd/system/iptables.service ] || [ -f /lib/systemd/system/iptables.service ] && echo ipts=yes || echo ipts=no',
        'echo "firewalld=$(systemctl is-active firewalld 2>/dev/null || true)"',
        'pgrep -a -x ascp | sed "s/^/transfer=/" || true',
        "ss -Htlnp 2>/dev/null | awk '{print \"listen=\" $4 \" \" $6}' || true",
        `[ -f ${HSTS.lockDir}/holder.json ] && echo "lock=$(tr -d '\\n' < ${HSTS.lockDir}/holder.json)" || true`,
      ].join('\n'),
    },
  );
  if (needs.firewalld) {
    probes.push({
      label: `firewall-cmd: zone${needs.firewalld.zone ? ` ${needs.firewalld.zone}` : ` of ${needs.firewalld.privateIp}`}, its rich rules and files`,
      code: firewalldProbe(needs.firewalld.privateIp, needs.firewalld.zone),
    });
  }
  return probes;
}

function parseFile(path: string, output: string): FileFact {
  if (output.trim() === 'ABSENT') return { path, content: null, owner: '', group: '', mode: '' };
  const [meta = '', b64 = ''] = output.split('\n');
  const [owner = '', group = '', mode = ''] = meta.split(' ');
  return { path, content: Buffer.from(b64.trim(), 'base64'), owner, group, mode };
}

export function parseUnits(output: string): Map<string, UnitFact> {
  const units = new Map<string, UnitFact>();
  for (const block of output.split(/\n\s*\n/)) {
    const f = parseInfoFields(block.replace(/=/g, ':'));
    const id = f.Id;
    if (!id) continue;
    const name = id.replace(/\.service$/, '');
    units.set(name, {
      name,
      load: f.LoadState ?? '',
      enabled: f.UnitFileState ?? '',
      active: f.ActiveState ?? '',
      mainPid: Number(f.MainPID ?? 0),
      umask: f.UMask ?? '',
    });
  }
  return units;
}

function parseListeners(lines: string[]): Map<number, string[]> {
  const listeners = new Map<number, string[]>();
  for (const line of lines) {
    const [address = '', users = ''] = line.split(' ');
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const names = [...users.matchAll(/\("([^"]+)"/g)].map((m) => m[1]!);
    listeners.set(port, [...(listeners.get(port) ?? []), ...names]);
  }
  return listeners;
}

export function parseStaticFacts(needs: NeedsList, results: CommandResult[]): Omit<NodeFacts, 'runtime'> {
  const out = (i: number) => results[i]?.output ?? '';
  const files = new Map(needs.files.map((path, i) => [path, parseFile(path, out(i))]));
  const base = needs.files.length;
  const units = parseUnits(out(base));
  for (const name of needs.units) {
    if (!units.has(name)) units.set(name, { name, load: 'not-found', enabled: '', active: 'inactive', mainPid: 0, umask: '' });
  }
  const users = new Map(out(base + 1).split('\n').filter(Boolean).map((l) => {
    const [user = '', yes] = l.split(' ');
    return [user, yes === 'yes'] as const;
  }));
  const [chainListing = '', inputListing = ''] = out(base + 2).split('---\n');
  const env = out(base + 3).split('\n');
  const value = (key: string) => env.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const firewalldActive = value('firewalld')[0] === 'active';
  const firewalld: ReturnType<typeof parseFirewalldProbe> = needs.firewalld && firewalldActive ? parseFirewalldProbe(out(base + 4)) : { state: null };
  return {
    files,
    units,
    users,
    firewall: parseFirewallState(chainListing, inputListing),
    persistence: persistenceFor({ netfilterPersistent: value('nfp')[0] === 'yes', iptablesServices: value('ipts')[0] === 'yes' }),
    firewalld: firewalld.state,
    firewalldProblem: firewalld.error ?? (firewalldActive && needs.firewalld && !firewalld.state ? 'firewalld stopped while its state was read' : null),
    isRoot: value('uid')[0] === '0',
    hstsInstalled: value('hsts')[0] === 'yes',
    transfers: value('transfer'),
    listeners: parseListeners(value('listen')),
    lockHolder: value('lock')[0] ?? null,
  };
}

export interface RuntimeProbeInput {
  sentinel?: { ip: string; port: number; password: Secret | string; primarySet: string };
  redis?: { ip: string; port: number; password: Secret | string };
}

/** Read-only questions to the running Redis and Sentinel, with the passwords they run with. */
export function runtimeProbes(input: RuntimeProbeInput): RemoteCommand[] {
  const probes: RemoteCommand[] = [];
  if (input.sentinel) {
    const s = input.sentinel;
    probes.push({
      label: `asredis -h ${s.ip} -p ${s.port} SENTINEL get-master-addr-by-name ${s.primarySet}`,
      code: asredis(s.ip, s.port, `SENTINEL get-master-addr-by-name ${shq(s.primarySet)}`),
      inputs: { pw: s.password },
    });
  }
  if (input.redis) {
    const r = input.redis;
    probes.push({
      label: `asredis -h ${r.ip} -p ${r.port} INFO replication; DBSIZE`,
      code: `${asredis(r.ip, r.port, 'INFO replication')} && echo "dbsize:$(${asredis(r.ip, r.port, 'DBSIZE')})"`,
      inputs: { pw: r.password },
    });
  }
  return probes;
}

export function parseRuntimeFacts(input: RuntimeProbeInput, results: CommandResult[]): RuntimeFacts {
  const facts: RuntimeFacts = {};
  let i = 0;
  if (input.sentinel) {
    const r = results[i++];
    const text = r?.output ?? '';
    if (r && r.exitCode === 0 && !/^(ERR|NOAUTH|WRONGPASS|Could not connect)/m.test(text)) {
      facts.sentinelPrimary = parsePrimaryAddr(text);
    } else {
      facts.sentinelError = text.trim().split('\n')[0] || 'no answer';
    }
  }
  if (input.redis) {
    const r = results[i];
    const replication = r && r.exitCode === 0 ? parseReplication(r.output) : null;
    if (replication) {
      facts.redis = replication;
      facts.redisKeys = Number(parseInfoFields(r!.output).dbsize ?? 0);
    } else {
      facts.redisError = r?.output.trim().split('\n')[0] || 'no answer';
    }
  }
  return facts;
}
