// Builds the single executable: dist/package/hsts-cluster-PLATFORM-ARCH, a copy of this node with
// the CLI injected as a Node single executable application (node --experimental-sea-config, then
// postject), for machines without Node. Beside it: its sha256sum line, the man page and the
// inventory schema (for editors; the program itself validates with the code it carries).
// Run after `npm run build` (the man page): `npm run package`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';
import { zodWithoutLocales } from './zod-without-locales.mjs';

const out = 'dist/package';
const work = join(out, 'sea');
const name = `hsts-cluster-${process.platform}-${process.arch}`;
const executable = join(out, name);

// The playbooks go inside the bundle as text (runner/bundled-playbooks.ts is this module's stand-in
// in the npm install), so that the executable reads nothing beside itself.
const bundledPlaybooks = {
  name: 'bundled-playbooks',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]runner[\\/]bundled-playbooks\.ts$/ }, () => {
      const texts = Object.fromEntries(readdirSync('playbooks').filter((f) => f.endsWith('.json'))
        .map((f) => [f.slice(0, -'.json'.length), readFileSync(join('playbooks', f), 'utf8')]));
      return { contents: `export const BUNDLED_PLAYBOOKS = ${JSON.stringify(texts)};`, loader: 'js' };
    });
  },
};

// ssh2 tries its optional native helpers in a try/catch and uses its JavaScript code without them.
// A single executable's require would refuse them too, with a warning on every run: the bundle
// carries a module that throws instead.
const withoutNativeHelpers = {
  name: 'without-native-helpers',
  setup(b) {
    b.onResolve({ filter: /^cpu-features$|\.node$/ }, (args) => ({ path: args.path, namespace: 'native-helper' }));
    b.onLoad({ filter: /.*/, namespace: 'native-helper' }, (args) =>
      ({ contents: `throw new Error(${JSON.stringify(`${args.path}: not in the single executable`)});`, loader: 'js' }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// Node 20's single executables run one CommonJS script, whose require loads built-in modules only:
// one file, no chunks (the commands' dynamic imports are inlined).
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: join(work, 'hsts-cluster.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: false,
  // playbook.ts looks for playbooks/ beside its own file when none is bundled.
  define: { 'import.meta.url': '__hstsImportMetaUrl' },
  banner: { js: "var __hstsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [zodWithoutLocales, bundledPlaybooks, withoutNativeHelpers],
  logLevel: 'warning',
});

// A dynamic import left in the bundle (of a built-in: esbuild keeps those) fails only when it runs:
// "A dynamic import callback was not specified". Refuse to build one.
const dynamicImport = /\bimport\(\s*["'`]([^"'`]+)/.exec(readFileSync(join(work, 'hsts-cluster.cjs'), 'utf8'));
if (dynamicImport) throw new Error(`the single executable cannot import("${dynamicImport[1]}") at run time: import it statically`);

writeFileSync(join(work, 'sea-config.json'), JSON.stringify({
  main: join(work, 'hsts-cluster.cjs'),
  output: join(work, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  // V8's compiled code for the script, made for this very node binary: start-up skips compiling it.
  useCodeCache: true,
}));
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: 'pipe' });

copyFileSync(process.execPath, executable);
chmodSync(executable, 0o755);
execFileSync(process.execPath, [
  'node_modules/postject/dist/cli.js', executable, 'NODE_SEA_BLOB', join(work, 'sea-prep.blob'),
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
], { stdio: 'pipe' }); // its LIEF warnings ("Can't find string offset for section name") are harmless
rmSync(work, { recursive: true, force: true });

const digest = createHash('sha256').update(readFileSync(executable)).digest('hex');
writeFileSync(`${executable}.sha256`, `${digest}  ${name}\n`);
copyFileSync('dist/man/hsts-cluster.1', join(out, 'hsts-cluster.1'));
copyFileSync('inventory.schema.json', join(out, 'inventory.schema.json'));
process.stdout.write(`${executable} (${(readFileSync(executable).length / 2 ** 20).toFixed(1)} MiB), ${name}.sha256\n`);
