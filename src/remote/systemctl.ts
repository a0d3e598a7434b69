import type { UnitFact } from '../hsts/node-facts.js';
import { parseInfoFields } from '../hsts/redis-info.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

/** What systemctl does to one unit. `reset-failed` never fails: a unit that never failed is fine. */
export type UnitAction = 'start' | 'stop' | 'restart' | 'enable' | 'disable' | 'reset-failed';

/** `systemctl ACTION UNIT`, labelled as typed. */
export function systemctl(action: UnitAction, unit: string): RemoteCommand {
  const code = `systemctl ${action} ${shq(unit)}`;
  return { label: `systemctl ${action} ${unit}`, code: action === 'reset-failed' ? `${code} 2>/dev/null; true` : code };
}

export function daemonReload(): RemoteCommand {
  return { label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' };
}

/** Succeeds when the unit is active; prints its ActiveState either way. */
export function isActive(unit: string): RemoteCommand {
  return { label: `systemctl is-active ${unit}`, code: `systemctl is-active ${shq(unit)}` };
}

/** The properties `parseUnitShow` reads (and status shows): one block of KEY=VALUE lines per unit. */
export const UNIT_PROPERTIES = ['Id', 'LoadState', 'UnitFileState', 'ActiveState', 'MainPID', 'UMask'] as const;

export function showUnits(units: readonly string[], label = `systemctl show ${units.join(' ')}`): RemoteCommand {
  return {
    label,
    code: `systemctl show ${UNIT_PROPERTIES.map((p) => `-p ${p}`).join(' ')} ${units.map(shq).join(' ')}`,
  };
}

/** `showUnits`'s output: one UnitFact per block, by unit name (".service" dropped). */
export function parseUnitShow(output: string): Map<string, UnitFact> {
  const units = new Map<string, UnitFact>();
  for (const block of output.split(/\n\s*\n/)) {
    const f = parseInfoFields(block.replace(/=/g, ':'));
    const id = f.Id;
    if (!id) continue;
    const name = id.replace(/\.service$/, '');
    units.set(name, {
      name,
      load: f.LoadState ?? '',
      enabled: f.UnitFileState ?? '',
      active: f.ActiveState ?? '',
      mainPid: Number(f.MainPID ?? 0),
      umask: f.UMask ?? '',
    });
  }
  return units;
}
