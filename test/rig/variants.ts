/**
 * Host variants: rig nodes that differ in a detail IBM's documents leave open, so that what
 * hsts-cluster discovers is tested against each plausible answer. `hsts-rig-variant` in the image
 * applies and checks them when the node starts (see the table in docs/test-rig.md, "Host variants").
 */
export const VARIANTS = [
  'redis-binary-asperaredisd',
  'no-xfer',
  'keystore-dot-aspera',
  'nodeapi-port',
  'redis-dir-root',
  'database-first',
  'redis-6.0',
  'home-outside-home',
  'opt-link',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Variants that cannot be on one node: each pair changes the same thing two ways. */
const EXCLUSIVE: readonly [Variant, Variant][] = [
  ['no-xfer', 'home-outside-home'],
  ['redis-binary-asperaredisd', 'redis-6.0'],
];

/** The Node API's https_port on a `nodeapi-port` node. */
export const VARIANT_NODE_API_PORT = 9093;

/** One node's variants from "a,b" (empty: none); throws naming the bad name or pair. */
export function parseVariants(value: string): Variant[] {
  const names = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const name of names) {
    if (!(VARIANTS as readonly string[]).includes(name)) throw new Error(`${name}: not a variant (one of ${VARIANTS.join(', ')})`);
  }
  const variants = [...new Set(names)] as Variant[];
  for (const [a, b] of EXCLUSIVE) {
    if (variants.includes(a) && variants.includes(b)) throw new Error(`${a} and ${b} cannot be on the same node`);
  }
  return variants;
}

/** Each member's variants: one list for every node, or one list per node. */
export function variantsPerNode(lists: Variant[][], nodes: number): Variant[][] {
  if (lists.length > 1 && lists.length !== nodes) throw new Error(`--variant given ${lists.length} times for ${nodes} nodes (once for all, or once per node)`);
  return Array.from({ length: nodes }, (_, i) => lists.length === 1 ? lists[0]! : lists[i] ?? []);
}

/**
 * The transfer users the rig's inventory lists: one inventory serves every node, and a listed user
 * must exist on each (pre-flight refuses otherwise), so `xfer` is listed only when no node lacks it.
 */
export function rigTransferUsers(perNode: Variant[][]): string[] {
  return perNode.some((v) => v.includes('no-xfer')) ? [] : ['xfer'];
}
