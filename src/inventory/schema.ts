import { z } from 'zod';
import { USER_NAME, USER_NAME_RULE } from './user-name.js';
import { IPV4 } from '../util/ipv4.js';

/** A secret in the inventory: from the environment, from a file (relative to the inventory), or literal. */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ file: z.string().min(1, 'must be a file path') }),
  z.string().min(1, 'must not be empty'),
]).describe('{"env": NAME} or {"file": PATH} (relative to the inventory); a literal string works but warns');

export const ipv4Schema = z.string().regex(IPV4, 'is not a valid IPv4 address (four numbers 0-255)');
const port = z.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
const hostName = z.string().min(1, 'must not be empty').regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address (letters, digits, ".", "-", "_", ":")');
const userName = z.string().regex(USER_NAME, USER_NAME_RULE);

export const jumpHostSchema = z.strictObject({
  host: hostName,
  port: port.default(22),
  user: userName.default('root'),
  privateKey: z.string().min(1, 'must be a file path').optional(),
});

/** SSH settings; every field can be overridden per node. */
export const sshSchema = z.strictObject({
  host: hostName.optional().describe('address to reach the node over SSH (default: its privateIp)'),
  port: port.optional(),
  user: userName.optional().describe('root, or a user allowed to run sudo'),
  privateKey: z.string().min(1, 'must be a file path').optional().describe('private key file, relative to the inventory'),
  agent: z.boolean().optional().describe('use the ssh-agent from SSH_AUTH_SOCK'),
  knownHosts: z.string().min(1, 'must be a file path').optional().describe('known_hosts file (default ~/.ssh/known_hosts)'),
  sudoPassword: secretRefSchema.optional(),
  jumpHost: jumpHostSchema.optional(),
  connectTimeoutMs: z.number().int('must be a whole number of milliseconds').min(100, 'must be 100-600000 (milliseconds)').max(600_000, 'must be 100-600000 (milliseconds)').optional(),
  configFile: z.string().min(1, 'must be a file path').optional().describe('OpenSSH client config to read host aliases from (default ~/.ssh/config when it exists); the inventory\'s settings win'),
});

export const savePolicySchema = z.strictObject({
  seconds: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  changes: z.number().int('must be a whole number').min(1, 'must be at least 1'),
});

export const clusterSchema = z.strictObject({
  primarySet: z.string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "-" and "_"')
    .default('myprimary'),
  redisPort: port.default(31415),
  sentinelPort: port.default(41415),
  quorum: z.number().int('must be a whole number').optional()
    .describe('Sentinels that must agree the primary is down; default: a majority'),
  downAfterMs: z.number().int('must be a whole number of milliseconds').min(100, 'must be at least 100 (milliseconds)').default(5000),
  failoverTimeoutMs: z.number().int('must be a whole number of milliseconds').min(100, 'must be at least 100 (milliseconds)').default(60000),
  save: z.array(savePolicySchema).default([{ seconds: 60, changes: 10000 }]),
  redisPassword: secretRefSchema,
  transferUsers: z.array(userName).default([]),
  nodedUser: userName.default('asperadaemon'),
});

export const nodeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "-", "_"'),
  privateIp: ipv4Schema.describe('the cluster address: Redis and Sentinel bind to it'),
  role: z.enum(['primary', 'replica'], 'must be "primary" or "replica"'),
  state: z.enum(['present', 'absent'], 'must be "present" or "absent"').default('present')
    .describe('"absent": the node is leaving; up moves the primary off it, stops and disables its HSTS units over SSH and removes it from the others'),
  ssh: sshSchema.optional(),
});

export const inventorySchema = z.strictObject({
  $schema: z.string().optional(),
  cluster: clusterSchema,
  ssh: sshSchema.default({}),
  nodes: z.array(nodeSchema),
});

export type InventoryInput = z.input<typeof inventorySchema>;
export type ParsedInventory = z.output<typeof inventorySchema>;
export type SecretRef = z.output<typeof secretRefSchema>;
export type SshSettings = z.output<typeof sshSchema>;
