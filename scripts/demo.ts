/**
 * npm run demo: three local HSTS nodes in containers, configured by `hsts-cluster up`, then shown
 * by `hsts-cluster status`. The rig stays up for you to explore; `npm run rig -- down --name demo`
 * removes it.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { removeRig, startRig } from '../test/rig/rig.js';
import { repoRoot } from '../test/rig/image.js';

const root = repoRoot();
const cli = resolve(root, 'dist', 'cli', 'hsts-cluster.mjs');
const dir = resolve(root, 'demo');

function hstsCluster(...args: string[]): number {
  console.error(`\n$ hsts-cluster ${args.join(' ')}`);
  return spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' }).status ?? 1;
}

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
await removeRig('demo');
console.error('starting three HSTS nodes (containers demo-node1..3) ...');
const rig = await startRig({ nodes: 3, name: 'demo', dir });
for (const node of rig.nodes) console.error(`  ${node.name}: ssh root@127.0.0.1 -p ${node.sshPort}, cluster IP ${node.privateIp}`);
const inventory = rig.inventoryPath;
let code = hstsCluster('plan', '-i', inventory);
if (code === 0) code = hstsCluster('up', '-i', inventory);
if (code === 0) code = hstsCluster('up', '-i', inventory);
if (code === 0) code = hstsCluster('status', '-i', inventory);
console.error(`\ninventory: ${inventory}`);
console.error('try:  npx hsts-cluster verify --replication --failover -i demo/inventory.json');
console.error('done: npm run rig -- down --name demo');
process.exit(code);
