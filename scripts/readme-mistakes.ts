import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { README_BEGIN, README_END, mistakesMarkdown } from '../test/cli/mistakes.js';
import { repoRoot } from '../test/rig/image.js';

/** Rewrites README's "Common mistakes" table from test/cli/mistakes.ts (the rows marked readme). */
const path = resolve(repoRoot(), 'README.md');
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(README_BEGIN);
const end = readme.indexOf(README_END);
if (start === -1 || end === -1) throw new Error(`README.md has no ${README_BEGIN} ... ${README_END} block`);
writeFileSync(path, `${readme.slice(0, start)}${README_BEGIN}\n${mistakesMarkdown()}\n${readme.slice(end)}`);
console.log('README.md: Common mistakes updated');
