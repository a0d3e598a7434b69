// ESLint with typescript-eslint's type-aware rules: unused code, floating promises and
// misused promises are the mistakes a tool that drives remote hosts cannot afford.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layer-rule.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'vitest.config.ts', 'node_modules/**', 'bench/ansible/**', 'docker/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-duplicate-imports': 'error',
    },
  },
  {
    // A function longer than a screen hides its procedure: split it into steps that say what they do.
    files: ['src/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The layer rule (docs/ARCHITECTURE.md): a command's folder (src/commands/<verb>/) imports the
    // layers below and never another command; the layers below import no command and no cli/.
    files: ['src/**'],
    plugins: { layers },
    rules: { 'layers/layer-rule': 'error' },
  },
  {
    // Tests and the benchmark read JSON the CLI printed: checking every field's type there would
    // only restate the assertions that follow.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // Inventories built as loose JSON, to be broken on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs', '*.config.ts'], ...tseslint.configs.disableTypeChecked },
);
