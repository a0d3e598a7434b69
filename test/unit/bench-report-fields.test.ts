import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingFields, RIG_REPORT_FIELDS, SIMULATION_REPORT_FIELDS } from '../../bench/report-fields.js';

describe('the fields a benchmark report must hold', () => {
  const fields = ['a', 'b.c', 'list[].x', 'nullable'];
  it.each<[string, unknown, string[]]>([
    ['all present', { a: 0, b: { c: false }, list: [{ x: 1 }, { x: null }], nullable: null }, []],
    ['a top-level field missing', { b: { c: 1 }, list: [{ x: 1 }], nullable: null }, ['a']],
    ['a nested field missing', { a: 1, b: {}, list: [{ x: 1 }], nullable: null }, ['b.c']],
    ['a parent that is null', { a: 1, b: null, list: [{ x: 1 }], nullable: null }, ['b.c']],
    ['one list element without the field', { a: 1, b: { c: 1 }, list: [{ x: 1 }, {}], nullable: null }, ['list[].x']],
    ['an empty list', { a: 1, b: { c: 1 }, list: [], nullable: null }, ['list[].x']],
    ['not a list', { a: 1, b: { c: 1 }, list: { x: 1 }, nullable: null }, ['list[].x']],
    ['not an object at all', 'text', fields],
  ])('%s', (_name, report, missing) => {
    expect(missingFields(report, fields)).toEqual(missing);
  });

  it('are the ones docs/benchmark.md lists, no more, no fewer', () => {
    const readme = readFileSync(new URL('../../docs/benchmark.md', import.meta.url), 'utf8');
    const listed = (heading: string) => {
      const start = readme.indexOf(heading);
      expect(start).toBeGreaterThan(0);
      const paragraph = readme.slice(start + heading.length, readme.indexOf('.\n', start));
      return [...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((f) => f !== '--simulated-nodes');
    };
    expect(listed('JSON fields of the comparison:')).toEqual([...RIG_REPORT_FIELDS]);
    expect(listed('JSON fields of the simulation')).toEqual([...SIMULATION_REPORT_FIELDS]);
  });
});
