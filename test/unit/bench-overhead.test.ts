import { describe, expect, it } from 'vitest';
import { floorNote, overhead } from '../../bench/overhead.js';

describe('hsts-cluster\'s overhead', () => {
  it('is first each run over its own answers\' path (median over the reps), the floor\'s ratio beside it', () => {
    const o = overhead([{ ms: 1200, ownRemotePathMs: 1000 }, { ms: 3000, ownRemotePathMs: 2000 }, { ms: 1300, ownRemotePathMs: 1000 }], [900, 1000, 1100]);
    expect(o.overOwnPath).toBeCloseTo(1.3);
    expect(o.overFloor).toBeCloseTo(1.3);
    expect(o.floorSlower).toBe(false);
    expect(floorNote('cold up', o)).toBeNull();
  });

  it('says so when the floor\'s replay came out slower than hsts-cluster (the issue\'s 0.73x)', () => {
    const o = overhead([{ ms: 11_430, ownRemotePathMs: 9_000 }], [15_660]);
    expect(o.floorSlower).toBe(true);
    expect(o.overFloor).toBeCloseTo(0.73, 2);
    expect(floorNote('cold up', o)).toMatch(/floor's replay of the cold up came out slower than hsts-cluster \(hsts-cluster \/ floor 0\.73x\).*own answers' path is the overhead figure/);
  });

  it('has no own-path figure when no run had its path', () => {
    expect(overhead([{ ms: 1000, ownRemotePathMs: null }], [900]).overOwnPath).toBeNull();
  });
});
