import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownHosts, knownHostsName } from '../../src/ssh/known-hosts.js';
import { generateUsableKeyPair } from '../support/keys.js';

function publicBlob(): Buffer {
  const pair = generateUsableKeyPair();
  return Buffer.from(pair.public.split(' ')[1]!, 'base64');
}

describe('known_hosts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const key = publicBlob();
  const other = publicBlob();
  const line = (name: string, blob: Buffer) => `${name} ssh-ed25519 ${blob.toString('base64')}`;

  it('names hosts like OpenSSH', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('knows a recorded key, calls a different one changed, an absent host unknown', () => {
    const path = join(dir, 'plain');
    writeFileSync(path, `# comment\n${line('[127.0.0.1]:2222,alias', key)}\n`);
    const kh = new KnownHosts(path);
    expect(kh.check('127.0.0.1', 2222, key)).toBe('known');
    expect(kh.check('alias', 22, key)).toBe('known');
    expect(kh.check('127.0.0.1', 2222, other)).toBe('changed');
    expect(kh.check('127.0.0.1', 2223, key)).toBe('unknown');
    expect(kh.keyTypes('127.0.0.1', 2222)).toEqual(['ssh-ed25519']);
  });

  it('matches hashed names and wildcards, honours negation and @revoked', () => {
    const path = join(dir, 'hashed');
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('node1.example').digest('base64');
    writeFileSync(path, [
      line(`|1|${salt.toString('base64')}|${hash}`, key),
      line('*.lab,!bad.lab', other),
      `@revoked * ssh-ed25519 ${publicBlob().toString('base64')}`,
    ].join('\n'));
    const kh = new KnownHosts(path);
    expect(kh.check('node1.example', 22, key)).toBe('known');
    expect(kh.check('x.lab', 22, other)).toBe('known');
    expect(kh.check('bad.lab', 22, other)).toBe('unknown');
  });

  it('records a new key (accept-new) in a file that did not exist', () => {
    const path = join(dir, 'sub', 'new_hosts');
    const kh = new KnownHosts(path);
    kh.add('127.0.0.1', 2200, key);
    expect(readFileSync(path, 'utf8')).toBe(`${line('[127.0.0.1]:2200', key)}\n`);
    expect(new KnownHosts(path).check('127.0.0.1', 2200, key)).toBe('known');
  });

  it('a file with a line per node: every host finds its own key, and a wildcard line still applies in file order', () => {
    const path = join(dir, 'many');
    const keys = Array.from({ length: 4 }, () => publicBlob());
    const lines = Array.from({ length: 500 }, (_, i) => line(`[127.0.0.1]:${10_000 + i}`, keys[i % 4]!));
    lines.splice(250, 0, line('[127.0.0.1]:*', other));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const kh = new KnownHosts(path);
    for (let i = 0; i < 500; i++) {
      expect(kh.check('127.0.0.1', 10_000 + i, keys[i % 4]!)).toBe('known');
      expect(kh.check('127.0.0.1', 10_000 + i, keys[(i + 1) % 4]!)).toBe('changed');
    }
    expect(kh.check('127.0.0.1', 9_999, other)).toBe('known');
    expect(kh.check('127.0.0.2', 10_000, keys[0]!)).toBe('unknown');
    expect(kh.check('127.0.0.1', 10_000, other)).toBe('known');
  });

  it('reads the file again when it changed since it was last read', () => {
    const path = join(dir, 'changing');
    writeFileSync(path, `${line('[127.0.0.1]:3000', key)}\n`);
    expect(new KnownHosts(path).check('127.0.0.1', 3000, key)).toBe('known');
    writeFileSync(path, `${line('[127.0.0.1]:3000', other)}\n${line('[127.0.0.1]:3001', key)}\n`);
    const again = new KnownHosts(path);
    expect(again.check('127.0.0.1', 3000, key)).toBe('changed');
    expect(again.check('127.0.0.1', 3001, key)).toBe('known');
  });
});
