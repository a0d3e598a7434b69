/**
 * What makes a recorded command or answer node-specific, and how the farm puts its own values in.
 * A recording names the rig's addresses and secrets by tokens: @@self@@ (the node's private IP),
 * @@primary@@, @@ip:K@@ (the K-th node, 1-based), @@redis-password@@ (also as base64 fragments:
 * bench/recording.ts). Lists of nodes (a line per node: firewall rules, Redis's replicas) are found
 * by shape and re-made for the farm's node count.
 */
export interface NodeView {
  /** Every node's private IP, in inventory order. */
  ips: string[];
  self: number;
  primary: number;
}

const IP_TOKEN = /@@(?:self|primary|ip:\d+)@@/g;

// Also as a regular expression writes it (198\.18\.0\.2), as the checks grep for addresses.
const ANY_IP = /(?<![0-9.])\d{1,3}(?:\\?\.\d{1,3}){3}(?![0-9])/g;

/** The nodes' addresses replaced by tokens (whole addresses only; others, such as 127.0.0.1, stay). */
export function tokenise(text: string, view: NodeView, index = new Map(view.ips.map((ip, i) => [ip, i]))): string {
  return text.replace(ANY_IP, (ip) => {
    const i = index.get(ip.replaceAll('\\', ''));
    if (i === undefined) return ip;
    return i === view.self ? '@@self@@' : i === view.primary ? '@@primary@@' : `@@ip:${i + 1}@@`;
  });
}

/** Shape of a line with its node-specific parts blanked: lines of one list share it. */
function shape(line: string): string {
  return line.replace(IP_TOKEN, '@@ip@@').replace(/\bslave\d+:/, 'slave#:');
}

/**
 * A command's key: tokens blanked and each run of same-shape lines kept once, so that the firewall
 * code for 3 nodes and for 500 has one key. Also blanks what differs from run to run.
 */
export function commandKey(code: string): string {
  const lines = code
    .replace(/\d{8}T\d{6}Z-[0-9a-z]+/g, '@@run@@')
    // The number of other Sentinels a Sentinel must see.
    .replace(/all \d+ other Sentinels/g, 'all # other Sentinels')
    .replace(/of \d+ connected/g, 'of # connected')
    .replace(/all \d+ replica\(s\) online/g, 'all # replica(s) online')
    .replace(/\[ "\$\{last%% \*\}" = \d+ \]/g, '[ "${last%% *}" = # ]')
    // The number of replicas a Sentinel must have found.
    .replace(/not found all \d+ replica\(s\)/g, 'not found all # replica(s)')
    .replace(/of \d+ found/g, 'of # found')
    .replace(/\[ "\$\{last%% \*\}" -ge \d+ \]/g, '[ "${last%% *}" -ge # ]')
    .split('\n').map((l) => shape(l).replace(/@@ip@@(?:, ?@@ip@@)+/g, '@@ips@@').replace(/\b(\d+)(?:,\1\b)+/g, '$1,...')
      // A condition per node in one line (`&& grep ... ip=A ... && grep ... ip=B ...`): split, not a
      // regular expression with a back-reference, which backtracks for seconds on a 500-node line.
      .split(' && ').filter((part, i, parts) => i === 0 || part !== parts[i - 1] || !part.includes('@@ip@@')).join(' && '));
  return lines.filter((l, i) => i === 0 || l !== lines[i - 1] || !l.includes('@@ip@@')).join('\n');
}

function tokenValue(token: string, view: NodeView): string {
  if (token === '@@self@@') return view.ips[view.self]!;
  if (token === '@@primary@@') return view.ips[view.primary]!;
  return view.ips[Number(token.slice(5, -2)) - 1] ?? '';
}

/** Which nodes a list names: all of them, all but the primary, or all but this node. */
type Members = 'all' | 'replicas' | 'others';
interface Recorded { nodes: number; self: number; primary: number }

function members(text: string, recorded: Recorded): Members | null {
  const named = new Set<number>();
  for (const t of text.match(IP_TOKEN) ?? []) {
    named.add(t === '@@self@@' ? recorded.self : t === '@@primary@@' ? recorded.primary : Number(t.slice(5, -2)) - 1);
  }
  if (named.size === recorded.nodes) return 'all';
  if (named.size === recorded.nodes - 1 && !named.has(recorded.primary)) return 'replicas';
  if (named.size === recorded.nodes - 1 && !named.has(recorded.self)) return 'others';
  return null;
}

function memberIps(who: Members, view: NodeView): string[] {
  return view.ips.filter((_, n) => !(who === 'replicas' && n === view.primary) && !(who === 'others' && n === view.self));
}

const INLINE_LIST = /@@(?:self|primary|ip:\d+)@@(?:, ?@@(?:self|primary|ip:\d+)@@)+/g;

/** One line: comma-separated lists of nodes re-made, counts of other nodes adjusted, tokens replaced. */
function renderLine(line: string, recorded: Recorded, view: NodeView): string {
  return line
    .replace(INLINE_LIST, (list) => {
      const who = members(list, recorded);
      const separator = list.includes(', ') ? ', ' : ',';
      return who ? memberIps(who, view).join(separator) : list;
    })
    // A value per node (aspera.conf's db_port: "41415,41415,41415").
    .replace(/\b(\d+)(?:,\1\b)+/g, (list: string, item: string) =>
      (list.split(',').length === recorded.nodes ? Array<string>(view.ips.length).fill(item).join(',') : list))
    .replace(/^connected_slaves:\d+$/, `connected_slaves:${view.ips.length - 1}`)
    .replace(/all \d+ other Sentinels/g, `all ${view.ips.length - 1} other Sentinels`)
    .replace(IP_TOKEN, (t) => tokenValue(t, view));
}

/**
 * A recorded answer for a farm node: each list of nodes (a line per node, or comma-separated in a
 * line) re-made with the farm's nodes (the list's first line as the template), then every token
 * replaced by the farm's address.
 */
export function render(text: string, recorded: Recorded, view: NodeView): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i + 1;
    const tokens = lines[i]!.match(IP_TOKEN)?.length ?? 0;
    if (tokens === 1) while (j < lines.length && shape(lines[j]!) === shape(lines[i]!)) j++;
    const group = lines.slice(i, j);
    const who = group.length > 1 ? members(group.join('\n'), recorded) : null;
    if (!who) {
      out.push(...group.map((l) => renderLine(l, recorded, view)));
    } else {
      memberIps(who, view).forEach((ip, k) => out.push(group[0]!.replace(IP_TOKEN, ip).replace(/\bslave\d+:/, `slave${k}:`)));
    }
    i = j;
  }
  return out.join('\n');
}
