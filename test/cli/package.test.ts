import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { repoRoot } from '../rig/image.js';
import { decoyInventory, startDecoy, type Decoy } from '../support/decoy.js';
import { generateUsableKeyPair } from '../support/keys.js';

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
    const keys = generateUsableKeyPair();
    writeFileSync(join(dir, 'id_ed25519'), keys.private, { mode: 0o600 });
    writeFileSync(join(dir, 'redis-password'), 'secret-password\n', { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${decoy.port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(decoyInventory(decoy.port)));
    const before = decoy.connections();
    const r = await run(['plan', '-i', join(dir, 'inventory.json')]);
    // The decoy drops every connection: unreachable nodes (exit 1), never a missing module or playbook.
    expect(r.stderr).not.toMatch(/Cannot find (module|package)|playbook/i);
    expect(r.status, r.stderr).toBe(1);
    expect(decoy.connections()).toBeGreaterThan(before);
  });

  it('installs with npm install -g (its man page too) and runs from an empty directory, YAML inventory included', async () => {
    const prefix = join(dir, 'global');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    // No dependency to fetch: the install touches no registry.
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, tarball)], { stdio: 'ignore' });
    const bin = join(prefix, 'bin', 'hsts-cluster');
    // package.json's man field: `man hsts-cluster` finds the page npm linked under the prefix.
    const manual = execFileSync('man', ['-M', join(prefix, 'share', 'man'), 'hsts-cluster'], { encoding: 'utf8' });
    expect(manual).toMatch(/^NAME\n\s+hsts-cluster\s+-\s+Turn\s+IBM\s+Aspera/m);
    writeFileSync(join(dir, 'inventory.yaml'), YAML.stringify(decoyInventory(decoy.port)));
    const installed = (args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(bin, args, { cwd: empty, timeout: 120_000, env: { ...process.env, NODE_PATH: '' } }, (error, stdout, stderr) => {
        resolve({ status: error ? Number(error.code ?? -1) : 0, stdout, stderr });
      });
    });
    const version = await installed(['--version']);
    expect(version.status, version.stderr).toBe(0);
    const check = await installed(['inventory', 'check', '-i', join(dir, 'inventory.yaml')]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('valid (3 nodes');
    const completion = await installed(['completion', 'bash']);
    expect(completion.stdout).toContain('complete -F _hsts_cluster hsts-cluster');
    const before = decoy.connections();
    const plan = await installed(['plan', '-i', join(dir, 'inventory.yaml')]);
    expect(plan.stderr).not.toMatch(/Cannot find (module|package)|playbook/i);
    expect(plan.status, plan.stderr).toBe(1);
    expect(decoy.connections()).toBeGreaterThan(before);
    expect(readdirSync(empty)).toEqual([]);
  });
});
