import type { DoctorNode, DoctorReport } from './procedure.js';

function nodeLines(n: DoctorNode): string[] {
  if (!n.reachable) return [`${n.name}: unreachable: ${n.error ?? ''}`];
  const lines = [`${n.name}: HSTS ${n.hstsVersion ?? 'unknown'}, firewall ${n.firewall}`];
  for (const s of n.services ?? []) {
    lines.push(`  ${s.unit}: ${s.pid ? `pid ${s.pid}, ${s.binary} as ${s.user}` : 'not running'}, program ${s.execPath ?? '?'}${s.version ? `, Redis ${s.version}` : ''}`);
  }
  for (const p of n.ports ?? []) {
    const on = p.addresses.length ? ` on ${p.addresses.join(', ')}` : '';
    lines.push(`  port ${p.port} (${p.what}): ${p.listening ? `listening${on}${p.holders.length ? ` (${p.holders.join(', ')})` : ''}` : 'free'}`);
  }
  for (const u of n.users ?? []) {
    const where = u.home === null ? 'no such user' : `home ${u.home}, keystore ${u.stores[0] ?? 'none yet'}`;
    lines.push(`  user ${u.user}${u.listed ? '' : ' (not in the inventory)'}: ${where}`);
  }
  for (const [path, owner] of Object.entries(n.owners ?? {})) lines.push(`  ${path}: ${owner}`);
  lines.push(`  Node API: ${n.nodeApi?.address ?? '?'}/ping answers ${n.nodeApi?.ping ?? '?'}; aspera.conf sections: ${(n.asperaConfSections ?? []).join(', ')}`);
  for (const note of n.notes ?? []) lines.push(`  note: ${note}`);
  for (const c of n.checklist ?? []) lines.push(`  [${c.ok ? 'x' : ' '}] ${c.check}: ${c.detail}`);
  lines.push(n.refusals.length === 0 ? '  up: nothing blocks it' : `  up would refuse: ${n.refusals.join('; ')}`);
  return lines;
}

/** The doctor's report for a person: one block per node, then the verdict. */
export function renderDoctor(report: DoctorReport): string {
  const verdict = report.ready ? 'nothing blocks `up`' : '`up` would refuse (see above)';
  return `${report.nodes.flatMap(nodeLines).join('\n')}\n\n${verdict}\n`;
}
