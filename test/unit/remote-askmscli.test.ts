import { describe, expect, it } from 'vitest';
import { initKeystore, storeRedisPassword } from '../../src/remote/askmscli.js';
import { Secret } from '../../src/util/secret.js';

describe('remote/askmscli', () => {
  it('stores the Redis password from stdin: never in the label or the code', () => {
    const password = new Secret('s3cret-redis-pw');
    const command = storeRedisPassword(password);
    expect(command).toEqual({
      label: 'askmscli -s redis-password < (password on stdin)',
      code: '/opt/aspera/bin/askmscli -s redis-password < "$IN/pw"',
      inputs: { pw: password },
    });
    expect(`${command.label}${command.code}`).not.toContain('s3cret');
  });

  it.each([
    ['xfer', 'askmscli -i -u xfer', "/opt/aspera/bin/askmscli -i -u 'xfer'"],
    ['asperadaemon', 'askmscli -i -u asperadaemon', "/opt/aspera/bin/askmscli -i -u 'asperadaemon'"],
  ])('makes the keystore of %s', (user, label, code) => {
    expect(initKeystore(user)).toEqual({ label, code });
  });
});
