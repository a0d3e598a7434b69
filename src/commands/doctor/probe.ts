import type { DoctorFindings, ServiceFinding, UserFinding } from './checks.js';
import { pingUrl, type NodeApiEndpoint } from '../../hsts/aspera-conf.js';
import { HSTS } from '../../hsts/paths.js';
import { splitSocket } from '../../hsts/port-holders.js';
import { outputProbe, type Probe } from '../../remote/probe.js';
import { shq } from '../../ssh/shell.js';

/**
 * `doctor`'s question to a node, read-only, one command: KEY=VALUE lines. Services are found by
 * their units (MainPID, /proc/PID/comm and owner), which root reads without CAP_SYS_PTRACE; the
 * homes come from the user database (getent), never from a name.
 */

const SERVICES = ['asperaredisd', 'asperaredissentinel', 'asperanoded'];
const OWNED = ['/opt/aspera/etc/redis', '/opt/aspera/var', HSTS.rootKeystore];

export interface DoctorProbeInput {
  users: { user: string; listed: boolean }[];
  /** Each localkeystore.db candidate as a path relative to the home ("localkeystore.db", ".aspera/..."). */
  storePlaces: string[];
  /** Where aspera.conf says asperanoded serves the Node API. */
  nodeApi: NodeApiEndpoint;
  /** Who runs the Redis binary for its version: never root, since the binary is not IBM's programs, which are checked. */
  nodedUser: string;
}

function script({ users, storePlaces, nodeApi, nodedUser }: DoctorProbeInput): string {
  return [
    `echo "hsts=$(${HSTS.asnodeadmin} -A 2>/dev/null | head -n 1)"`,
    `for u in ${SERVICES.join(' ')}; do`,
    '  pid=$(systemctl show -p MainPID --value "$u" 2>/dev/null); pid=${pid:-0}',
    '  exe=$(systemctl show -p ExecStart --value "$u" 2>/dev/null | sed -n \'s/^{ path=\\([^ ;]*\\).*/\\1/p\' | head -n 1)',
    '  comm=-; owner=-; ver=-',
    '  if [ "$pid" != 0 ]; then comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo -); comm=${comm//[^A-Za-z0-9._:+@-]/?}; owner=$(stat -c %U "/proc/$pid" 2>/dev/null || echo -); fi',
    `  case "$u" in asperaredis*) [ -x "$exe" ] && ver=$(runuser -u ${shq(nodedUser)} -- "$exe" --version 2>/dev/null | sed -n 's/.* v=\\([0-9.]*\\).*/\\1/p' | head -n 1);; esac`,
    '  echo "unit=$u $pid $comm $owner ${exe:--} ${ver:--}"',
    'done',
    "ss -Htlnp 2>/dev/null | awk '{print \"listen=\" $4 \" \" $6}' || true",
    `for u in ${users.map((u) => shq(u.user)).join(' ')}; do`,
    '  h=$(getent passwd "$u" | cut -d: -f6)',
    '  if [ -z "$h" ]; then echo "user=$u"; continue; fi',
    '  echo "user=$u $h"',
    `  for c in ${storePlaces.map(shq).join(' ')}; do [ -f "$h/$c" ] && [ ! -L "$h/$c" ] && echo "store=$u $h/$c"; done`,
    'done',
    `for p in ${OWNED.map(shq).join(' ')}; do [ -e "$p" ] && stat -c 'owner=%U:%G %a %n' "$p"; done`,
    `[ -x ${HSTS.askmscli} ] && echo askmscli=yes`,
    'command -v curl >/dev/null 2>&1 && echo curl=yes',
    `echo "ping=$(curl -sk -o /dev/null -m 5 -w '%{http_code}' ${shq(pingUrl(nodeApi))} 2>/dev/null)"`,
    'true',
  ].join('\n');
}

const dash = (v: string | undefined) => (v === undefined || v === '-' || v === '' ? null : v);

/** The doctor's findings from the probe's output; listed users keep their order. */
export function parseDoctorProbe(input: DoctorProbeInput, output: string): DoctorFindings {
  const lines = output.split('\n');
  const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const services: ServiceFinding[] = values('unit').map((line) => {
    const [unit = '', pid = '0', binary, user, execPath, version] = line.split(' ');
    return { unit, pid: Number(pid) || 0, binary: dash(binary), user: dash(user), execPath: dash(execPath), version: dash(version) };
  });
  const listening: DoctorFindings['listening'] = new Map();
  for (const line of values('listen')) {
    const [column = '', holders = ''] = line.split(' ');
    const local = splitSocket(column);
    if (!local) continue;
    const { address, port } = local;
    listening.set(port, [...(listening.get(port) ?? []), { address, holders: [...holders.matchAll(/\("([^"]+)"/g)].map((m) => m[1]!) }]);
  }
  const homes = new Map(values('user').map((l) => [l.split(' ')[0]!, l.includes(' ') ? l.slice(l.indexOf(' ') + 1) : null]));
  const stores = values('store');
  const users: UserFinding[] = input.users.map(({ user, listed }) => ({
    user, listed, home: homes.get(user) ?? null,
    stores: stores.filter((s) => s.startsWith(`${user} `)).map((s) => s.slice(user.length + 1)),
  }));
  const owners = new Map(values('owner').map((l) => {
    const [owner = '', mode = '', ...path] = l.split(' ');
    return [path.join(' '), `${owner} ${mode}`];
  }));
  return {
    hstsVersion: dash(values('hsts')[0]),
    services, listening, users, owners,
    askmscli: values('askmscli')[0] === 'yes',
    curl: values('curl')[0] === 'yes',
    nodeApiPing: /^\d{3}$/.exec(values('ping')[0] ?? '')?.[0] ?? '000',
  };
}

export function doctorProbe(input: DoctorProbeInput): Probe<DoctorFindings> {
  return outputProbe({ label: 'doctor: services, listeners, users and keystores, owners, Node API', code: script(input) },
    (output) => parseDoctorProbe(input, output));
}
