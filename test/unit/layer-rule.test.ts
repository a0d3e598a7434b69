/**
 * The layer rule of src/ (docs/ARCHITECTURE.md), as `npm run lint` enforces it: a command's folder
 * imports the layers below and never another command; the layers below import neither a command
 * nor cli/. The rule is run on small snippets placed in the tree, and the repository's own ESLint
 * configuration is asked whether it applies the rule to src/.
 */
import { join } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const plugin = (await import(join(ROOT, 'scripts/eslint-layer-rule.mjs'))).default;

const linter = new Linter({ configType: 'flat', cwd: ROOT });
const refusals = (file: string, code: string): string[] => linter.verify(code, [{
  files: ['**/*.ts'],
  languageOptions: { parser: tseslint.parser },
  plugins: { layers: plugin },
  rules: { 'layers/layer-rule': 'error' },
}], { filename: join(ROOT, file) }).map((m) => m.message);

describe('the layer rule', () => {
  it('refuses a command importing another command, by any path and for types too', () => {
    expect(refusals('src/commands/status/action.ts', "import { up } from '../up/cli.js';\n")).toEqual([
      expect.stringContaining('src/commands/status/ may not import src/commands/up/'),
    ]);
    expect(refusals('src/commands/rolling/procedure.ts', "import type { X } from '../../commands/maintenance/plan.js';\nexport type { Y } from '../switchover/cli.js';\nconst m = await import('../backup/action.js');\n")).toHaveLength(3);
  });

  it('lets a command import its own folder, cli/ and the layers below', () => {
    expect(refusals('src/commands/status/action.ts', [
      "import { a } from './procedure.js';",
      "import { b } from '../../cli/command.js';",
      "import { c } from '../../runner/switchover/plan.js';",
      "import { d } from '../../hsts/paths.js';",
      "import { e } from 'node:fs';",
    ].join('\n'))).toEqual([]);
  });

  it('refuses a layer below importing a command or cli/', () => {
    expect(refusals('src/runner/engine/run.ts', "import { x } from '../../commands/up/action.js';\n")).toEqual([
      expect.stringContaining('src/runner/ is a layer below the commands and may not import src/commands/up'),
    ]);
    expect(refusals('src/ui/render.ts', "import type { Outcome } from '../cli/command.js';\n")).toEqual([
      expect.stringContaining('src/ui/ is a layer below the commands and may not import src/cli'),
    ]);
    expect(refusals('src/hsts/roles.ts', "import { x } from './node-facts.js';\nimport { y } from '../util/errors.js';\n")).toEqual([]);
  });

  it('lets cli/ (the registry) import every command', () => {
    expect(refusals('src/cli/commands.ts', "import { up } from '../commands/up/cli.js';\nimport { status } from '../commands/status/cli.js';\n")).toEqual([]);
  });

  it('is on for every file of src/ in the repository\'s ESLint configuration', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    for (const file of ['src/commands/status/action.ts', 'src/runner/run.ts', 'src/cli/main.ts']) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, unknown> };
      expect(config.rules['layers/layer-rule'], file).toEqual([2]);
    }
  });
});
