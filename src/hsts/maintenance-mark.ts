import { HSTS } from './paths.js';

/**
 * The maintenance mark (HSTS.maintenanceFile) as `hsts-cluster maintenance on` writes it. The
 * maintenance helper owns the reader (src/facts/maintenance.ts); until it lands, rolling runs read
 * the file through this one parser and the probe below, so swapping them is one import.
 */
export interface MaintenanceMark {
  by: string;
  since: string;
  message: string;
  run: string;
  stopped: string[];
}

/** The probe's code: the file's JSON, or nothing when the node is not in maintenance. */
export const MAINTENANCE_PROBE = `if [ -f ${HSTS.maintenanceFile} ]; then cat ${HSTS.maintenanceFile}; fi`;

/** null: not in maintenance. A file that is not the JSON we write still marks the node. */
export function parseMaintenanceMark(output: string): MaintenanceMark | null {
  if (output.trim() === '') return null;
  try {
    const raw = JSON.parse(output) as Partial<MaintenanceMark>;
    return {
      by: String(raw.by ?? 'unknown'), since: String(raw.since ?? ''), message: String(raw.message ?? ''),
      run: String(raw.run ?? ''), stopped: Array.isArray(raw.stopped) ? raw.stopped.map(String) : [],
    };
  } catch {
    return { by: 'unknown', since: '', message: `unreadable mark: ${output.trim().slice(0, 80)}`, run: '', stopped: [] };
  }
}

export function describeMark(mark: MaintenanceMark): string {
  return `in maintenance since ${mark.since || '?'} by ${mark.by}${mark.message ? `: "${mark.message}"` : ''}`;
}
