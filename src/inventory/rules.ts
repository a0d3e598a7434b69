/**
 * The inventory's cross-field rules. They read the raw JSON and skip what is mistyped (the schema
 * reports that), so that they run in the same pass as the type checks, not on the next run.
 */

export interface RuleProblem { path: (string | number)[]; message: string; hint?: string }

type Raw = Record<string, unknown>;
/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export function crossFieldProblems(raw: unknown): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (!isObject(raw)) return out;
  const problem = (path: (string | number)[], message: string, hint?: string) => out.push({ path, message, ...(hint ? { hint } : {}) });
  const nodes = Array.isArray(raw.nodes) ? raw.nodes : undefined;
  // Counts, quorum and roles are the cluster's: the present nodes. An absent node is leaving it.
  const present = nodes?.filter((node) => !(isObject(node) && node.state === 'absent'));
  if (nodes && present) {
    const n = present.length;
    const absentNote = present.length < nodes.length ? ' present' : '';
    if (n < 3) problem(['nodes'], `needs at least 3${absentNote} nodes, has ${n}`, 'Sentinel needs three or more nodes to agree on a new primary: add nodes');
    else if (n % 2 === 0) problem(['nodes'], `needs an odd number of${absentNote} nodes (Sentinel majority), has ${n}`, `an even count tolerates no more failures than ${n - 1} nodes: add or remove one`);
    const objects = nodes.map((node) => (isObject(node) ? node : {}));
    const primariesOf = (list: Raw[]) => list.flatMap((node) => (node.role === 'primary' ? [typeof node.name === 'string' ? node.name : `nodes[${objects.indexOf(node)}]`] : []));
    const primaries = primariesOf(objects.filter((node) => node.state !== 'absent'));
    const leavingPrimaries = primariesOf(objects.filter((node) => node.state === 'absent'));
    // A leaving node may carry "primary" (it is the primary now); the present primary, or else the
    // first present node, takes over by a switchover.
    const leavingPrimaryOnly = primaries.length === 0 && leavingPrimaries.length === 1;
    if (leavingPrimaries.length > 1) {
      problem(['nodes'], `needs at most one absent node with role "primary", has ${leavingPrimaries.length} (${leavingPrimaries.join(', ')})`, 'only the current primary can carry "primary": make the others "replica"');
    } else if (primaries.length !== 1 && !leavingPrimaryOnly && objects.every((node) => node.role === 'primary' || node.role === 'replica')) {
      problem(['nodes'], `needs exactly one${absentNote} node with role "primary", has ${primaries.length}${primaries.length > 1 ? ` (${primaries.join(', ')})` : ''}`,
        primaries.length === 0 ? 'set "role": "primary" on the node that is the primary now, "replica" on the others' : 'keep "primary" on one node and make the others "replica"');
    }
    const seenNames = new Map<string, number>();
    const seenIps = new Map<string, number>();
    objects.forEach((node, i) => {
      if (typeof node.name === 'string') {
        const same = seenNames.get(node.name);
        if (same !== undefined) problem(['nodes', i, 'name'], `"${node.name}" is also the name of nodes[${same}]`, 'every node needs its own name');
        else seenNames.set(node.name, i);
      }
      if (typeof node.privateIp === 'string') {
        const same = seenIps.get(node.privateIp);
        if (same !== undefined) problem(['nodes', i, 'privateIp'], `${node.privateIp} is also the privateIp of nodes[${same}]`, 'every node needs its own cluster address');
        else seenIps.set(node.privateIp, i);
      }
    });
  }
  const cluster = isObject(raw.cluster) ? raw.cluster : undefined;
  if (!cluster) return out;
  const n = present?.length ?? 0;
  if (typeof cluster.quorum === 'number' && Number.isInteger(cluster.quorum) && n >= 3 && (cluster.quorum < 2 || cluster.quorum >= n)) {
    problem(['cluster', 'quorum'], `must be at least 2 and below the number of Sentinels (${n}), is ${cluster.quorum}`,
      `leave quorum out for a majority (${Math.floor(n / 2) + 1} of ${n})`);
  }
  const redisPort = cluster.redisPort === undefined ? 31415 : cluster.redisPort;
  const sentinelPort = cluster.sentinelPort === undefined ? 41415 : cluster.sentinelPort;
  if (typeof redisPort === 'number' && redisPort === sentinelPort) {
    problem(['cluster', 'sentinelPort'], `must differ from redisPort (${redisPort})`, 'the specification uses redisPort 31415 and sentinelPort 41415');
  }
  for (const [field, value] of [['redisPort', redisPort], ['sentinelPort', sentinelPort]] as const) {
    // The Node API's port is each node's own (aspera.conf): pre-flight checks it there.
    if (value === 22) problem(['cluster', field], `${value} is taken (SSH)`, 'the specification uses redisPort 31415 and sentinelPort 41415');
  }
  return out;
}
