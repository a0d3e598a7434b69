/**
 * THE reader of a node's maintenance mark (HSTS.maintenanceFile): a read-only probe with its
 * parser. Commands that must leave a node in maintenance alone ask this probe.
 */
import { parseMaintenanceMark, type MaintenanceRead } from '../hsts/maintenance.js';
import { HSTS } from '../hsts/paths.js';
import { outputProbe, type Probe } from '../remote/probe.js';
import { inStateDir } from '../remote/state-dir.js';

export type { MaintenanceMark, MaintenanceRead } from '../hsts/maintenance.js';
export { describeMark, keptStopped, parseMaintenanceMark } from '../hsts/maintenance.js';

const ABSENT = 'NO-MAINTENANCE-MARK';

export function maintenanceProbe(): Probe<MaintenanceRead> {
  return outputProbe({
    label: `read ${HSTS.maintenanceFile}`,
    code: inStateDir({ label: '', code: `if [ -e ${HSTS.maintenanceFile} ] || [ -L ${HSTS.maintenanceFile} ]; then [ -f ${HSTS.maintenanceFile} ] && [ ! -L ${HSTS.maintenanceFile} ] && head -c 65536 ${HSTS.maintenanceFile}; else echo ${ABSENT}; fi` }, 'read').code,
  }, parseMaintenanceAnswer);
}

/** The probe's output, or a file's text (null: absent), as a MaintenanceRead. */
export function parseMaintenanceAnswer(output: string | null): MaintenanceRead {
  if (output === null || output.trim() === ABSENT) return { state: 'none' };
  if (output.trim() === '') return { state: 'unreadable', reason: 'no answer or an empty file' };
  return parseMaintenanceMark(output);
}
