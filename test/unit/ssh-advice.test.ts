import { describe, expect, it } from 'vitest';
import { changedHostKeyAdvice, refusedLoginAdvice, sudoAdvice, unreachableAdvice } from '../../src/ssh/advice.js';

describe('what to do next when SSH or sudo refuses', () => {
  it('a changed host key: confirm, remove the old entry with ssh-keygen -R, then accept the new one', () => {
    expect(changedHostKeyAdvice('127.0.0.1', 2222, '/inv/known_hosts')).toMatch(/confirm the new fingerprint.*ssh-keygen -R '\[127\.0\.0\.1\]:2222' -f \/inv\/known_hosts.*--accept-new-host-keys/);
    expect(changedHostKeyAdvice('10.0.0.5', 22, '/kh')).toContain("ssh-keygen -R '10.0.0.5' -f /kh");
  });

  it.each([
    [{ keyPath: '/keys/id' }, /refused the key \/keys\/id for ops: .*ssh-copy-id -i \/keys\/id\.pub -p 2222 ops@h/],
    [{ agent: true }, /refused the agent's keys for ops: .*ssh-add -l/],
    [{ keyPath: '/keys/id', agent: true }, /refused the key \/keys\/id and the agent's keys/],
  ])('a refused login with %j', (credentials, expected) => {
    expect(refusedLoginAdvice('ops', 'h', 2222, credentials)).toMatch(expected);
  });

  it.each([
    ['ECONNREFUSED', /nothing listens on h:2222: start sshd there, or fix ssh.port/],
    ['ENOTFOUND', /h does not resolve: fix ssh.host/],
    ['EHOSTUNREACH', /no route to h/],
    [undefined, /h:2222 did not answer: .*firewall/],
  ])('an unreachable node (%s)', (code, expected) => {
    expect(unreachableAdvice('h', 2222, code)).toMatch(expected);
    expect(unreachableAdvice('h', 2222, code)).toContain('-vv shows');
  });

  it.each([
    ['sudo: a password is required\n', /set|give it as ssh.sudoPassword/],
    ['sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n', /ssh.sudoPassword/],
    ['ops is not in the sudoers file.  This incident will be reported.\n', /ops may not run sudo there: allow it .*\/etc\/sudoers.d\/ops.*or connect as root/],
    ['Sorry, user ops is not allowed to execute \'/bin/bash -c x\' as root on node1.\n', /ops may not run sudo there/],
    ['bash: line 1: sudo: command not found\n', /sudo is not installed there/],
    ['redis-cli: connection refused\n', undefined],
  ])('sudo said %j', (stderr, expected) => {
    const advice = sudoAdvice(stderr, 'ops');
    if (expected === undefined) expect(advice).toBeUndefined();
    else expect(advice).toMatch(expected);
  });
});
