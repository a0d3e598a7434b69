import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { README_BEGIN, README_END, mistakesMarkdown } from '../test/cli/mistakes.js';
import { repoRoot } from '../test/rig/image.js';

/** Rewrites the table in docs/common-mistakes.md from test/cli/mistakes.ts (the rows marked readme). */
const path = resolve(repoRoot(), 'docs', 'common-mistakes.md');
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(README_BEGIN);
const end = readme.indexOf(README_END);
if (start === -1 || end === -1) throw new Error(`docs/common-mistakes.md has no ${README_BEGIN} ... ${README_END} block`);
writeFileSync(path, `${readme.slice(0, start)}${README_BEGIN}\n${mistakesMarkdown()}\n${readme.slice(end)}`);
console.log('docs/common-mistakes.md: the table updated');
