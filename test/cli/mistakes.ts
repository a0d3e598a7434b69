/**
 * Mistakes a newcomer makes in the first minutes, each with the answer hsts-cluster must give.
 * test/cli/mistakes.test.ts runs every row against the built CLI (no Docker; the nodes point at a
 * local listener that must see no connection); the table in docs/common-mistakes.md is generated
 * from the rows marked `readme` (npm run readme:mistakes) and checked against them.
 */

export type InventoryJson = Record<string, any>;

export interface Mistake {
  /** The mistake, as docs/common-mistakes.md names it. */
  mistake: string;
  /** Text hsts-cluster must print on stderr (docs/common-mistakes.md shows it as the answer). */
  shows: string;
  /** CLI arguments; {inv} is the inventory file, {dir} the case's folder. Default: up -i {inv}. */
  args?: string[];
  /** An edit of the valid inventory (returning text to write that instead), or the file's exact text/bytes. */
  inventory?: ((inv: InventoryJson) => void | string) | string | Buffer;
  /** The inventory's file name (default inventory.json). */
  fileName?: string;
  /** Extra files in the case's folder, by name. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Run in the case's folder (for the default ./inventory.json). */
  inDir?: boolean;
  /** Expected exit code; 2 unless said. */
  exit?: number;
  /** More that stderr must match, and must not. */
  also?: RegExp[];
  not?: RegExp[];
  readme?: boolean;
}

/**
 * The decoy inventory as YAML, one field a line, so that a row can name the line of its mistake:
 * line 4 is quorum, line 14 node1's role (extraNodeLine comes right after it).
 */
export function yamlInventory(i: InventoryJson, change: { quorum?: string; extraNodeLine?: string } = {}): string {
  return [
    '# hsts-cluster inventory',
    'cluster:',
    '  redisPassword: {file: redis-password}',
    `  quorum: ${change.quorum ?? 2}`,
    'ssh:',
    `  privateKey: ${i.ssh.privateKey}`,
    `  knownHosts: ${i.ssh.knownHosts}`,
    `  host: ${i.ssh.host}`,
    `  port: ${i.ssh.port}`,
    '',
    'nodes:',
    ...i.nodes.flatMap((n: InventoryJson, k: number) => [
      `  - name: ${n.name}`,
      `    privateIp: ${n.privateIp}`,
      `    role: ${n.role}`,
      ...(k === 0 && change.extraNodeLine ? [change.extraNodeLine] : []),
    ]),
    '',
  ].join('\n');
}

const edit = (change: (inv: InventoryJson) => void) => (inv: InventoryJson): void => change(inv);

