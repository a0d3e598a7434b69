import { describe, expect, it } from 'vitest';
import { cgroupCpuFile, meanRunCpuMs, netNodeCpuMs, parseCpuCounter } from '../../bench/node-cpu.js';

describe("a rig container's CPU counter", () => {
  it.each<[string, string[], string | null]>([
    ['cgroup v1 (cgroupfs driver)', ['/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage'], '/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage'],
    ['cgroup v1, cpu and cpuacct joined', ['/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage'], '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage'],
    ['cgroup v2 (systemd driver)', ['/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat'], '/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat'],
    ['cgroup v2 (cgroupfs driver)', ['/sys/fs/cgroup/docker/abc/cpu.stat'], '/sys/fs/cgroup/docker/abc/cpu.stat'],
    ['another container only', ['/sys/fs/cgroup/cpuacct/docker/abd/cpuacct.usage'], null],
  ])('is found under %s', (_name, present, want) => {
    expect(cgroupCpuFile('abc', (p) => present.includes(p))?.path ?? null).toBe(want);
  });

  it.each<[string, string, 'v1' | 'v2', number | RegExp]>([
    ['v1 nanoseconds', '73500477863792\n', 'v1', 73500477863792],
    ['v2 usage_usec', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n', 'v2', 1_500_000],
    ['v1 empty', '', 'v1', /unexpected cpuacct.usage/],
    ['v2 without usage_usec', 'user_usec 1000\n', 'v2', /no usage_usec/],
  ])('reads %s', (_name, text, kind, want) => {
    if (want instanceof RegExp) expect(() => parseCpuCounter(text, kind)).toThrow(want);
    else expect(parseCpuCounter(text, kind)).toBe(want);
  });

  it.each<[string, number[], number[], number[], number, number[]]>([
    ['no background', [0, 1e9], [5e8, 2e9], [0, 0], 1000, [500, 1000]],
    ['background taken off at its rate', [0], [5e8], [100], 2000, [300]],
    ['never below zero', [0], [1e6], [50], 1000, [0]],
  ])('a run costs per node: %s', (_name, before, after, idle, ms, want) => {
    expect(netNodeCpuMs(before, after, idle, ms)).toEqual(want);
  });

  it.each<[string, number[], number[], number[], number, number]>([
    // quiet at 0 ms, before at 2000 ms: the background's rate is (before - quiet) over 2 s.
    ['no background, the mean over the nodes', [0, 0], [0, 0], [5e8, 1.5e9], 1000, 1000],
    ['background taken off at the quiet interval\'s rate', [0], [2e8], [8e8], 3000, 300],
    ['never below zero on a node', [0, 0], [2e8, 0], [2.5e8, 1e9], 1000, 500],
  ])('a run\'s mean over the nodes: %s', (_name, quiet, before, after, ms, want) => {
    expect(meanRunCpuMs({ at: 0, cpu: quiet }, { at: 2000, cpu: before }, after, ms)).toBeCloseTo(want, 6);
  });
});
