import { SERVICES, type Service } from '../../hsts/paths.js';
import { UsageError } from '../../util/errors.js';

/** --services: known names, kept in the procedure's start order whatever order they were typed in. */
export function parseServices(values: string[] | undefined): Service[] {
  if (values === undefined) return [...SERVICES];
  const unknown = values.filter((v) => !(SERVICES as readonly string[]).includes(v));
  if (unknown.length > 0 || values.length === 0) {
    throw new UsageError([{ field: '--services', value: unknown.join(',') || '(none)', message: 'not an HSTS service of the cluster', hint: `any of ${SERVICES.join(', ')}` }]);
  }
  return SERVICES.filter((s) => values.includes(s));
}
