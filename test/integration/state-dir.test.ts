import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';

/**
 * hsts-cluster's state directory (remote/state-dir.ts) on real nodes: /var/lib/hsts-cluster, and
 * the old place /opt/aspera/var/hsts-cluster (the noded user's directory) migrated once when it is
 * honest, refused unread when the noded user made or replaced it.
 */
let rig: Rig;
const STATE = '/var/lib/hsts-cluster';
const OLD = '/opt/aspera/var/hsts-cluster';

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-state-dir-')) });
});
afterAll(async () => {
  await rig?.down();
});

async function sh(node: number, command: string): Promise<string> {
  const r = await rig.sh(node, command);
  if (r.exitCode !== 0) throw new Error(`node${node + 1}: ${command}: ${r.output}`);
  return r.output;
}

describe('the state directory', () => {
  it('is made root-only in /var/lib; an honest old directory (a finished run, askmscli records) migrates and is used', async () => {
    const first = await runCli(['up', '-i', rig.inventoryPath, '--json'], { timeoutMs: 600_000 });
    expect(first.exitCode, first.stderr).toBe(0);
    for (const i of [0, 1, 2]) {
      expect((await sh(i, `stat -c '%U %G %a %F' ${STATE} ${STATE}/runs ${STATE}/askmscli`)).trim().split('\n')).toEqual(Array(3).fill('root root 700 directory'));
    }
    // The previous layout: the same state, in the noded user's /opt/aspera/var.
    for (const i of [0, 1, 2]) await sh(i, `mv -T ${STATE} ${OLD}`);
    const runs = (await sh(0, `ls ${OLD}/runs`)).trim();
    expect(runs).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);

    const again = await runCli(['up', '-i', rig.inventoryPath, '--json'], { timeoutMs: 600_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    // The askmscli records moved with it: nothing to do.
    expect(JSON.parse(again.stdout).totals.changed).toBe(0);
    for (const i of [0, 1, 2]) {
      expect((await rig.sh(i, `test -e ${OLD} || test -L ${OLD}`)).exitCode).not.toBe(0);
      expect((await sh(i, `cat ${STATE}/askmscli/redis-password.json | head -c 1`))).toBe('{');
    }
    expect((await sh(0, `cat ${STATE}/runs/${runs}/state`)).trim()).toBe('done');
  });

  const plants: { name: string; plant: string; says: RegExp }[] = [
    {
      name: 'made by the noded user, with a run that rolls back /etc/sudoers.d',
      plant: `su -s /bin/sh asperadaemon -c 'mkdir -p ${OLD}/runs/20261201T101010Z-abcd && chmod 700 ${OLD} && echo applying > ${OLD}/runs/20261201T101010Z-abcd/state'`,
      says: /is not a root-owned directory of mode 0700 \(\d+\|asperadaemon\|700\|directory\)/,
    },
    {
      name: 'a symlink the noded user put there to a root-only directory',
      plant: `mkdir -m 700 /root/private && echo secret > /root/private/x && su -s /bin/sh asperadaemon -c 'ln -s /root/private ${OLD}'`,
      says: /is not a root-owned directory of mode 0700 \(\d+\|asperadaemon\|777\|symbolic link\)/,
    },
  ];
  for (const p of plants) {
    it(`refuses an old directory ${p.name}, without reading or changing it, naming the path`, async () => {
      await sh(1, `rm -rf ${STATE} ${OLD} /root/private && ${p.plant}`);
      const before = await sh(1, `stat -c '%i %U %a' ${OLD}; ls -la /root 2>/dev/null | wc -l`);
      const r = await runCli(['up', '-i', rig.inventoryPath], { timeoutMs: 600_000 });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(`node2: hsts-cluster state directory refused: the old state directory ${OLD} is not migrated to ${STATE}, and nothing in it is read`);
      expect(r.stderr).toMatch(p.says);
      expect((await rig.sh(1, `test -e ${STATE} || test -L ${STATE}`)).exitCode, `${STATE} was made`).not.toBe(0);
      expect(await sh(1, `stat -c '%i %U %a' ${OLD}; ls -la /root 2>/dev/null | wc -l`)).toBe(before);
      // Not even a bare rollback reads it.
      const rollback = await runCli(['rollback', '-i', rig.inventoryPath], { timeoutMs: 300_000 });
      expect(rollback.exitCode).not.toBe(0);
      expect(rollback.stderr).toContain(`${OLD} is not migrated`);
      await sh(1, `rm -rf ${OLD} /root/private`);
    });
  }

  it('refuses a state directory the noded user could replace, naming it and the fix; up works again once fixed', async () => {
    await sh(2, `chown asperadaemon ${STATE}`);
    const r = await runCli(['up', '-i', rig.inventoryPath], { timeoutMs: 600_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`node3: hsts-cluster state directory refused: ${STATE} is a directory owned by asperadaemon \\(uid \\d+\\), mode 700; .*chown root:root ${STATE} && chmod 0700 ${STATE}`));
    await sh(2, `chown root ${STATE}`);
    const fixed = await runCli(['up', '-i', rig.inventoryPath, '--json'], { timeoutMs: 600_000 });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
  });
});