export const MISTAKES: Mistake[] = [
  // The inventory file itself
  { mistake: 'no inventory.json in the current directory', shows: 'pass -i FILE (or set HSTS_CLUSTER_INVENTORY=FILE), or start from inventory.example.json', args: ['up'], inDir: true, fileName: 'other.json', readme: true },
  { mistake: '-i names a directory', shows: 'is a directory, not an inventory file', args: ['up', '-i', '{dir}/sub'], files: { 'sub/notes.txt': 'x' }, readme: true },
  { mistake: '-i names a directory holding inventory.json', shows: 'did you mean -i', args: ['up', '-i', '{dir}'], also: [/inventory\.json\?/] },
  { mistake: '-i names a file that does not exist', shows: 'no such inventory file', args: ['up', '-i', '{dir}/nope.json'] },
  { mistake: 'HSTS_CLUSTER_INVENTORY names a missing file', shows: 'HSTS_CLUSTER_INVENTORY={dir}/gone.json: no such inventory file', args: ['up'], env: { HSTS_CLUSTER_INVENTORY: '{dir}/gone.json' } },
  { mistake: 'HSTS_CLUSTER_INVENTORY set, no -i: that file is read', shows: 'needs at least 3 nodes, has 2', args: ['up'], env: { HSTS_CLUSTER_INVENTORY: '{inv}' }, inventory: edit((i) => { i.nodes.pop(); }), readme: true },
  { mistake: 'an empty inventory file', shows: 'is empty', inventory: '\n' },
  { mistake: 'a UTF-8 byte order mark (Windows editors): dropped, the real problem shows', shows: 'needs at least 3 nodes', inventory: (i) => { i.nodes.pop(); return `\uFEFF${JSON.stringify(i, null, 2)}`; }, not: [/JSON/, /\uFEFF/], readme: true },
  { mistake: 'a UTF-16 file (Notepad "Unicode")', shows: 'is UTF-16 text', inventory: Buffer.from('\uFEFF{"cluster": {}}', 'utf16le') },
  { mistake: 'a YAML inventory with a number in quotes: the line of the YAML', shows: 'inventory.yaml:4:11: cluster.quorum: must be a number, not a string (got "2")', fileName: 'inventory.yaml', inventory: (i) => yamlInventory(i, { quorum: '"2"' }), also: [/remove the quotes: 2/], readme: true },
  { mistake: 'a YAML field written twice', shows: 'inventory.yaml:15:5: nodes[0].role: appears twice (also at 14:5)', fileName: 'inventory.yaml', inventory: (i) => yamlInventory(i, { extraNodeLine: '    role: replica' }) },
  { mistake: 'a YAML syntax error', shows: 'inventory.yaml:3:1: not valid YAML', fileName: 'inventory.yaml', inventory: 'cluster:\n  save: [1\nnodes: []\n' },
  { mistake: 'a YAML tab indent', shows: 'inventory.yml:2:1: not valid YAML', fileName: 'inventory.yml', inventory: 'cluster:\n\tquorum: 2\n', also: [/never tabs|indent/] },
  { mistake: 'YAML text in a file named .json', shows: 'if it is YAML, name it inventory.yaml', inventory: '---\ncluster:\n  quorum: 2\n' },
  { mistake: 'a trailing comma', shows: 'inventory.json:3:14: not valid JSON: a trailing comma before \'}\'', inventory: '{\n  "cluster": {},\n  "nodes": [],\n}\n', also: [/JSON allows no comma after the last field/], readme: true },
  { mistake: 'a comment in the JSON', shows: 'inventory.json:2:3: not valid JSON: a comment: JSON has no comments', inventory: '{\n  // the cluster\n  "cluster": {}\n}\n' },
  { mistake: 'single quotes', shows: 'inventory.json:1:13: not valid JSON: a string in single quotes: JSON needs double quotes', inventory: "{\"cluster\": 'x'}" },
  { mistake: 'a missing comma between fields', shows: 'inventory.json:3:3: not valid JSON: expected \',\' or \'}\' after the value of "cluster"', inventory: '{\n  "cluster": {}\n  "nodes": []\n}\n', also: [/a comma is missing between two fields/] },
  { mistake: 'a file cut short', shows: 'inventory.json:3:1: not valid JSON: the object opened at 1:1 is never closed', inventory: '{\n  "cluster": {}\n' },
  { mistake: 'a field written twice', shows: 'cluster.quorum: appears twice', inventory: '{"cluster": {"quorum": 2, "quorum": 3}}' },

  // Fields and types
  { mistake: 'OpenSSH\'s IdentityFile for the key', shows: 'ssh.identityFile: unknown field "identityFile"\n  hint: did you mean "privateKey"?', inventory: edit((i) => { i.ssh.identityFile = i.ssh.privateKey; }), readme: true },
  { mistake: 'Ansible\'s ansible_host in a node', shows: '"host" belongs in "ssh"', inventory: edit((i) => { i.nodes[1].ansible_host = '127.0.0.1'; }) },
  { mistake: 'a typo in a field name', shows: 'cluster.quorom: unknown field "quorom"\n  hint: did you mean "quorum"?', inventory: edit((i) => { i.cluster.quorom = 2; }) },
  { mistake: 'privateKey at the top level', shows: '"privateKey" belongs in "ssh"', inventory: edit((i) => { i.privateKey = 'id_ed25519'; }) },
  { mistake: 'redisPassword as {"value": ...}', shows: 'cluster.redisPassword: must be {"env": "NAME"} (an environment variable), {"file": "PATH"} (relative to the inventory) or a literal string', inventory: edit((i) => { i.cluster.redisPassword = { value: 'hunter2-secret' }; }), also: [/got an object with "value"/], not: [/hunter2-secret/], readme: true },
  { mistake: 'redisPassword with both env and file', shows: 'got both "env" and "file"', inventory: edit((i) => { i.cluster.redisPassword = { env: 'A', file: 'b' }; }) },
  { mistake: 'a host name in privateIp', shows: 'host names go in ssh.host', inventory: edit((i) => { i.nodes[1].privateIp = 'node2.example.com'; }), also: [/nodes\[1\]\.privateIp: is not a valid IPv4 address/], readme: true },
  { mistake: 'an IPv6 privateIp', shows: 'IPv6 is not supported', inventory: edit((i) => { i.nodes[1].privateIp = 'fd00::2'; }) },
  { mistake: 'an invalid user name', shows: 'must be a system user name: a lower-case letter or "_" first, then lower-case letters, digits, "_", "." or "-", at most 32 characters', inventory: edit((i) => { i.nodes[2].ssh = { user: 'Admin' }; }), also: [/user names are lower case on Linux: "admin"\?/], readme: true },
  { mistake: 'a port in quotes', shows: 'remove the quotes: 31415, not "31415"', inventory: edit((i) => { i.cluster.redisPort = '31415'; }), readme: true },
  { mistake: '"agent": "true" in quotes', shows: 'ssh.agent: must be true or false, not a string', inventory: edit((i) => { i.ssh.agent = 'true'; }) },
  { mistake: 'role "master"', shows: 'Redis says "master"; the inventory says "primary"', inventory: edit((i) => { i.nodes[0].role = 'master'; }) },
  { mistake: 'nodes as an object', shows: 'write the nodes as a list', inventory: edit((i) => { i.nodes = { node1: {} }; }) },
  { mistake: 'jumpHost as "host:port"', shows: 'write "jumpHost": { "host": "...", "port": 22, "user": "..." }', inventory: edit((i) => { i.ssh.jumpHost = 'bastion:22'; }) },
  { mistake: 'user@host in ssh.host', shows: 'the user goes in ssh.user', inventory: edit((i) => { i.nodes[0].ssh = { host: 'admin@127.0.0.1' }; }) },
  { mistake: 'no redisPassword', shows: 'cluster.redisPassword: is required\n  hint: add "redisPassword": {"env": "HSTS_REDIS_PASSWORD"}', inventory: edit((i) => { delete i.cluster.redisPassword; }) },

  // Cross-field rules
  { mistake: 'two nodes', shows: 'nodes: needs at least 3 nodes, has 2', inventory: edit((i) => { i.nodes.pop(); }) },
  { mistake: 'four nodes', shows: 'needs an odd number of nodes (Sentinel majority), has 4', inventory: edit((i) => { i.nodes.push({ name: 'node4', privateIp: '172.30.0.5', role: 'replica' }); }), readme: true },
  { mistake: 'two primaries', shows: 'needs exactly one node with role "primary", has 2 (node1, node2)', inventory: edit((i) => { i.nodes[1].role = 'primary'; }) },
  { mistake: 'quorum as large as the cluster', shows: 'leave quorum out for a majority (2 of 3)', inventory: edit((i) => { i.cluster.quorum = 3; }) },
  { mistake: 'the same port for Redis and Sentinel', shows: 'cluster.sentinelPort: must differ from redisPort (31415)', inventory: edit((i) => { i.cluster.sentinelPort = 31415; }) },

  // Secrets, keys, host keys
  { mistake: 'the password variable is not set', shows: 'environment variable HSTS_TEST_UNSET_PW is not set\n  hint: export HSTS_TEST_UNSET_PW=...', inventory: edit((i) => { i.cluster.redisPassword = { env: 'HSTS_TEST_UNSET_PW' }; }), readme: true },
  { mistake: 'the password file is missing', shows: 'cluster.redisPassword.file: {dir}/nope.txt does not exist', inventory: edit((i) => { i.cluster.redisPassword = { file: 'nope.txt' }; }) },
  { mistake: 'a password Sentinel cannot write back', shows: 'must not contain spaces, quotes or backslashes (Sentinel writes it back unquoted)', inventory: edit((i) => { i.cluster.redisPassword = { file: 'spaced' }; }), files: { spaced: 'two words\n' }, not: [/two words/] },
  { mistake: 'the key file is missing (shared by every node)', shows: 'ssh.privateKey: {dir}/missing_key does not exist', inventory: edit((i) => { i.ssh.privateKey = 'missing_key'; }), not: [/no SSH credential/, /missing_key does not exist[^]*missing_key does not exist/], readme: true },
  { mistake: 'privateKey names the public key', shows: 'is a public key\n  hint: privateKey needs the private half: the same name without ".pub"', inventory: edit((i) => { i.ssh.privateKey = 'id_ed25519.pub'; }), readme: true },
  { mistake: 'privateKey names a file that is no key', shows: 'is not a private key ssh2 can read', inventory: edit((i) => { i.ssh.privateKey = 'redis-password'; }), not: [/secret-password/] },
  { mistake: 'no SSH credential at all', shows: 'ssh: no SSH credential: neither privateKey nor agent is set', inventory: edit((i) => { delete i.ssh.privateKey; }), env: { SSH_AUTH_SOCK: '', HOME: '{dir}' } },
  { mistake: 'agent: true without an ssh-agent', shows: 'ssh.agent: is true but SSH_AUTH_SOCK is not set', inventory: edit((i) => { delete i.ssh.privateKey; i.ssh.agent = true; }), env: { SSH_AUTH_SOCK: '' } },
  { mistake: 'a node missing from known_hosts', shows: 'has no host key for node1 ([127.0.0.1]:{port}), node2 ([127.0.0.1]:{port}), node3 ([127.0.0.1]:{port})', files: { known_hosts: '# empty\n' }, also: [/or run once with --accept-new-host-keys/], readme: true },
  { mistake: 'known_hosts does not exist', shows: 'known_hosts does not exist, so no host key is known', inventory: edit((i) => { i.ssh.knownHosts = 'nowhere/known_hosts'; }) },
  {
    mistake: 'several mistakes at once: all reported in one run',
    shows: '4 problems; nothing was touched (no connection was opened). Exit 2.',
    inventory: edit((i) => { i.cluster.redisPort = '31415'; i.cluster.quorum = 5; i.cluster.redisPassword = { env: 'HSTS_TEST_UNSET_PW' }; i.ssh.privateKey = 'missing_key'; }),
    also: [/redisPort: must be a number/, /quorum: must be at least 2/, /HSTS_TEST_UNSET_PW is not set/, /missing_key does not exist/],
    readme: true,
  },

  // Command line habits
  { mistake: '--check (Ansible)', shows: '`hsts-cluster plan` shows what up would change, as diffs, and touches nothing', args: ['up', '--check', '-i', '{inv}'], readme: true },
  { mistake: '-k, --ask-pass (Ansible)', shows: 'SSH passwords are not supported', args: ['up', '-k', '-i', '{inv}'] },
  { mistake: '-u USER on the command line', shows: 'set "user" in the inventory', args: ['status', '-u', 'admin', '-i', '{inv}'] },
  { mistake: 'deploy instead of up', shows: 'use `hsts-cluster up`', args: ['deploy', '-i', '{inv}'], readme: true },
  { mistake: 'init to create an inventory', shows: 'start from inventory.example.json', args: ['init'] },
  { mistake: '--limit with up', shows: 'up does not take --limit', args: ['up', '--limit', 'node2', '-i', '{inv}'], also: [/plan --limit node2/], readme: true },
  { mistake: '--limit with a node that is not in the inventory', shows: '--limit: is not a node of the inventory (got "nod2")\n  hint: did you mean node2?', args: ['status', '-l', 'nod2', '-i', '{inv}'] },
  { mistake: '-f 0', shows: "option '-f, --forks <n>' argument '0' is invalid. must be a whole number from 1 to 1000", args: ['up', '-f', '0', '-i', '{inv}'] },
  { mistake: 'options before the command', shows: 'needs at least 3 nodes', args: ['-i', '{inv}', 'up'], inventory: edit((i) => { i.nodes.pop(); }) },
  { mistake: 'plan --dry-run', shows: '`hsts-cluster plan` is the dry run of up', args: ['plan', '--dry-run', '-i', '{inv}'] },
  { mistake: 'a journal directory that is a file', shows: 'the audit journal cannot be written', args: ['up', '--journal-dir', '{dir}/afile/journal', '-i', '{inv}'], files: { afile: 'x' } },
  { mistake: 'an invalid transfer user name', shows: '"Alice Smith" must be a system user name: a lower-case letter', args: ['add-transfer-user', 'Alice Smith', '-i', '{inv}'] },
  { mistake: 'no command', shows: 'no command given', args: [] },
  { mistake: 'options but no command', shows: 'no command given', args: ['-i', '{inv}', '--json'] },
  { mistake: 'an unknown option', shows: "unknown option '--force-everything'", args: ['up', '--force-everything', '-i', '{inv}'] },
];

/** The table of docs/common-mistakes.md, from the rows marked readme. */
export function mistakesMarkdown(): string {
  const cell = (text: string) => text.replace(/\{dir\}\//g, '').replace(/\{port\}/g, 'PORT').replace(/\n\s*hint: /g, ' — ').replace(/\|/g, '\\|');
  const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
  const rows = MISTAKES.filter((m) => m.readme).map((m) => `| ${cell(m.mistake)} | exit ${m.exit ?? 2}: ${code(cell(m.shows))} |`);
  return ['| Mistake | hsts-cluster answers (among others) |', '| --- | --- |', ...rows].join('\n');
}

export const README_BEGIN = '<!-- mistakes:begin (generated from test/cli/mistakes.ts: npm run readme:mistakes) -->';
export const README_END = '<!-- mistakes:end -->';
