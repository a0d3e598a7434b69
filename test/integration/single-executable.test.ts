import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { VERSION } from '../../src/cli/version.js';
import { repoRoot } from '../rig/image.js';
import { startRig, type Rig } from '../rig/rig.js';
import { CLI, runCli } from '../support/cli.js';
import { until } from '../support/wait.js';

/**
 * The single executable (`npm run package`) on a rig node that has no Node: --version, plan and
 * status against the cluster from there; then contrib/systemd's timer, installed on that node by
 * contrib/README.md's own install block, writing the textfile for real.
 */
const root = repoRoot();
const name = 'hsts-cluster-linux-x64';
const executable = join(root, 'dist', 'package', name);
const kit = '/root/hsts-kit';
const textfile = '/var/lib/prometheus/node-exporter/hsts-cluster.prom';
let rig: Rig;

/** Builds the executable unless one newer than the npm bundle (npm test builds that first) exists. */
function ensureExecutable(): void {
  if (existsSync(executable) && statSync(executable).mtimeMs >= statSync(CLI).mtimeMs) return;
  execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: root, timeout: 600_000, stdio: 'ignore' });
}

/**
 * The inventory node1 uses: every node by its private IP on port 22; the key, known_hosts and
 * password file beside it (paths relative to the inventory: the kit's, then /etc/hsts-cluster's).
 */
function nodeInventory(): string {
  return YAML.stringify({
    ...rig.inventory,
    nodes: rig.inventory.nodes.map((n, i) => ({ ...n, ssh: { host: rig.nodes[i]!.privateIp, port: 22 } })),
  });
}

/** The ```sh block of contrib/README.md's systemd section: the install steps as an operator reads them. */
function readmeInstallSteps(): string {
  const readme = readFileSync(join(root, 'contrib', 'README.md'), 'utf8');
  const block = /## systemd timer[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('contrib/README.md has no install block under "## systemd timer"');
  return block;
}

const onNode1 = (command: string) => rig.sh(0, command);

beforeAll(async () => {
  ensureExecutable();
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-sea-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  const node1 = rig.nodes[0]!.container;
  await node1.copyFilesToContainer([{ source: executable, target: `${kit}/${name}`, mode: 0o755 }]);
  const systemd = join(root, 'contrib', 'systemd');
  await node1.copyFilesToContainer(['hsts-cluster-status.service', 'hsts-cluster-status.timer']
    .map((unit) => ({ source: join(systemd, unit), target: `${kit}/contrib/systemd/${unit}` })));
  await node1.copyContentToContainer([
    { content: nodeInventory(), target: `${kit}/inventory.yaml` },
    { content: readFileSync(join(rig.dir, 'id_ed25519')), target: `${kit}/id_ed25519` },
    { content: `${rig.nodes.map((n) => `${n.privateIp} ${n.hostKey}`).join('\n')}\n`, target: `${kit}/known_hosts` },
    { content: `${rig.redisPassword}\n`, target: `${kit}/redis-password` },
    { content: readmeInstallSteps(), target: `${kit}/install-from-readme.sh` },
  ]);
});
afterAll(async () => {
  await rig?.down();
});

describe('the single executable', () => {
  it('comes with its sha256sum line', () => {
    const digest = createHash('sha256').update(readFileSync(executable)).digest('hex');
    expect(readFileSync(`${executable}.sha256`, 'utf8')).toBe(`${digest}  ${name}\n`);
  });

  it('runs --version on a node without Node', async () => {
    expect((await onNode1('command -v node nodejs')).exitCode).not.toBe(0);
    const r = await onNode1(`${kit}/${name} --version`);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output.trim()).toBe(VERSION);
  });

  it('plans no change and finds the cluster healthy from there, over SSH to the private IPs', async () => {
    // The kit's files as the operator has them before the install (root's, private).
    await onNode1(`chmod 0600 ${kit}/id_ed25519 ${kit}/redis-password`);
    const plan = await onNode1(`cd ${kit} && ./${name} plan --json -i ${kit}/inventory.yaml 2>/dev/null`);
    expect(plan.exitCode, plan.output).toBe(0);
    expect(JSON.parse(plan.output).totals.changed).toBe(0);
    const status = await onNode1(`cd ${kit} && ./${name} status -i ${kit}/inventory.yaml`);
    expect(status.exitCode, status.output).toBe(0);
    expect(status.output).toContain('cluster: HEALTHY, primary node1');
  });
});

describe('contrib/systemd on a rig node, installed as contrib/README.md says', () => {
  const statusTime = async () => {
    const r = await onNode1(`grep '^hsts_cluster_status_time_seconds' ${textfile}`);
    return r.exitCode === 0 ? Number(r.output.trim().split(/\s+/).at(-1)) : undefined;
  };

  /** A bounded wait; its failure shows the service's journal. */
  const untilWithJournal = async (condition: () => Promise<boolean>, what: string) => {
    try {
      await until(condition, 120, what);
    } catch (e) {
      const journal = await onNode1('systemctl status hsts-cluster-status.service --no-pager -n 30 2>&1');
      throw new Error(`${(e as Error).message}\n${journal.output}`, { cause: e });
    }
  };

  it('the timer writes the textfile as the unprivileged account, and then refreshes it', async () => {
    await onNode1(`install -m 0755 ${kit}/${name} /usr/local/bin/hsts-cluster`);
    // Test only: 1 s after the timer starts, then every 5 s, instead of a minute after boot and every
    // minute, so that the wait stays short. The empty OnBootSec= clears the unit's every trigger.
    await onNode1([
      'mkdir -p /etc/systemd/system/hsts-cluster-status.timer.d',
      'printf "[Timer]\\nOnBootSec=\\nOnActiveSec=1s\\nOnUnitInactiveSec=5s\\nAccuracySec=1s\\n" > /etc/systemd/system/hsts-cluster-status.timer.d/test.conf',
    ].join(' && '));
    const install = await onNode1(`cd ${kit} && bash -euo pipefail install-from-readme.sh 2>&1`);
    expect(install.exitCode, install.output).toBe(0);

    await untilWithJournal(async () => (await statusTime()) !== undefined, 'the first textfile');
    const first = (await statusTime())!;
    await untilWithJournal(async () => ((await statusTime()) ?? 0) > first, 'a newer textfile');

    // Stopped, so that no run is writing its temporary file while the directory is listed.
    await onNode1('systemctl stop hsts-cluster-status.timer && timeout 60 sh -c "while systemctl is-active -q hsts-cluster-status.service; do sleep 0.2; done"');
    const file = await onNode1(`stat -c '%U %a' ${textfile}; grep -c '^hsts_cluster_healthy{.*} 1$' ${textfile}; ls -A $(dirname ${textfile})`);
    expect(file.output.trim().split('\n')).toEqual(['hsts-cluster 644', '1', 'hsts-cluster.prom']);
    const result = await onNode1('systemctl show -p Result --value hsts-cluster-status.service');
    expect(result.output.trim()).toBe('success');
  });
});
