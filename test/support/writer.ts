import type { Rig, RigNode } from '../rig/rig.js';

/**
 * A Sentinel-aware client, as an application would be: it asks any Sentinel which node is primary
 * (SENTINEL get-master-addr-by-name), INCRs one key there, records each acknowledged value, and asks
 * the Sentinels again after any error. It runs as a bash/asredis loop inside a rig node (the nodes'
 * private IPs are reachable only inside the rig's network) and reads the Redis password from that
 * node's own aspera_31415.conf, so the password is in no argv; it reads it again whenever it asks the
 * Sentinels (after any error), as an application does that follows a password rotation (the file
 * has the new password before the old one is refused). Bounded in count, time, and by a stop file.
 */
export interface WriterOptions {
  key: string;
  maxWrites?: number;
  maxSeconds?: number;
  /** Its folder on the node (stop file, last value): writers with folders of their own cannot meet. */
  dir?: string;
}

/** An acknowledged INCR: when (ms since the epoch, the node's clock) and the value it returned. */
export interface Ack { at: number; value: number }

export interface WriterReport {
  /** Every value an INCR acknowledged, in order. */
  acked: number[];
  /** The same writes with the time each was acknowledged. */
  acks: Ack[];
  /** The longest time between two acknowledged writes, ms (measured on the node). */
  longestGapMs: number;
  /** The primaries the writes were acknowledged by, in order of first use. */
  primaries: string[];
  errors: string[];
  /** Each value that did not exceed the one acknowledged before it (a sign of a lost write). */
  notIncreasing: number[];
}

export interface Writer {
  /** The last acknowledged value so far (0 before the first). */
  lastAcked(): Promise<number>;
  stop(): Promise<WriterReport>;
}

function script(rig: Rig, options: Required<WriterOptions>): string {
  const dir = options.dir;
  const sentinels = rig.nodes.map((n) => n.privateIp).join(' ');
  const set = rig.inventory.cluster.primarySet;
  return `
mkdir -p ${dir}; rm -f ${dir}/stop ${dir}/last
password() { export REDISCLI_AUTH=$(awk '$1=="requirepass"{print $2}' /opt/aspera/etc/redis/aspera_31415.conf | tr -d '"'); }
password
ask() {
  password
  for s in ${sentinels}; do
    a=$(timeout 2 /opt/aspera/bin/asredis -h "$s" -p 41415 SENTINEL get-master-addr-by-name ${set} 2>/dev/null | head -n1)
    if [[ "$a" =~ ^[0-9.]+$ ]]; then primary=$a; return 0; fi
  done
  return 1
}
primary=; n=0; end=$((SECONDS + ${options.maxSeconds}))
while [ "$n" -lt ${options.maxWrites} ] && [ "$SECONDS" -lt "$end" ] && [ ! -e ${dir}/stop ]; do
  n=$((n + 1))
  if [ -z "$primary" ] && ! ask; then echo "$(date +%s%3N) err - no Sentinel answers"; sleep 0.1; continue; fi
  out=$(timeout 30 /opt/aspera/bin/asredis -h "$primary" -p 31415 INCR ${options.key} 2>&1)
  if [[ "$out" =~ ^[0-9]+$ ]]; then
    echo "$(date +%s%3N) ack $out $primary"; echo "$out" > ${dir}/last
  else
    echo "$(date +%s%3N) err $primary $(echo $out)"; primary=
  fi
done
echo "end after $n attempts"
`;
}

export function parseWriterOutput(output: string): WriterReport {
  const report: WriterReport = { acked: [], acks: [], longestGapMs: 0, primaries: [], errors: [], notIncreasing: [] };
  let lastAt: number | undefined;
  for (const line of output.split('\n')) {
    const ack = /^(\d+) ack (\d+) (\S+)$/.exec(line);
    if (ack) {
      const [at, value, primary] = [Number(ack[1]), Number(ack[2]), ack[3]!];
      if (report.acked.length > 0 && value <= report.acked.at(-1)!) report.notIncreasing.push(value);
      report.acked.push(value);
      report.acks.push({ at, value });
      if (lastAt !== undefined) report.longestGapMs = Math.max(report.longestGapMs, at - lastAt);
      lastAt = at;
      if (!report.primaries.includes(primary)) report.primaries.push(primary);
    } else if (/^\d+ err /.test(line)) {
      report.errors.push(line);
    }
  }
  return report;
}

/** Starts the writer on `node` in the background. */
export function startWriter(rig: Rig, node: RigNode | number, options: WriterOptions): Writer {
  const full = { maxWrites: 200_000, maxSeconds: 600, dir: '/tmp/hsts-writer', ...options };
  const dir = full.dir;
  const running = rig.sh(node, script(rig, full));
  return {
    lastAcked: async () => Number((await rig.sh(node, `cat ${dir}/last 2>/dev/null || echo 0`)).output.trim()) || 0,
    stop: async () => {
      await rig.sh(node, `mkdir -p ${dir} && touch ${dir}/stop`);
      const r = await running;
      if (!/end after \d+ attempts/.test(r.output)) throw new Error(`the writer did not end cleanly (exit ${r.exitCode}):\n${r.output.slice(-2000)}`);
      return parseWriterOutput(r.output);
    },
  };
}
