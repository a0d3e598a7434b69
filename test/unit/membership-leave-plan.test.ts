import { describe, expect, it } from 'vitest';
import { describeLeaving, planLeaving, type LeavingFacts } from '../../src/runner/membership/leave-plan.js';
import { parseInventory } from '../../src/inventory/load.js';
import { crossFieldProblems } from '../../src/inventory/rules.js';

const ALL = ['asperanoded', 'asperarund', 'asperaredissentinel', 'asperaredisd'];
const units = (active: string, enabled: string) => new Map(ALL.map((u) => [u, { active, enabled }]));
const node = (i: number, over: Partial<LeavingFacts> = {}): LeavingFacts =>
  ({ name: `node${i}`, ip: `192.0.2.${10 + i}`, reachable: true, units: units('active', 'enabled'), ...over });

describe('planLeaving', () => {
  it.each([
    {
      what: 'a running replica leaving: stop HSTS first, Redis last, and disable every unit',
      leaving: [node(4)], primary: 1,
      changes: ['stop-disable node4 stop=asperanoded,asperarund,asperaredissentinel,asperaredisd disable=asperanoded,asperarund,asperaredissentinel,asperaredisd'],
      refusal: null,
    },
    {
      what: 'the primary and a replica leaving: the switchover comes first',
      leaving: [node(4), node(5)], primary: 5,
      changes: ['switchover node5 to=node1', 'stop-disable node4 stop=asperanoded,asperarund,asperaredissentinel,asperaredisd disable=asperanoded,asperarund,asperaredissentinel,asperaredisd',
        'stop-disable node5 stop=asperanoded,asperarund,asperaredissentinel,asperaredisd disable=asperanoded,asperarund,asperaredissentinel,asperaredisd'],
      refusal: null,
    },
    {
      what: 'already detached (a second up): nothing to do',
      leaving: [node(4, { units: units('inactive', 'disabled') })], primary: 1,
      changes: ['absent node4'], refusal: null,
    },
    {
      what: 'stopped by hand but still enabled: only disabled',
      leaving: [node(4, { units: units('inactive', 'enabled') })], primary: 1,
      changes: ['stop-disable node4 stop= disable=asperanoded,asperarund,asperaredissentinel,asperaredisd'], refusal: null,
    },
    {
      what: 'a failed unit counts as stopped; a masked one as not starting',
      leaving: [node(4, { units: new Map([['asperanoded', { active: 'failed', enabled: 'masked' }], ['asperarund', { active: 'inactive', enabled: 'disabled' }],
        ['asperaredissentinel', { active: 'inactive', enabled: 'disabled' }], ['asperaredisd', { active: 'active', enabled: 'disabled' }]]) })], primary: 1,
      changes: ['stop-disable node4 stop=asperaredisd disable='], refusal: null,
    },
    {
      what: 'an unreachable replica: left to the Redis-protocol detach',
      leaving: [node(4, { reachable: false })], primary: 1,
      changes: ['unreachable node4'], refusal: null,
    },
    {
      what: 'an unreachable leaving primary: refused, nothing done',
      leaving: [node(5, { reachable: false })], primary: 5,
      changes: [], refusal: /node5 \(192\.0\.2\.15\) is the primary and leaving, but it cannot be reached over SSH.*switchover --to node1/,
    },
  ])('$what', ({ leaving, primary, changes, refusal }) => {
    const plan = planLeaving(leaving, `192.0.2.${10 + primary}`, 'node1');
    const short = plan.changes.map((c) => {
      if (c.kind === 'switchover') return `switchover ${c.node} to=${c.to}`;
      if (c.kind === 'stop-disable') return `stop-disable ${c.node} stop=${c.stop.join(',')} disable=${c.disable.join(',')}`;
      return `${c.kind} ${c.node}`;
    });
    expect(short).toEqual(changes);
    if (refusal === null) expect(plan.refusal).toBeNull();
    else expect(plan.refusal).toMatch(refusal);
    for (const c of plan.changes) expect(describeLeaving(c)).toContain(c.node);
  });
});

describe('inventory rules with absent nodes', () => {
  const n = (i: number, role = 'replica', state?: string) => ({ name: `node${i}`, privateIp: `192.0.2.${10 + i}`, role, ...(state ? { state } : {}) });
  const inv = (nodes: unknown[]) => ({ cluster: { redisPassword: { env: 'P' } }, nodes });
  it.each([
    { what: '3 present + 2 absent replicas', nodes: [n(1, 'primary'), n(2), n(3), n(4, 'replica', 'absent'), n(5, 'replica', 'absent')], problems: [] },
    { what: 'the absent node carries primary: the first present node takes over', nodes: [n(1), n(2), n(3), n(4), n(5, 'primary', 'absent')], problems: ['needs an odd number of present nodes (Sentinel majority), has 4'] },
    { what: '3 present, the primary absent', nodes: [n(1), n(2), n(3), n(4, 'replica', 'absent'), n(5, 'primary', 'absent')], problems: [] },
    { what: 'absent primary and a present primary: the present one is the target', nodes: [n(1, 'primary'), n(2), n(3), n(5, 'primary', 'absent')], problems: [] },
    { what: 'two absent primaries', nodes: [n(1), n(2), n(3), n(4, 'primary', 'absent'), n(5, 'primary', 'absent')], problems: ['needs at most one absent node with role "primary", has 2 (node4, node5)'] },
    { what: 'only 2 present', nodes: [n(1, 'primary'), n(2), n(3, 'replica', 'absent')], problems: ['needs at least 3 present nodes, has 2'] },
    { what: 'an absent node still needs its own IP', nodes: [n(1, 'primary'), n(2), n(3), { ...n(4, 'replica', 'absent'), privateIp: '192.0.2.11' }], problems: ['192.0.2.11 is also the privateIp of nodes[0]'] },
  ])('$what', ({ nodes, problems }) => {
    expect(crossFieldProblems(inv(nodes)).map((p) => p.message)).toEqual(problems);
  });
  it('quorum is checked against the present nodes', () => {
    const nodes = [n(1, 'primary'), n(2), n(3), n(4, 'replica', 'absent'), n(5, 'replica', 'absent')];
    expect(crossFieldProblems({ cluster: { redisPassword: 'x', quorum: 3 }, nodes }).map((p) => p.message)).toEqual(['must be at least 2 and below the number of Sentinels (3), is 3']);
  });
  it('state must be present or absent', () => {
    expect(() => parseInventory(inv([n(1, 'primary'), n(2), n(3, 'replica', 'gone')]), 'i.json')).toThrow(/state.*must be "present" or "absent"/s);
  });
});
