/**
 * The fields `npm run bench -- --json` documents (docs/benchmark.md), in one place: the smoke run
 * (bench/smoke.ts) checks that a report holds each of them, and a unit test that docs/benchmark.md
 * lists exactly these. A path is dotted; `[]` stands for every element of a (non-empty) list. A field must
 * be present; its value may be null where docs/benchmark.md says so (`ansible` without Ansible).
 */
export const RIG_REPORT_FIELDS = [
  'nodes', 'reps', 'rttMs', 'startup.versionMs', 'startup.nodeMs',
  'hstsCluster.coldUpMs.median', 'hstsCluster.noopRerunMs.median',
  'hstsCluster.criticalPathRoundTrips.coldUp', 'hstsCluster.criticalPathRoundTrips.noop',
  'hstsCluster.ownRemotePathMs.coldUp', 'hstsCluster.ownRemotePathMs.noop',
  'hstsCluster.controllerCpuMs.coldUp', 'hstsCluster.controllerCpuMs.noop',
  'hstsCluster.nodeCpuMs.coldUp', 'hstsCluster.nodeCpuMs.noop',
  'hstsCluster.peakRssMb', 'hstsCluster.perNode', 'hstsCluster.perNodeNoop',
  'ansible',
  'floorMs.median', 'floorNoopMs.median', 'floorConnectMs.median', 'floorCpuMs.coldUp', 'floorCpuMs.noop',
  'sshOnlyNodeCpuMs.coldUp', 'sshOnlyNodeCpuMs.noop',
  'ratios.hstsColdOverOwnPath', 'ratios.hstsNoopOverOwnPath', 'ratios.floorSlower.coldUp', 'ratios.floorSlower.noop',
  'ratios.ansibleOverHstsCold', 'ratios.ansibleOverHstsRerun',
  'ratios.hstsColdOverFloor', 'ratios.hstsNoopOverFloorNoop', 'ratios.hstsNoopOverConnectPlusFloorNoop',
  'ratios.nodeCpuOverSshOnly.coldUp', 'ratios.nodeCpuOverSshOnly.noop',
  'scaling', 'notes',
] as const;

export const SIMULATION_REPORT_FIELDS = [
  'farmDelayMs', 'farmWorkers', 'recordedAgain', 'loadAverage.before', 'loadAverage.after',
  'simulation[].nodes', 'simulation[].requestedNodes', 'simulation[].mode', 'simulation[].forks',
  'simulation[].wallMs', 'simulation[].cpuMs', 'simulation[].cpuMsPerNode', 'simulation[].peakRssMb',
  'simulation[].criticalPathRoundTrips', 'simulation[].changed',
] as const;

/** The fields of `fields` that `report` lacks (a list named with `[]` that is empty or not a list counts as lacking). */
export function missingFields(report: unknown, fields: readonly string[]): string[] {
  const has = (value: unknown, path: string[]): boolean => {
    if (path.length === 0) return value !== undefined;
    const [head, ...rest] = path as [string, ...string[]];
    if (head.endsWith('[]')) {
      const list = has(value, [head.slice(0, -2)]) ? (value as Record<string, unknown>)[head.slice(0, -2)] : undefined;
      return Array.isArray(list) && list.length > 0 && list.every((item) => has(item, rest));
    }
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, head)) return false;
    return has((value as Record<string, unknown>)[head], rest);
  };
  return fields.filter((f) => !has(report, f.split('.')));
}
