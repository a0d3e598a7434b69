/**
 * Redis-style configuration files (aspera_31415.conf, sentinel_41415.conf): one directive per line,
 * arguments split like Redis's sdssplitargs (double quotes with escapes, single quotes).
 *
 * Redis and Sentinel rewrite these files at run time (CONFIG REWRITE: quoting, epochs, known
 * replicas, replicaof after a failover), so we never render a whole file over an existing one:
 * we own a list of directives and edit only their lines, leaving every other line as it is.
 */

/** Arguments of one line; null for a blank line, a comment, or a line Redis could not parse. */
export function tokenize(line: string): string[] | null {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return null;
  // Most lines quote nothing: one split then, instead of a string built a character at a time (at
  // hundreds of nodes, whose files list every node, that was a quarter of what a run allocated).
  if (!text.includes('"') && !text.includes("'")) return text.split(/\s+/);
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    // As sdssplitargs: a quote opens a quoted section wherever it is in the word (a"b c" is `ab c`),
    // and the closing quote must end the word.
    let token = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const quote = text[i];
      if (quote !== '"' && quote !== "'") {
        token += text[i++];
        continue;
      }
      const quoted = readQuoted(text, i + 1, quote);
      if (!quoted || (quoted.end < text.length && !/\s/.test(text[quoted.end]!))) return null;
      token += quoted.text;
      i = quoted.end;
      break;
    }
    out.push(token);
  }
  return out.length > 0 ? out : null;
}

/** The quoted section that starts at `i` (just after its opening `quote`): its text, and where it ends (after the closing quote); null when unclosed. */
function readQuoted(text: string, i: number, quote: '"' | "'"): { text: string; end: number } | null {
  let token = '';
  while (i < text.length) {
    const c = text[i]!;
    if (quote === '"' && c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        token += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      token += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[next] ?? next;
      i += 2;
      continue;
    }
    if (quote === "'" && c === '\\' && text[i + 1] === "'") {
      token += "'";
      i += 2;
      continue;
    }
    if (c === quote) return { text: token, end: i + 1 };
    token += c;
    i++;
  }
  return null;
}

const BARE = /^[A-Za-z0-9._/:@+=,-]+$/;

/** One argument as Redis reads it back: bare when safe, else double-quoted with escapes. */
export function quoteArg(arg: string): string {
  if (BARE.test(arg)) return arg;
  let out = '"';
  for (const c of arg) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

export function renderLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

export interface OwnedDirective {
  /** Identity of the directive, see keyOf: "bind", "save", "sentinel monitor myprimary". */
  key: string;
  /** The lines it should have; [] means it must be absent. */
  lines: string[][];
  /** "own": make it exactly so. "default": add it when absent, else leave the admin's value. */
  mode: 'own' | 'default';
}

export interface MergeRules {
  /** Identity of a parsed line, matched against OwnedDirective.key; null when not a directive. */
  keyOf(args: string[]): string | null;
  /** Lines to drop whatever their key: stale run-time state that our change invalidates. */
  drop?(args: string[]): boolean;
  /** Comment lines to start a new file with. */
  header: string[];
}

/** Same values, whatever the quoting or line breaks ("save 60 1" + "save 300 10" = "save 60 1 300 10"). */
function sameValues(existing: string[][], wanted: string[][], key: string): boolean {
  const keyWords = key.split(' ').length;
  const values = (lines: string[][]) => lines.flatMap((args) => args.slice(keyWords));
  return (existing.length > 0) === (wanted.length > 0) && JSON.stringify(values(existing)) === JSON.stringify(values(wanted));
}

/**
 * The file as it should be: every owned directive set, every other line kept in place.
 * A directive that is missing goes right after the owned directive before it in `owned` order
 * (Sentinel needs "sentinel monitor" before the other "sentinel ... NAME" lines).
 */
export function mergeDirectives(current: string | null, owned: OwnedDirective[], rules: MergeRules): string {
  type Line = { text: string; key: string | null; args: string[] | null };
  const source = current ?? '';
  const lines: Line[] = (source === '' ? [] : source.replace(/\n$/, '').split('\n')).map((text) => {
    const args = tokenize(text);
    return { text, args, key: args ? rules.keyOf(args) : null };
  });
  let out: Line[] = current === null ? rules.header.map((text) => ({ text, key: null, args: null })) : lines;
  out = out.filter((line) => !(line.args && rules.drop?.(line.args)));

  for (const [index, directive] of owned.entries()) {
    const existing = out.filter((line) => line.key === directive.key);
    if (directive.mode === 'default' && existing.length > 0) continue;
    if (sameValues(existing.map((line) => line.args!), directive.lines, directive.key)) continue;
    const wanted: Line[] = directive.lines.map((args) => ({ text: renderLine(args), key: directive.key, args }));
    let at: number;
    if (existing.length > 0) {
      at = out.indexOf(existing[0]!);
      out = out.filter((line) => line.key !== directive.key);
    } else {
      at = insertionPoint(out, owned.slice(0, index).map((d) => d.key), owned.slice(index + 1).map((d) => d.key));
    }
    out.splice(at, 0, ...wanted);
  }
  return out.map((line) => line.text).join('\n') + '\n';
}

function insertionPoint(lines: { key: string | null; text: string }[], before: string[], after: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (before.includes(lines[i]!.key ?? '')) return i + 1;
  for (let i = 0; i < lines.length; i++) if (after.includes(lines[i]!.key ?? '')) return i;
  // Redis appends its own lines under "# Generated by CONFIG REWRITE": ours go above that section.
  let end = lines.findIndex((line) => line.text.startsWith('# Generated by CONFIG REWRITE'));
  if (end < 0) end = lines.length;
  while (end > 0 && lines[end - 1]!.text.trim() === '') end--;
  return end;
}

/** Values of the lines with this key, unquoted: first("requirepass") of a file, say. */
export function directiveArgs(text: string | null, keyOf: (args: string[]) => string | null, key: string): string[][] {
  if (text === null) return [];
  const found: string[][] = [];
  for (const line of text.split('\n')) {
    const args = tokenize(line);
    if (args && keyOf(args) === key) found.push(args);
  }
  return found;
}

const SECRET_DIRECTIVES = new Set(['requirepass', 'masterauth', 'sentinel-pass', 'primaryauth']);

/**
 * The file with every password shown as ***: requirepass, masterauth, "sentinel auth-pass NAME",
 * and the password hashes Redis writes on "user" lines. For diffs and logs.
 */
export function maskConfigSecrets(text: string): string {
  return text.split('\n').map((line) => {
    const args = tokenize(line);
    if (!args) return line;
    const word = args[0]!.toLowerCase();
    if (SECRET_DIRECTIVES.has(word) && args.length >= 2) return `${args[0]} ***`;
    if (word === 'sentinel' && args[1]?.toLowerCase() === 'auth-pass' && args.length >= 4) return `${args.slice(0, 3).join(' ')} ***`;
    if (word === 'user') return args.map((a) => (/^[#>]/.test(a) ? `${a[0]}***` : a)).join(' ');
    return line;
  }).join('\n');
}
