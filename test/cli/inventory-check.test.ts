import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { decoyInventory, startDecoy, type Decoy } from '../support/decoy.js';
import { yamlInventory } from './mistakes.js';
import { generateUsableKeyPair } from '../support/keys.js';

/** `inventory check` against the built CLI: the nodes are a local listener that must see no connection. */
describe('hsts-cluster inventory check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-inv-check-'));
  let decoy: Decoy;

  beforeAll(async () => {
    decoy = await startDecoy();
    const keys = generateUsableKeyPair();
    writeFileSync(join(dir, 'id_ed25519'), keys.private, { mode: 0o600 });
    writeFileSync(join(dir, 'redis-password'), 'secret-password\n', { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${decoy.port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
  });
  afterAll(async () => {
    await decoy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a valid YAML inventory: exit 0, the nodes as they resolve, no connection', async () => {
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, yamlInventory(decoyInventory(decoy.port)));
    const r = await runCli(['inventory', 'check', '-i', file], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${file}: valid (3 nodes, quorum 2`);
    for (const name of ['node1', 'node2', 'node3']) expect(r.stdout).toContain(`[${name}] ssh root@127.0.0.1:${decoy.port}`);
    expect(decoy.connections()).toBe(0);
  });

  it('a key and a password file others can read: one warning each on stderr, however many fields name them; still valid', async () => {
    const exposed = join(dir, 'exposed');
    mkdirSync(exposed, { recursive: true });
    const keys = generateUsableKeyPair();
    writeFileSync(join(exposed, 'id_ed25519'), keys.private, { mode: 0o644 });
    writeFileSync(join(exposed, 'redis-password'), 'secret-password\n', { mode: 0o640 });
    writeFileSync(join(exposed, 'known_hosts'), `[127.0.0.1]:${decoy.port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
    const file = join(exposed, 'inventory.yaml');
    writeFileSync(file, yamlInventory(decoyInventory(decoy.port)));
    const r = await runCli(['inventory', 'check', '-i', file], { timeoutMs: 30_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr.match(/UNPROTECTED PRIVATE KEY FILE .*id_ed25519 has mode 0644.*chmod 600/g)).toHaveLength(1);
    expect(r.stderr.match(/UNPROTECTED PASSWORD FILE: .*redis-password has mode 0640/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('secret-password');
  });

  it('JSON and YAML of the same wrong inventory: the same problems, each once, at their own lines; exit 2', async () => {
    const inv = decoyInventory(decoy.port);
    inv.cluster.quorum = '2';
    inv.nodes[2].privateIp = inv.nodes[1].privateIp;
    inv.ssh.identityFile = 'id_ed25519';
    delete inv.nodes[0].role;
    const json = join(dir, 'wrong.json');
    writeFileSync(json, JSON.stringify(inv, null, 2));
    const yaml = join(dir, 'wrong.yaml');
    writeFileSync(yaml, (await import('yaml')).stringify(inv));
    const results = [];
    for (const file of [json, yaml]) {
      const r = await runCli(['inventory', 'check', '-i', file, '--json'], { timeoutMs: 30_000 });
      expect(r.exitCode).toBe(2);
      const out = JSON.parse(r.stdout) as { errors: { file: string; line?: number; field: string; message: string }[] };
      for (const e of out.errors) expect(e.line, `${e.field}: ${e.message}`).toBeGreaterThan(0);
      const seen = out.errors.map((e) => `${e.field}: ${e.message}`);
      expect(new Set(seen).size).toBe(seen.length);
      results.push(seen.sort());
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toEqual(expect.arrayContaining([
      expect.stringMatching(/^cluster\.quorum: must be a number/),
      expect.stringMatching(/^nodes\[2\]\.privateIp: .* is also the privateIp of nodes\[1\]/),
      expect.stringMatching(/^ssh\.identityFile: unknown field/),
      expect.stringMatching(/^nodes\[0\]\.role: /),
    ]));
    expect(decoy.connections()).toBe(0);
  });

  it('refuses an action other than check', async () => {
    const r = await runCli(['inventory', 'lint', '-i', join(dir, 'inventory.yaml')], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/'lint' is invalid .*Allowed choices are check/);
  });
});
