// zod's namespace re-exports every locale it ships (`z.locales`, `z.core.locales`: 360 KB of the
// 2.2 MB an `up` loads, a sixth of its parse time); hsts-cluster uses none but the English default,
// which zod imports from locales/en.js directly. The index of the others becomes an empty module.
// An esbuild plugin, shared by bundle.mjs (npm) and package.mjs (the single executable).
export const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      (/[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'unused' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'unused' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};
