import { describe, expect, it } from 'vitest';
import { redactInput, replayStdin, unredactInput, toRecord } from '../../bench/recording.js';
import { renderBatch } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

const PASSWORD = 'Zq9-redis_pw-4711xyz';
const SUDO = 'sudo pass "word"';
const secrets = new Map([['redis-password', PASSWORD], ['sudo:node1', SUDO]]);

describe('the benchmark\'s recording', () => {
  it('keeps no secret, raw or inside base64 at any alignment, and gives the same bytes back', () => {
    const inputs = [0, 1, 2, 3].map((pad) => {
      const file = Buffer.from(`${'#'.repeat(pad)}requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\n`);
      return Buffer.from(JSON.stringify({ files: [{ content: file.toString('base64') }], raw: PASSWORD }));
    });
    for (const input of inputs) {
      const redacted = redactInput(input, secrets);
      expect(redacted.toString()).not.toContain(PASSWORD);
      const content = JSON.parse(redacted.toString()).files[0].content as string;
      expect(Buffer.from(content, 'base64').toString('latin1')).not.toContain(PASSWORD);
      expect(unredactInput(redacted, secrets).equals(input)).toBe(true);
    }
  });

  it('replays the exact stdin the batch was sent with, sudo password first', () => {
    const batch = renderBatch([{ label: 'x', code: 'cat "$IN/pw"', inputs: { pw: new Secret(PASSWORD), other: 'plain' } }], 'run-all');
    const record = toRecord({ node: 'node1', wave: 'apply', command: 'bash -c ...', sudoPassword: new Secret(SUDO), inputs: batch.inputs }, secrets);
    const text = JSON.stringify(record);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
    expect(text).not.toContain('sudo pass');
    expect(record.sudo).toBe('sudo:node1');
    expect(replayStdin(record, secrets).equals(Buffer.concat([Buffer.from(`${SUDO}\n`), batch.stdin]))).toBe(true);
  });
});
