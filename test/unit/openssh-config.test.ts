import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSshHost, OpenSshConfigError, parseJump, readOpenSshConfig } from '../../src/ssh/openssh-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hsts-sshconfig-'));
mkdirSync(join(dir, 'conf.d'));
writeFileSync(join(dir, 'conf.d', '10-cluster.conf'), 'Host hsts-*\n  User ops\n  IdentityFile /keys/cluster\n  ProxyJump bastion\n');
writeFileSync(join(dir, 'conf.d', 'ignored.txt'), 'Host hsts-*\n  User wrong\n');
writeFileSync(join(dir, 'config'), [
  `Include ${join(dir, 'conf.d', '*.conf')}`,
  'Host hsts-1',
  '  HostName 192.0.2.11',
  '  Port 2201',
  'Host bastion',
  '  HostName 192.0.2.1',
  '  User jump',
  'Match host 192.0.2.1*',
  '  ConnectTimeout 7',
  'Host *',
  '  User fallback',
  '  UserKnownHostsFile /kh/one /kh/two',
  '',
].join('\n'));
const config = readOpenSshConfig(join(dir, 'config'));

describe('OpenSSH client config', () => {
  it.each([
    ['hsts-1', { hostName: '192.0.2.11', port: 2201, user: 'ops', identityFiles: ['/keys/cluster'], proxyJump: 'bastion', userKnownHostsFile: '/kh/one', connectTimeoutSeconds: 7 }],
    ['bastion', { hostName: '192.0.2.1', user: 'jump', identityFiles: [], userKnownHostsFile: '/kh/one', connectTimeoutSeconds: 7 }],
    ['other', { user: 'fallback', identityFiles: [], userKnownHostsFile: '/kh/one' }],
  ])('%s: Include, Host patterns, Match host, first value wins', (alias, expected) => {
    expect(openSshHost(config, alias)).toEqual(expected);
  });

  it.each([
    ['bastion', { host: 'bastion' }],
    ['ops@bastion:2222', { user: 'ops', host: 'bastion', port: 2222 }],
    ['[2001:db8::1]:22', { host: '2001:db8::1', port: 22 }],
  ])('ProxyJump %s', (spec, expected) => {
    expect(parseJump(spec)).toEqual(expected);
  });

  it('refuses a chain of jump hosts', () => {
    expect(() => parseJump('a,b')).toThrow(OpenSshConfigError);
  });
});
