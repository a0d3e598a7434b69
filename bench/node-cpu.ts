/**
 * The CPU a run costs on the nodes: each rig container's cgroup CPU counter, read on the host
 * before and after the run. The counter also holds what the node's daemons burn meanwhile (Redis,
 * Sentinel and the simulated asperanoded and asperarund poll on their own): that background is
 * measured over a quiet interval just before the run and taken off at the same rate.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Where a container's CPU counter is on the host, cgroup v1 (docker's cgroupfs driver) or v2. */
export function cgroupCpuFile(containerId: string, exists: (path: string) => boolean = existsSync): { path: string; kind: 'v1' | 'v2' } | null {
  const candidates: { path: string; kind: 'v1' | 'v2' }[] = [
    { path: `/sys/fs/cgroup/cpuacct/docker/${containerId}/cpuacct.usage`, kind: 'v1' },
    { path: `/sys/fs/cgroup/cpu,cpuacct/docker/${containerId}/cpuacct.usage`, kind: 'v1' },
    { path: `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/cpu.stat`, kind: 'v2' },
    { path: `/sys/fs/cgroup/docker/${containerId}/cpu.stat`, kind: 'v2' },
  ];
  return candidates.find((c) => exists(c.path)) ?? null;
}

/** The counter's value in nanoseconds: v1 `cpuacct.usage` is nanoseconds, v2 `cpu.stat` has `usage_usec`. */
export function parseCpuCounter(text: string, kind: 'v1' | 'v2'): number {
  if (kind === 'v1') {
    const ns = Number(text.trim());
    if (!Number.isFinite(ns) || text.trim() === '') throw new Error(`unexpected cpuacct.usage: ${text.slice(0, 80)}`);
    return ns;
  }
  const usec = /^usage_usec (\d+)$/m.exec(text);
  if (!usec) throw new Error(`no usage_usec in cpu.stat: ${text.slice(0, 80)}`);
  return Number(usec[1]) * 1000;
}

/** A run's CPU on each node in ms, less the background at the rate measured before it (never below 0). */
export function netNodeCpuMs(before: number[], after: number[], idleMsPerS: number[], runMs: number): number[] {
  return before.map((b, i) => Math.max(0, (after[i]! - b) / 1e6 - idleMsPerS[i]! * runMs / 1000));
}

/** The nodes' counters (ns, in the rig's node order) and when they were read (ms since the epoch). */
export interface CpuReading { at: number; cpu: number[] }

/**
 * A run's CPU in ms, the mean over the nodes: the background's rate taken from `quiet` to `before`
 * (the quiet interval just before the run), taken off over the run's `runMs`.
 */
export function meanRunCpuMs(quiet: CpuReading, before: CpuReading, after: number[], runMs: number): number {
  const idleMsPerS = before.cpu.map((c, i) => (c - quiet.cpu[i]!) / 1e6 / ((before.at - quiet.at) / 1000));
  const net = netNodeCpuMs(before.cpu, after, idleMsPerS, runMs);
  return net.reduce((a, b) => a + b, 0) / net.length;
}

export interface NodeCpuMeter {
  /** Nanoseconds per node, in the rig's node order. */
  read(): number[];
}

/** A meter over these containers, or null (with why) where the host's cgroup files are not visible. */
export function nodeCpuMeter(containerIds: string[]): { meter: NodeCpuMeter | null; why: string | null } {
  const files = containerIds.map((id) => cgroupCpuFile(id));
  const missing = containerIds.filter((_, i) => files[i] === null);
  if (missing.length > 0) {
    return { meter: null, why: `no cgroup CPU counter found on this host for container ${missing[0]!.slice(0, 12)} (looked under /sys/fs/cgroup for docker's cgroup v1 and v2 layouts)` };
  }
  return { meter: { read: () => files.map((f) => parseCpuCounter(readFileSync(f!.path, 'utf8'), f!.kind)) }, why: null };
}
