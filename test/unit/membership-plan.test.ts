import { describe, expect, it } from 'vitest';
import { currentMembers, describeChange, planMembership, type Member, type MemberView } from '../../src/runner/membership/plan.js';

const ip = (i: number) => `192.0.2.${10 + i}`;
const member = (i: number): Member => ({ name: `node${i}`, ip: ip(i) });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** A configured member of a cluster of `of`, primary `primary`, Sentinel running unless told. */
function configured(i: number, of: number[], primary: number, answers = true): MemberView {
  return {
    ...member(i),
    dbHosts: of.map(ip),
    sentinelPeers: of.filter((j) => j !== i).map(ip),
    sentinelReplicas: of.filter((j) => j !== primary).map(ip),
    sentinelPrimary: ip(primary),
    sentinelAnswers: answers,
  };
}
const fresh = (i: number): MemberView =>
  ({ ...member(i), dbHosts: [], sentinelPeers: [], sentinelReplicas: [], sentinelPrimary: null, sentinelAnswers: false });

const short = (c: { kind: string; node: string }) => `${c.kind} ${c.node}`;

describe('planMembership', () => {
  it.each([
    {
      what: 'fresh nodes: a first up, no membership change',
      desired: [1, 2, 3], views: [fresh(1), fresh(2), fresh(3)], primary: 1,
      kind: 'initial', changes: [], refusal: null,
    },
    {
      what: 'an unchanged cluster',
      desired: [1, 2, 3], views: [1, 2, 3].map((i) => configured(i, [1, 2, 3], 1)), primary: 1,
      kind: 'same', changes: [], refusal: null,
    },
    {
      what: 'grow 3 -> 5: kept replicas, then the primary, then each new node joins',
      desired: [1, 2, 3, 4, 5], views: [...[1, 2, 3].map((i) => configured(i, [1, 2, 3], 1)), fresh(4), fresh(5)], primary: 1,
      kind: 'change', changes: ['update node2', 'update node3', 'update node1', 'join node4', 'join node5'], refusal: null,
    },
    {
      what: 'grow after a failover: the current primary (node2) is updated last',
      desired: [1, 2, 3, 4, 5], views: [...[1, 2, 3].map((i) => configured(i, [1, 2, 3], 2)), fresh(4), fresh(5)], primary: 2,
      kind: 'change', changes: ['update node1', 'update node3', 'update node2', 'join node4', 'join node5'], refusal: null,
    },
    {
      what: 'shrink 5 -> 3 keeping the primary: detach, update, reset each kept Sentinel',
      desired: [1, 2, 3], views: [1, 2, 3].map((i) => configured(i, [1, 2, 3, 4, 5], 1)), primary: 1,
      kind: 'change',
      changes: ['detach 192.0.2.14', 'detach 192.0.2.15', 'update node2', 'update node3', 'update node1', 'reset node1', 'reset node2', 'reset node3'],
      refusal: null,
    },
    {
      what: 'shrink 5 -> 3 removing the primary: switchover to the inventory primary first',
      desired: [1, 2, 3], views: [1, 2, 3].map((i) => configured(i, [1, 2, 3, 4, 5], 5)), primary: 5,
      kind: 'change',
      changes: ['switchover node1', 'detach 192.0.2.14', 'detach 192.0.2.15', 'update node2', 'update node3', 'update node1', 'reset node1', 'reset node2', 'reset node3'],
      refusal: null,
    },
    {
      what: 'replace node3 by a new machine with a new IP (same name)',
      desired: [1, 2, 6].map((i) => (i === 6 ? { name: 'node3', ip: ip(6) } : member(i))),
      views: [configured(1, [1, 2, 3], 1), configured(2, [1, 2, 3], 1), { ...fresh(6), name: 'node3' }], primary: 1,
      kind: 'change',
      changes: ['detach 192.0.2.13', 'update node2', 'update node1', 'join node3', 'reset node1', 'reset node2'],
      refusal: null,
    },
    {
      what: 'replacing two of three at once loses the majority',
      desired: [1, 6, 7], views: [configured(1, [1, 2, 3], 1), fresh(6), fresh(7)], primary: 1,
      kind: 'change', changes: [], refusal: /removing 2 of 3 members .* would lose the Sentinel majority \(2 of 3\); remove or replace at most 1 per run/,
    },
    {
      what: 'shrink 5 -> 1 is refused (majority) before the node-count rule',
      desired: [1], views: [configured(1, [1, 2, 3, 4, 5], 1)], primary: 1,
      kind: 'change', changes: [], refusal: /removing 4 of 5 members/,
    },
    {
      what: 'grow 3 -> 7 at once is refused: grow in steps',
      desired: range(1, 7), views: [...[1, 2, 3].map((i) => configured(i, [1, 2, 3], 1)), ...[4, 5, 6, 7].map(fresh)], primary: 1,
      kind: 'change', changes: [], refusal: /add at most 3 per run \(grow in steps, e\.g\. 3 → 5/,
    },
    {
      what: 'a grow while only one of three Sentinels runs is refused',
      desired: [1, 2, 3, 4, 5],
      views: [configured(1, [1, 2, 3], 1), configured(2, [1, 2, 3], 1, false), configured(3, [1, 2, 3], 1, false), fresh(4), fresh(5)],
      primary: 1, kind: 'change', changes: [], refusal: /only 1 of the 3 current Sentinels answer .* majority \(2\)/,
    },
    {
      what: 'an inventory of strangers to the cluster is refused',
      desired: [6, 7, 8], views: [{ ...fresh(6), dbHosts: [ip(1), ip(2), ip(3)] }, fresh(7), fresh(8)], primary: 1,
      kind: 'change', changes: [], refusal: /no node of the inventory is a member/,
    },
  ])('$what', ({ desired, views, primary, kind, changes, refusal }) => {
    const plan = planMembership({
      desired: desired.map((d) => (typeof d === 'number' ? member(d) : d)), views, primaryIp: ip(primary), declaredPrimary: ip(1),
    });
    expect(plan.kind).toBe(kind);
    expect(plan.changes.map(short)).toEqual(changes);
    if (refusal === null) expect(plan.refusal).toBeNull();
    else expect(plan.refusal).toMatch(refusal);
  });

  it('learns a removed node from Sentinel state alone (db_host lists already edited by hand)', () => {
    const views = [1, 2, 3].map((i) => ({ ...configured(i, [1, 2, 3], 1), sentinelPeers: [1, 2, 3, 4, 5].filter((j) => j !== i).map(ip) }));
    expect(currentMembers(views)).toEqual([1, 2, 3, 4, 5].map(ip));
    const plan = planMembership({ desired: [1, 2, 3].map(member), views, primaryIp: ip(1), declaredPrimary: ip(1) });
    expect(plan.removed).toEqual([ip(4), ip(5)]);
  });

  it('says what each change does, one line each', () => {
    expect(describeChange({ kind: 'switchover', node: 'node1', from: ip(5), to: ip(1) })).toBe('switchover: the primary moves from 192.0.2.15 to node1 (192.0.2.11) before anything is removed');
    expect(describeChange({ kind: 'detach', node: ip(4), ip: ip(4) })).toMatch(/^detach 192\.0\.2\.14: its Sentinel stops monitoring the cluster \(SENTINEL REMOVE\)/);
    expect(describeChange({ kind: 'join', node: 'node4', ip: ip(4) })).toMatch(/^join node4 \(192\.0\.2\.14\): replica of the current primary/);
  });
});
