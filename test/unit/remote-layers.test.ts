import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const imports = (dir: string) => readdirSync(join(SRC, dir)).filter((f) => f.endsWith('.ts')).flatMap((file) =>
  [...readFileSync(join(SRC, dir, file), 'utf8').matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map((m) => ({ file: `${dir}/${file}`, from: m[1]! })));

describe('layers', () => {
  it('reads the imports at all', () => {
    expect(imports('hsts')).toContainEqual({ file: 'hsts/roles.ts', from: './node-facts.js' });
    expect(imports('remote')).toContainEqual({ file: 'remote/systemctl.ts', from: '../ssh/shell.js' });
  });

  it('hsts/ (pure) imports only hsts/, util/ and inventory types', () => {
    const outside = imports('hsts').filter(({ from }) => from.startsWith('../') && !/^\.\.\/(util|inventory)\//.test(from));
    expect(outside).toEqual([]);
  });

  it('remote/ builds commands only: no steps, runner, cli or ssh sessions', () => {
    expect(imports('remote').filter(({ from }) => /^\.\.\/(steps|runner|cli|ui|facts)\/|session|connection/.test(from))).toEqual([]);
  });

  it('facts/ and remote/ do not import steps/', () => {
    expect([...imports('facts'), ...imports('remote')].filter(({ from }) => from.includes('/steps/'))).toEqual([]);
  });
});
