import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/cluster.js';
import { parseExposition, sample } from '../support/prometheus.js';

/** status --format prometheus on a real cluster, read back by a parser of the exposition format. */
let rig: Rig;
const metrics = async () => {
  const r = await runCli(['status', '--format', 'prometheus', '-i', rig.inventoryPath]);
  expect(r.exitCode, r.stderr).toBe(0);
  return parseExposition(r.stdout);
};
const c = { cluster: 'myprimary' };

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-prom-')) });
  const up = await runCli(['up', '-i', rig.inventoryPath]);
  if (up.exitCode !== 0) throw new Error(up.stderr);
});
afterAll(async () => {
  await rig?.down();
});

describe('status --format prometheus', () => {
  it('a healthy cluster after up', async () => {
    const m = await eventually(metrics, (f) => sample(f, 'hsts_cluster_healthy', c) === 1, 120);
    expect(sample(m, 'hsts_cluster_primary', { ...c, node: 'node1' })).toBe(1);
    for (const node of ['node2', 'node3']) {
      expect(sample(m, 'hsts_cluster_node_role', { ...c, node, role: 'replica' })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_replication_link_up', { ...c, node })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_replication_lag_bytes', { ...c, node })).toBeGreaterThanOrEqual(0);
      expect(sample(m, 'hsts_cluster_node_sentinel_primary', { ...c, node, primary: 'node1' })).toBe(1);
    }
    expect(sample(m, 'hsts_cluster_node_connected_replicas', { ...c, node: 'node1' })).toBe(2);
    expect(sample(m, 'hsts_cluster_node_sentinel_quorum', { ...c, node: 'node1' })).toBe(1);
  });

  it('a degraded cluster: Redis stopped on node3, a Sentinel stopped on node2', async () => {
    await rig.sh(2, 'systemctl stop asperaredisd');
    await rig.sh(1, 'systemctl stop asperaredissentinel');
    try {
      const m = await metrics();
      expect(sample(m, 'hsts_cluster_healthy', c)).toBe(0);
      expect(sample(m, 'hsts_cluster_verdict', { ...c, verdict: 'degraded' })).toBe(1);
      expect(sample(m, 'hsts_cluster_problems', c)).toBeGreaterThanOrEqual(2);
      expect(sample(m, 'hsts_cluster_primary', { ...c, node: 'node1' })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_service_up', { ...c, node: 'node3', service: 'asperaredisd' })).toBe(0);
      expect(sample(m, 'hsts_cluster_node_service_up', { ...c, node: 'node3', service: 'asperaredissentinel' })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_service_up', { ...c, node: 'node2', service: 'asperaredissentinel' })).toBe(0);
      expect(sample(m, 'hsts_cluster_node_role', { ...c, node: 'node3', role: 'unknown' })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_replication_link_up', { ...c, node: 'node3' })).toBeUndefined();
      expect(sample(m, 'hsts_cluster_node_sentinel_agrees', { ...c, node: 'node2' })).toBe(0);
      expect(sample(m, 'hsts_cluster_node_role', { ...c, node: 'node2', role: 'replica' })).toBe(1);
    } finally {
      await rig.sh(2, 'systemctl start asperaredisd');
      await rig.sh(1, 'systemctl start asperaredissentinel');
    }
  });

  it('an unreachable node (its sshd stopped): reachable 0, the rest still reported', async () => {
    await rig.sh(2, 'systemctl stop ssh.socket ssh.service || systemctl stop ssh');
    try {
      const m = await metrics();
      expect(sample(m, 'hsts_cluster_node_reachable', { ...c, node: 'node3' })).toBe(0);
      expect(sample(m, 'hsts_cluster_node_reachable', { ...c, node: 'node1' })).toBe(1);
      expect(sample(m, 'hsts_cluster_node_service_up', { ...c, node: 'node3', service: 'asperaredisd' })).toBeUndefined();
      expect(sample(m, 'hsts_cluster_healthy', c)).toBe(0);
    } finally {
      await rig.sh(2, 'systemctl start ssh');
    }
  });
});
