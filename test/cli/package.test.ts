import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../rig/image.js';
import { decoyInventory, startDecoy, type Decoy } from '../support/decoy.js';

/**
 * What `npm pack` ships (the build npm test made, packed without running prepack again) runs on
 * its own: the CLI is one bundle, installing it pulls no dependency, and it finds its playbooks.
 */
describe('the packed CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-pack-'));
  const cli = join(dir, 'package', 'dist', 'cli', 'hsts-cluster.mjs');
  let decoy: Decoy;
  // Not spawnSync: the decoy listens in this process and must accept while the CLI runs.
  const run = (args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: dir, timeout: 120_000, env: { ...process.env, NODE_PATH: '' } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });

  beforeAll(async () => {
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: repoRoot(), stdio: 'ignore' });
    execFileSync('sh', ['-c', 'tar -xzf hsts-cluster-*.tgz'], { cwd: dir });
    decoy = await startDecoy();
  });
  afterAll(async () => {
    await decoy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares no runtime dependency and prints its version without node_modules', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    const r = await run(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(manifest.version);
  });

  it('loads its playbook and SSH code from the package alone: plan reaches the nodes', async () => {
    const keys = (await import('ssh2')).default.utils.generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'id_ed25519'), keys.private);
    writeFileSync(join(dir, 'redis-password'), 'secret-password\n');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${decoy.port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(decoyInventory(decoy.port)));
    const before = decoy.connections();
    const r = await run(['plan', '-i', join(dir, 'inventory.json')]);
    // The decoy drops every connection: unreachable nodes (exit 1), never a missing module or playbook.
    expect(r.stderr).not.toMatch(/Cannot find (module|package)|playbook/i);
    expect(r.status, r.stderr).toBe(1);
    expect(decoy.connections()).toBeGreaterThan(before);
  });
});
