import type { Rig, RigNode } from '../test/rig/rig.js';
import { parseWriterOutput, type WriterReport } from '../test/support/writer.js';
import { parseAcks, type Ack } from './write-gaps.js';

/**
 * The integration tests' Sentinel-aware client (test/support/writer.ts), adapted for the benchmark:
 * the same bash/asredis loop inside a rig node (ask any Sentinel for the primary, INCR one key there,
 * ask again after any error; the Redis password read from the node's aspera_31415.conf, in no argv),
 * with the same output lines, but its stop() also returns each acknowledgement's time, so that the
 * benchmark can take the longest gap within each operation's window, not over the whole run. Its
 * own directory, so that it cannot meet a test's writer on the same node.
 */
const DIR = '/tmp/hsts-bench-writer';

function script(rig: Rig, key: string, maxSeconds: number): string {
  const sentinels = rig.nodes.map((n) => n.privateIp).join(' ');
  const set = rig.inventory.cluster.primarySet;
  return `
mkdir -p ${DIR}; rm -f ${DIR}/stop ${DIR}/last
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
primary=; n=0; end=$((SECONDS + ${maxSeconds}))
while [ "$SECONDS" -lt "$end" ] && [ ! -e ${DIR}/stop ]; do
  n=$((n + 1))
  if [ -z "$primary" ] && ! ask; then echo "$(date +%s%3N) err - no Sentinel answers"; sleep 0.1; continue; fi
  out=$(timeout 30 /opt/aspera/bin/asredis -h "$primary" -p 31415 INCR ${key} 2>&1)
  if [[ "$out" =~ ^[0-9]+$ ]]; then
    echo "$(date +%s%3N) ack $out $primary"; echo "$out" > ${DIR}/last
  else
    echo "$(date +%s%3N) err $primary $(echo $out)"; primary=
  fi
done
echo "end after $n attempts"
`;
}

export interface TimedWriter {
  /** The last acknowledged value so far (0 before the first). */
  lastAcked(): Promise<number>;
  stop(): Promise<{ report: WriterReport; acks: Ack[] }>;
}

/** Starts the writer on `node` in the background; it stops by itself after maxSeconds. */
export function startTimedWriter(rig: Rig, node: RigNode | number, key: string, maxSeconds = 1800): TimedWriter {
  const running = rig.sh(node, script(rig, key, maxSeconds));
  return {
    lastAcked: async () => Number((await rig.sh(node, `cat ${DIR}/last 2>/dev/null || echo 0`)).output.trim()) || 0,
    stop: async () => {
      await rig.sh(node, `mkdir -p ${DIR} && touch ${DIR}/stop`);
      const r = await running;
      if (!/end after \d+ attempts/.test(r.output)) throw new Error(`the writer did not end cleanly (exit ${r.exitCode}):\n${r.output.slice(-2000)}`);
      return { report: parseWriterOutput(r.output), acks: parseAcks(r.output) };
    },
  };
}
