import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli, startCli, type CliResult } from '../support/cli.js';
import { requireSudoPassword, SUDO_PASSWORD } from '../support/sudo-password.js';
import { until } from '../support/wait.js';

/**
 * The optimistic run lock (runner/engine/lock.ts): every node's lock is taken in its facts batch
 * and the first node decides. Three runs started at once: exactly one proceeds. A lock left by a
 * dead controller on a node other than the first: refused naming it (after the retries), then
 * removed by --break-lock. The rig connects as a sudo user: the lock's release, a batch without
 * inputs, goes without stdin through `sudo -n`, and with only the password line through `sudo -S`.
 */
let rig: Rig;
const LOCK = '/var/lib/hsts-cluster/lock';

beforeAll(async () => {
  rig = await startRig({ nodes: 3, sudoUser: true, dir: mkdtempSync(join(tmpdir(), 'hsts-run-lock-')) });
});
afterAll(async () => {
  await rig?.down();
});

/** asconfigurator on node1 waits for a file: the winner cannot end (and free the lock) before the losers have asked for it. */
const HOLD = `rm -f /tmp/asc.release && mv /opt/aspera/bin/asconfigurator /opt/aspera/bin/asconfigurator.real && cat > /opt/aspera/bin/asconfigurator <<'EOF2'
#!/bin/sh
i=0
while [ ! -e /tmp/asc.release ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
exec /opt/aspera/bin/asconfigurator.real "$@"
EOF2
chmod +x /opt/aspera/bin/asconfigurator`;
const UNHOLD = `touch /tmp/asc.release
for i in $(seq 1 600); do pgrep -f '^/bin/sh /opt/aspera/bin/asconfigurator' >/dev/null || break; sleep 0.1; done
mv -f /opt/aspera/bin/asconfigurator.real /opt/aspera/bin/asconfigurator && rm -f /tmp/asc.release`;

async function sh(node: number, command: string): Promise<string> {
  const r = await rig.sh(node, command);
  if (r.exitCode !== 0) throw new Error(`node${node + 1}: ${command}: ${r.output}`);
  return r.output;
}

const noLockLeft = async () => {
  for (const i of [0, 1, 2]) expect((await rig.sh(i, `test -e ${LOCK}`)).exitCode, `node${i + 1} still locked`).not.toBe(0);
};

describe('the optimistic run lock', () => {
  it('lets exactly one of three concurrent runs proceed; the others name the holder and leave no lock', async () => {
    await sh(0, HOLD);
    let results: CliResult[];
    try {
      const runs = [0, 1, 2].map(() => startCli(['up', '-i', rig.inventoryPath]));
      await until(() => runs.filter((r) => !r.running()).length >= 2, 180, 'two of three concurrent runs end', () => runs.map((r) => r.stderr()).join('\n---\n'));
      await sh(0, 'touch /tmp/asc.release');
      results = await Promise.all(runs.map((r) => r.done));
    } finally {
      await sh(0, UNHOLD);
    }
    const all = results.map((r) => r.stderr).join('\n---\n');
    expect(results.map((r) => r.exitCode).sort(), all).toEqual([0, 1, 1]);
    const winner = results.find((r) => r.exitCode === 0)!;
    for (const loser of results.filter((r) => r.exitCode === 1)) {
      expect(loser.stderr).toMatch(/node1: the run lock is held by run \d{8}T\d{6}Z-[0-9a-f]{4} \(up\) by \S+@\S+ pid \d+/);
      expect(loser.stderr).toContain('nothing was changed');
    }
    expect(winner.stderr).not.toContain('the run lock is held');
    await noLockLeft();
  });

  it('refuses a dead controller\'s lock on a node other than the first, naming it, until --break-lock', async () => {
    const holder = JSON.stringify({ run: '20260101T000000Z-dead', command: 'switchover', user: 'someone', host: 'laptop', pid: 4242, since: '2026-01-01T00:00:00Z' });
    await sh(1, `mkdir -p ${LOCK} && echo '${holder}' > ${LOCK}/holder.json`);
    const refused = await runCli(['up', '-i', rig.inventoryPath]);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('node2: the run lock is held by run 20260101T000000Z-dead (switchover) by someone@laptop pid 4242');
    // The refused run took node1 and node3 and let them go; the stale lock is still there.
    for (const i of [0, 2]) expect((await rig.sh(i, `test -e ${LOCK}`)).exitCode).not.toBe(0);
    expect(await sh(1, `cat ${LOCK}/holder.json`)).toContain('20260101T000000Z-dead');
    const broken = await runCli(['up', '-i', rig.inventoryPath, '--break-lock']);
    expect(broken.exitCode, broken.stderr).toBe(0);
    await noLockLeft();
  });

  it('takes no lock in plan mode and warns about a run in progress', async () => {
    const holder = JSON.stringify({ run: '20260101T000000Z-beef', command: 'up', user: 'someone', host: 'laptop', pid: 4243, since: '2026-01-01T00:00:00Z' });
    await sh(2, `mkdir -p ${LOCK} && echo '${holder}' > ${LOCK}/holder.json`);
    try {
      const planned = await runCli(['plan', '-i', rig.inventoryPath]);
      expect(planned.exitCode, planned.stderr).toBe(0);
      expect(planned.stdout + planned.stderr).toContain('node3: a run is in progress: run 20260101T000000Z-beef');
      for (const i of [0, 1]) expect((await rig.sh(i, `test -e ${LOCK}`)).exitCode).not.toBe(0);
    } finally {
      await sh(2, `rm -rf ${LOCK}`);
    }
  });

  it('releases the lock through sudo -S when the sudo user needs a password (a batch without inputs: only that line on stdin)', async () => {
    const sudo = await requireSudoPassword(rig, 1);
    try {
      const r = await runCli(['up', '-i', sudo.inventoryPath, '--verbose']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('release the run lock');
      expect(r.stderr).not.toContain(SUDO_PASSWORD);
      await noLockLeft();
    } finally {
      await sudo.restore();
    }
  });
});
