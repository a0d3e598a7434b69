import {
  desiredServerData, parseServerSection, renderServerSection, serverDataChanges, setServerDataArg,
} from '../hsts/aspera-conf.js';
import { HSTS } from '../hsts/paths.js';
import type { Inventory } from '../inventory/load.js';
import { asconfigurator, asperaConfHolds } from '../remote/asconfigurator.js';
import { unifiedDiff } from '../util/diff.js';
import { fileFact, fileText } from './common.js';
import type { Change, Step } from './types.js';

export function desiredDb(inventory: Inventory) {
  return desiredServerData({
    sentinels: inventory.nodes.map((node) => ({ ip: node.privateIp, port: inventory.cluster.sentinelPort })),
    primarySet: inventory.cluster.primarySet,
  });
}

/** asconfigurator sets db_type, db_host, db_port and db_primaryset; then <server> is read back. */
export const asperaConf: Step = {
  id: 'aspera-conf',
  title: 'aspera.conf: database settings (asconfigurator)',
  needs: () => ({ files: [HSTS.asperaConf] }),
  plan(ctx) {
    const text = fileText(fileFact(ctx, HSTS.asperaConf)) ?? '';
    const current = parseServerSection(text);
    const desired = desiredDb(ctx.inventory);
    const keys = serverDataChanges(current, desired);
    if (keys.length === 0) return [];
    const shown = Object.keys(desired);
    const commands = keys.map((key) => asconfigurator(setServerDataArg(key, desired[key]!)));
    commands.push(asperaConfHolds(Object.entries(desired).map(([key, value]) => `<${key}>${value}</${key}>`)));
    const change: Change = {
      step: this.id,
      summary: `set ${keys.join(', ')} in aspera.conf`,
      diff: unifiedDiff(renderServerSection(current, shown), renderServerSection({ ...current, ...desired }, shown), `${HSTS.asperaConf} <server>`),
      commands,
      touches: [{ kind: 'file', path: HSTS.asperaConf }],
      restarts: ['asperanoded', 'asperarund'],
    };
    return [change];
  },
};
