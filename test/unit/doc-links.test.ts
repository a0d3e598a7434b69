import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from '../../src/cli/commands.js';

/**
 * The README is a front page that links the pages in docs/: every relative link there (and in
 * the other READMEs) must name a file that exists and, after `#`, a heading that file has.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  'README.md', 'contrib/README.md', 'bench/README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

function links(page: string): string[] {
  return [...prose(readFileSync(join(root, page), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/.test(target));
}

describe('relative links in the README and docs/', () => {
  it.each(pages)('%s: every one resolves', (page) => {
    const broken: string[] = [];
    for (const target of links(page)) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) broken.push(`${target}: no ${relative(root, file)}`);
      else if (anchor !== undefined && statSync(file).isFile() && !anchors(file).has(anchor)) broken.push(`${target}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page in docs/', () => {
    const linked = new Set(links('README.md').map((t) => t.split('#')[0]));
    expect(pages.filter((p) => p.startsWith('docs/') && !linked.has(p))).toEqual([]);
  });

  it.each(COMMAND_SPECS.map((spec) => [spec.name, spec.docs] as const))('%s --help links %s, a page and heading that exist', (_name, docs) => {
    const [path, anchor] = docs.split('#') as [string, string | undefined];
    expect(existsSync(join(root, path))).toBe(true);
    if (anchor !== undefined) expect([...anchors(join(root, path))]).toContain(anchor);
  });
});
