import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUDO_USER, startRig, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { sentinelPrimaries } from '../support/cluster.js';
import { requireSudoPassword, SUDO_PASSWORD } from '../support/sudo-password.js';
import { until } from '../support/wait.js';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ nodes: 3, sudoUser: true, dir: mkdtempSync(join(tmpdir(), 'hsts-sudo-')) });
});
afterAll(async () => {
  await rig?.down();
});

const SAMPLE = '/tmp/ps-samples.log';

describe('as a non-root sudo user, with every command shown', () => {
  it('configures the cluster and never shows the password: not in output, journal or any remote argv', async () => {
    expect(rig.inventory.ssh?.user).toBe(SUDO_USER);
    // Sample every process's argv on every node, every 20 ms, until the run has ended (however long
    // that takes; at most 15 min), starting before the run does.
    await Promise.all(rig.nodes.map(async (n) => {
      await rig.sh(n, `rm -f ${SAMPLE} /tmp/stop-sampling; setsid timeout 900 bash -c 'until [ -e /tmp/stop-sampling ]; do ps -eww -o args >> ${SAMPLE}; sleep 0.02; done' >/dev/null 2>&1 < /dev/null &`);
      await until(async () => (await rig.sh(n, `test -s ${SAMPLE}`)).exitCode === 0, 60, `${n.name}: the sampler runs`);
    }));
    const r = await runCli(['up', '-i', rig.inventoryPath, '--verbose', '--diff', '--json']);
    await Promise.all(rig.nodes.map((n) => rig.sh(n, 'touch /tmp/stop-sampling')));
    expect(r.exitCode, r.stderr).toBe(0);

    expect(r.stderr).toContain('$ askmscli -s redis-password < (password on stdin)');
    expect(r.stderr).toContain('requirepass ***');
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(rig.redisPassword);
    const journals = join(rig.dir, '.hsts-cluster', 'journal');
    for (const file of readdirSync(journals)) expect(readFileSync(join(journals, file), 'utf8')).not.toContain(rig.redisPassword);

    for (const node of rig.nodes) {
      const samples = (await rig.sh(node, `cat ${SAMPLE}`)).output;
      // The sampler did see the run's own processes (sudo and the batch script)...
      expect(samples).toMatch(/sudo -n -- bash -c/);
      // ...and never the password.
      expect(samples).not.toContain(rig.redisPassword);
    }
    expect(new Set(await sentinelPrimaries(rig, rig.nodes)).size).toBe(1);
  });

  it('refuses cleanly, touching nothing, when sudo needs a password it was not given', async () => {
    const sudo = await requireSudoPassword(rig, 1);
    try {
      const r = await runCli(['up', '-i', rig.inventoryPath]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/node2: .*sudo/);
      expect(r.stderr).toContain('nothing was changed');
      // Given the sudo password (a secret reference, sent on stdin), the same node answers.
      const plan = await runCli(['plan', '-i', sudo.inventoryPath, '--verbose']);
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(plan.stderr).not.toContain(SUDO_PASSWORD);
    } finally {
      await sudo.restore();
    }
  });
});
