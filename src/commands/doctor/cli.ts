import { defineCommand, type Handled } from '../../cli/command.js';

export const doctor = defineCommand({
  name: 'doctor',
  description: 'read-only, per node: what hsts-cluster finds and relies on (HSTS and Redis versions, who holds the ports, ' +
    'where each keystore is, the Node API, the firewall stack, directory owners), what `up` would refuse and why, and the ' +
    'checklist for a real HSTS; takes no run lock (it changes nothing); exit 0 when nothing blocks `up`, 1 otherwise',
  docs: 'docs/platforms.md#before-pointing-hsts-cluster-at-a-real-hsts',
  journal: false,
  limit: 'shows',
  interrupt: 'stop',
  handler: async (ctx): Handled => (await import('./action.js')).run(ctx),
});
