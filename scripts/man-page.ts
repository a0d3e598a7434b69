// Writes hsts-cluster(1) to dist/man/ (npm's `man` field installs it; `npm run package` ships it
// beside the executable). Run by `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { manPage } from '../src/cli/man-page.js';

mkdirSync('dist/man', { recursive: true });
writeFileSync('dist/man/hsts-cluster.1', manPage());
