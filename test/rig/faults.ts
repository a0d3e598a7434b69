import type { FirewallProfile } from './rig.js';

/**
 * Faults to plant on a node, one per step of playbooks/up.json: each makes that step (and only that
 * step) fail, and none stands in the way of the rollback that follows. `remove` undoes the plant.
 */
export interface Fault {
  step: string;
  plant: string;
  remove: string;
  /** What the failure report must say. */
  expect: RegExp;
  /** The firewall stacks the fault applies to (default: every one). */
  profiles?: FirewallProfile[];
  /**
   * `up --wait-timeout` for this fault: only where the fault shows as a readiness wait that never
   * ends, so that such a case costs less than the default 30 s; still long enough for the nodes
   * without the fault to get ready on a slow machine.
   */
  waitTimeoutS?: number;
}

/** Whether a fault can be planted on a node with this firewall stack. */
export function faultFits(fault: Fault, profile: FirewallProfile): boolean {
  return fault.profiles === undefined || fault.profiles.includes(profile);
}

/**
 * firewall-cmd that fails on a run-time --add-rich-rule only: the permanent rules (written first)
 * are in, so the rollback must take them out and put the zone's files back.
 */
const FAILING_RUNTIME_FIREWALL_CMD = {
  plant: `mv /usr/bin/firewall-cmd /usr/bin/firewall-cmd.real && cat > /usr/bin/firewall-cmd <<'EOF'
#!/bin/sh
case " $* " in *" --permanent "*) ;; *" --add-rich-rule="*) echo "planted fault" >&2; exit 1 ;; esac
exec /usr/bin/firewall-cmd.real "$@"
EOF
chmod +x /usr/bin/firewall-cmd`,
  remove: 'mv -f /usr/bin/firewall-cmd.real /usr/bin/firewall-cmd',
};

const failing = (path: string) => ({
  plant: `mv ${path} ${path}.real && printf '#!/bin/sh\\necho planted fault >&2\\nexit 1\\n' > ${path} && chmod +x ${path}`,
  remove: `mv -f ${path}.real ${path}`,
});

/** A directory where the atomic write puts its temp file: the write (install + rename) fails. */
/**
 * Writes into the file's directory fail (a read-only bind mount of it) while reads go on: the step
 * that writes the file fails at its write, after facts and pre-flight read it. (The safe write's
 * temporary name is random, so a planted file at a fixed temporary name no longer blocks it.)
 */
const blockWrite = (path: string) => {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return { plant: `mount --bind ${dir} ${dir} && mount -o remount,bind,ro ${dir}`, remove: `while mountpoint -q ${dir}; do umount ${dir} || break; done` };
};

/**
 * The rename that puts a new file in place fails for this name alone (mv, which the safe write
 * ends with, replaced by one that refuses that destination): the step that writes the file fails
 * at its write. (A bind mount of the file would also refuse the reads before it, which take no
 * name that is a mount point.)
 */
const failingRenameOnto = (name: string) => ({
  plant: `mv /usr/bin/mv /usr/bin/mv.real && printf '#!/bin/sh\\nfor a; do last=$a; done\\n[ "$last" != ${name} ] || { echo planted fault >&2; exit 1; }\\nexec /usr/bin/mv.real "$@"\\n' > /usr/bin/mv && chmod 755 /usr/bin/mv`,
  remove: '[ ! -e /usr/bin/mv.real ] || /usr/bin/mv.real -f /usr/bin/mv.real /usr/bin/mv',
});

const dropIn = (unit: string, lines: string) => ({
  plant: `mkdir -p /etc/systemd/system/${unit}.service.d && printf '${lines}' > /etc/systemd/system/${unit}.service.d/fault.conf && systemctl daemon-reload`,
  remove: `rm -rf /etc/systemd/system/${unit}.service.d && systemctl daemon-reload`,
});

export const FAULTS: Fault[] = [
  {
    step: 'preflight',
    // Returns once the port is taken (bounded), however long python3 takes to start.
    plant: "setsid python3 -c 'import socket,time; s=socket.socket(); s.bind((\"0.0.0.0\",41415)); s.listen(); time.sleep(900)' >/dev/null 2>&1 < /dev/null & timeout 120 sh -c 'until ss -Hltn \"sport = :41415\" | grep -q .; do sleep 0.1; done'",
    remove: "pkill -f '[b]ind..\"0.0.0.0\",41415'; true",
    expect: /port 41415 is held by pid \d+ \(python3\)/,
  },
  { step: 'stop-services', ...dropIn('asperanoded', '[Unit]\\nRefuseManualStop=yes\\n'), expect: /systemctl stop asperanoded: exit/ },
  { step: 'aspera-conf', ...failing('/opt/aspera/bin/asconfigurator'), expect: /asconfigurator -x .*planted fault/s },
  { step: 'redis-conf', ...blockWrite('/opt/aspera/etc/redis/aspera_31415.conf'), expect: /write \/opt\/aspera\/etc\/redis\/aspera_31415\.conf/ },
  { step: 'sentinel-conf', ...failingRenameOnto('sentinel_41415.conf'), expect: /write \/opt\/aspera\/etc\/redis\/sentinel_41415\.conf/ },
  { step: 'units', ...blockWrite('/lib/systemd/system/asperaredissentinel.service'), expect: /write \/lib\/systemd\/system\/asperaredissentinel\.service/ },
  { step: 'keystores', ...failing('/opt/aspera/bin/askmscli'), expect: /askmscli .*planted fault/s },
  {
    step: 'firewall', ...failing('/usr/sbin/iptables-restore'), expect: /iptables-restore --noflush .*planted fault/s,
    profiles: ['netfilter-persistent', 'iptables-services'],
  },
  { step: 'firewall', ...FAILING_RUNTIME_FIREWALL_CMD, expect: /firewall-cmd --zone=\S+ --add-rich-rule .*planted fault/s, profiles: ['firewalld'] },
  { step: 'start-services', ...dropIn('asperaredissentinel', '[Service]\\nExecStartPre=/bin/false\\n'), expect: /systemctl start asperaredissentinel: exit/ },
  {
    step: 'verify',
    plant: "mv /opt/aspera/sbin/asperanoded /opt/aspera/sbin/asperanoded.real && printf '#!/bin/sh\\nexec sleep 600\\n' > /opt/aspera/sbin/asperanoded && chmod +x /opt/aspera/sbin/asperanoded && systemctl restart asperanoded",
    remove: 'mv -f /opt/aspera/sbin/asperanoded.real /opt/aspera/sbin/asperanoded && systemctl restart asperanoded',
    expect: /asperanoded did not answer healthy/,
    waitTimeoutS: 25,
  },
];
