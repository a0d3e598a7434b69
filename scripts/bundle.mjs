// Bundles the CLI into dist/cli/ (one entry and the chunks its dynamic imports load), so that
// start-up reads a few files instead of resolving hundreds of modules in node_modules. Not minified:
// an internal error's trace keeps its names, and start-up gained nothing measurable from minifying.
// ssh2's optional native helpers stay outside: ssh2 falls back to JavaScript without them.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { zodWithoutLocales } from './zod-without-locales.mjs';

// Chunks are named by content hash: without this, every build would leave the last one's behind
// (and npm pack would ship them).
rmSync('dist/cli', { recursive: true, force: true });

await build({
  entryPoints: { 'hsts-cluster': 'src/cli/main.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: false,
  sourcemap: 'linked',
  external: ['cpu-features', '*.node'],
  // CommonJS dependencies (ssh2) expect require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as __hstsRequire } from 'node:module';",
      "import { fileURLToPath as __hstsPath } from 'node:url';",
      "import { dirname as __hstsDir } from 'node:path';",
      'const require = __hstsRequire(import.meta.url);',
      'const __filename = __hstsPath(import.meta.url);',
      'const __dirname = __hstsDir(__filename);',
    ].join(' '),
  },
  plugins: [zodWithoutLocales],
  logLevel: 'warning',
});
