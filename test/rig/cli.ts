#!/usr/bin/env node
/**
 * The test rig for people and scripts:
 *   npm run rig -- up --nodes N --name NAME --out FILE [--sudo-user] [--outsiders K]
 *                     [--firewall netfilter-persistent|iptables-services|firewalld[,...one per node]]
 *                     [--variant NAME[,NAME]]   (once for every node, or once per node, in order)
 *   npm run rig -- down --name NAME
 *   npm run rig -- sweep            (every rig container and network left behind)
 */
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FIREWALL_PROFILES, removeRig, startRig, sweepRigs, type FirewallProfile } from './rig.js';
import { VARIANTS, parseVariants, variantsPerNode, type Variant } from './variants.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError('must be a whole number from 1 to 50');
  return n;
}

function rigName(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(value)) throw new InvalidArgumentError('must be lower-case letters, digits and "-"');
  return value;
}

/** One profile for every node, or a comma-separated list: one per node, in order. */
function firewallProfiles(value: string): FirewallProfile[] {
  const list = value.split(',');
  for (const p of list) {
    if (!(FIREWALL_PROFILES as readonly string[]).includes(p)) throw new InvalidArgumentError(`${p}: must be one of ${FIREWALL_PROFILES.join(', ')}`);
  }
  return list as FirewallProfile[];
}

/** --variant, repeatable: each occurrence is one node's comma-separated variants. */
function variantList(value: string, previous: Variant[][]): Variant[][] {
  try {
    return [...previous, parseVariants(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const program = new Command('rig').description('Local HSTS nodes in containers, for hsts-cluster tests and demos');
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.command('up')
  .description('start N nodes and write a ready inventory (key, known_hosts and password file beside it)')
  .option('--nodes <n>', 'number of nodes', positive, 3)
  .requiredOption('--name <name>', 'rig name: containers NAME-node1..N', rigName)
  .requiredOption('--out <file>', 'inventory file to write')
  .option('--sudo-user', 'connect as the non-root sudo user instead of root')
  .option('--outsiders <k>', 'extra containers on the network that are not cluster members', (v) => Number(v), 0)
  .option('--firewall <profile>', `the nodes' firewall stack: ${FIREWALL_PROFILES.join('|')}, or a comma-separated list, one per node`, firewallProfiles, ['netfilter-persistent'])
  .option('--variant <names>', `host variants (${VARIANTS.join('|')}), comma-separated; once for every node, or once per node`, variantList, [])
  .action(async (opts: { nodes: number; name: string; out: string; sudoUser?: boolean; outsiders: number; firewall: FirewallProfile[]; variant: Variant[][] }) => {
    const started = Date.now();
    const out = resolve(opts.out);
    if (opts.firewall.length > 1 && opts.firewall.length !== opts.nodes) {
      throw new InvalidArgumentError(`--firewall lists ${opts.firewall.length} profiles for ${opts.nodes} nodes`);
    }
    let variants: Variant[][] | undefined;
    try {
      variants = opts.variant.length > 0 ? variantsPerNode(opts.variant, opts.nodes) : undefined;
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
    const rig = await startRig({
      nodes: opts.nodes, name: opts.name, dir: dirname(out), sudoUser: opts.sudoUser, outsiders: opts.outsiders,
      firewall: opts.firewall.length === 1 ? opts.firewall[0] : opts.firewall, variants,
    });
    const path = rig.writeInventory(out.slice(dirname(out).length + 1), rig.inventory);
    for (const node of rig.nodes) console.error(`${node.name}: ssh 127.0.0.1:${node.sshPort}, private IP ${node.privateIp}, firewall ${node.firewall}${node.variants.length ? `, variants ${node.variants.join(',')}` : ''}`);
    console.error(`rig ${opts.name}: ${rig.nodes.length} containers up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(path);
  });

program.command('down')
  .description('remove a rig\'s containers and network')
  .requiredOption('--name <name>', 'rig name', rigName)
  .action(async (opts: { name: string }) => {
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    const removed = await removeRig(opts.name);
    console.error(`rig ${opts.name}: removed ${removed} container(s)`);
  });

program.command('sweep')
  .description('remove every rig container and network left behind')
  .action(async () => {
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    const removed = await sweepRigs();
    console.error(`removed ${removed} rig container(s)`);
  });

program.parseAsync().catch((e: unknown) => {
  console.error(`rig: ${(e as Error).message}`);
  process.exit(1);
});
